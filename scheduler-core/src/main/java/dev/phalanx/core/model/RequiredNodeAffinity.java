package dev.phalanx.core.model;

import java.util.List;

/**
 * A pod's {@code requiredDuringSchedulingIgnoredDuringExecution} node affinity, with Kubernetes'
 * rules: the node must match at least one term; a term matches when all of its requirements do; a
 * term without requirements matches no node. {@link #NONE} (no required affinity) matches every node.
 */
public record RequiredNodeAffinity(List<Term> terms) {
    public static final RequiredNodeAffinity NONE = new RequiredNodeAffinity(null);

    public RequiredNodeAffinity {
        terms = terms == null ? null : List.copyOf(terms);
    }

    /** One node-selector term: requirements on node labels, and on node fields ({@code metadata.name} only). */
    public record Term(List<Requirement> matchExpressions, List<Requirement> matchFields) {
        public Term {
            matchExpressions = List.copyOf(matchExpressions);
            matchFields = List.copyOf(matchFields);
        }

        boolean matches(NodeInfo node, String ignoredKey) {
            if (matchExpressions.isEmpty() && matchFields.isEmpty()) {
                return false;
            }
            for (Requirement r : matchExpressions) {
                if (!r.key().equals(ignoredKey) && !LabelSelectors.matches(r.key(), r.operator(), r.values(), node.labels())) {
                    return false;
                }
            }
            for (Requirement r : matchFields) {
                if (!"metadata.name".equals(r.key())
                        || !LabelSelectors.matches(r.key(), r.operator(), r.values(), java.util.Map.of(r.key(), node.name()))) {
                    return false;
                }
            }
            return true;
        }
    }

    /** {@code key operator values}, e.g. {@code nvidia.com/gpu.product In [NVIDIA-H100-80GB-HBM3]}. */
    public record Requirement(String key, String operator, List<String> values) {
        public Requirement {
            values = values == null ? List.of() : List.copyOf(values);
        }
    }

    public boolean isRequired() {
        return terms != null;
    }

    public boolean matches(NodeInfo node) {
        return matchesIgnoring(node, null);
    }

    /** As {@link #matches}, but with every requirement on label {@code ignoredKey} taken as met. */
    public boolean matchesIgnoring(NodeInfo node, String ignoredKey) {
        if (terms == null) {
            return true;
        }
        for (Term t : terms) {
            if (t.matches(node, ignoredKey)) {
                return true;
            }
        }
        return false;
    }
}
