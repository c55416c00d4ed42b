package dev.phalanx.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A label selector over pods (or namespaces), as Kubernetes evaluates it for inter-pod affinity and topology spread:
 * every requirement must hold. {@link #NOTHING} is what a missing selector means there (it matches no pod); a selector
 * without requirements matches every pod. matchLabels become {@code In} requirements of one value.
 */
public record PodSelector(boolean nothing, List<Requirement> requirements) {
    public static final PodSelector NOTHING = new PodSelector(true, List.of());
    public static final PodSelector EVERYTHING = new PodSelector(false, List.of());

    /** {@code key operator values}: In, NotIn, Exists, DoesNotExist. */
    public record Requirement(String key, String operator, List<String> values) {
        public Requirement {
            values = values == null ? List.of() : List.copyOf(values);
        }

        boolean matches(Map<String, String> labels) {
            return LabelSelectors.matches(key, operator, values, labels);
        }

        @Override
        public String toString() {
            return switch (operator) {
                case "In" -> values.size() == 1 ? key + "=" + values.get(0) : key + " in (" + String.join(",", values) + ")";
                case "NotIn" -> values.size() == 1 ? key + "!=" + values.get(0) : key + " notin (" + String.join(",", values) + ")";
                case "Exists" -> key;
                case "DoesNotExist" -> "!" + key;
                default -> key + " " + operator + " " + values;
            };
        }
    }

    public PodSelector {
        requirements = List.copyOf(requirements);
    }

    /** A selector of the given matchLabels and requirements. */
    public static PodSelector of(Map<String, String> matchLabels, List<Requirement> expressions) {
        List<Requirement> all = new ArrayList<>();
        Sorted.map(matchLabels == null ? Map.of() : matchLabels).forEach((k, v) -> all.add(new Requirement(k, "In", List.of(v))));
        all.addAll(expressions == null ? List.of() : expressions);
        return new PodSelector(false, all);
    }

    public boolean matches(Map<String, String> labels) {
        if (nothing) {
            return false;
        }
        for (Requirement r : requirements) {
            if (!r.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    /** No requirements: every pod matches (topology spread counts none with it, as kube-scheduler does). */
    public boolean isEmpty() {
        return !nothing && requirements.isEmpty();
    }

    /** The same selector with one more requirement (a label key of matchLabelKeys or mismatchLabelKeys). */
    public PodSelector and(Requirement r) {
        if (nothing) {
            return this;
        }
        List<Requirement> all = new ArrayList<>(requirements);
        all.add(r);
        return new PodSelector(false, all);
    }

    /**
     * A label {@code key=value} every pod this selector matches carries, or null when there is none: pods are looked up
     * by it instead of walking them all.
     */
    public String pinnedLabel() {
        for (Requirement r : requirements) {
            if (r.operator().equals("In") && r.values().size() == 1) {
                return r.key() + "=" + r.values().get(0);
            }
        }
        return null;
    }

    @Override
    public String toString() {
        if (nothing) {
            return "(no selector)";
        }
        if (requirements.isEmpty()) {
            return "(every pod)";
        }
        List<String> parts = new ArrayList<>();
        requirements.forEach(r -> parts.add(r.toString()));
        return String.join(",", parts);
    }
}
