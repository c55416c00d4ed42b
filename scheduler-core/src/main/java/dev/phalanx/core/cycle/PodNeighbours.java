package dev.phalanx.core.cycle;

import dev.phalanx.core.model.AffinityTerm;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodConstraints;
import dev.phalanx.core.model.PodInfo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Inter-pod affinity and anti-affinity during one cycle, as kube-scheduler's InterPodAffinity filter judges them
 * (invariant 9), on the pods {@link PlacedPods} holds, which include the members of a gang placed before this one:
 * <ul>
 *   <li>required affinity: in the node's domain of each term's topology key runs a pod matching every term; the node
 *   must carry every term's key. The first pod of a group that follows itself may go anywhere such keys exist, when no
 *   pod anywhere matches its terms and it matches them itself;</li>
 *   <li>required anti-affinity: no pod matching a term runs in the node's domain of that term's key;</li>
 *   <li>the required anti-affinity of pods already on nodes, turned around: a node in the domain of a running pod
 *   whose term matches the incoming pod is closed to it;</li>
 *   <li>preferred terms weigh the nodes a pod may use ({@link #preference}): each matching pod in the node's domain
 *   adds (affinity) or takes away (anti-affinity) the term's weight.</li>
 * </ul>
 */
final class PodNeighbours {
    /** Pods matching every one of {@code terms}, counted per domain of {@code topologyKey}; room held counts not. */
    record Follows(List<AffinityTerm> terms, String topologyKey) implements PlacedPods.Kind {
        @Override
        public String pinnedLabel() {
            for (AffinityTerm t : terms) {
                String p = t.selector().pinnedLabel();
                if (p != null) {
                    return p;
                }
            }
            return null;
        }

        @Override
        public boolean counts(PodInfo pod, boolean held, boolean anchor, PlacedPods.Context ctx) {
            if (held) {
                return false;
            }
            for (AffinityTerm t : terms) {
                if (!t.matches(pod, ctx.namespaces())) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Pods matching {@code term}, counted per domain of its key, room held for pods included: what anti-affinity avoids. */
    record Avoids(AffinityTerm term) implements PlacedPods.Kind {
        @Override
        public String topologyKey() {
            return term.topologyKey();
        }

        @Override
        public String pinnedLabel() {
            return term.selector().pinnedLabel();
        }

        @Override
        public boolean counts(PodInfo pod, boolean held, boolean anchor, PlacedPods.Context ctx) {
            return !anchor && term.matches(pod, ctx.namespaces());
        }
    }

    /** What one pod's terms need, looked up once for all the nodes it is tried on. */
    private record Prepared(PodInfo pod, int epoch, int antiVersion, List<DomainCounts> follows, boolean selfMatch,
                            List<DomainCounts> avoids, Map<String, Set<String>> closed, List<DomainCounts> preferred,
                            List<DomainCounts> preferredAnti) {
    }

    private final PlacedPods placed;
    private Prepared last;

    PodNeighbours(PlacedPods placed) {
        this.placed = placed;
    }

    /** True when nothing here can keep {@code pod} from any node: no terms of its own, none of others on nodes. */
    boolean indifferent(PodInfo pod) {
        return pod.constraints().podAffinity().isEmpty() && !placed.hasAntiAffinity();
    }

    /**
     * Why {@code pod} may not go to node {@code i} now: "existingAntiAffinity", "podAntiAffinity", "podAffinity"; null
     * when it may. (A node without a required term's key is ruled out for good: {@link CapacityView#infeasibility}.)
     */
    String blocks(PodInfo pod, int i) {
        if (indifferent(pod)) {
            return null;
        }
        Prepared p = prepare(pod);
        NodeInfo node = placed.node(i);
        PodConstraints.InterPodAffinity a = pod.constraints().podAffinity();
        if (!a.required().isEmpty()) {
            boolean found = true;
            for (int t = 0; t < a.required().size(); t++) {
                String v = node.label(a.required().get(t).topologyKey());
                if (v == null) {
                    return "podAffinity";
                }
                if (p.follows().get(t).of(v) <= 0) {
                    found = false;
                }
            }
            if (!found && !(p.selfMatch() && p.follows().stream().allMatch(c -> c.total() == 0))) {
                return "podAffinity"; // unless it is the first of a group that follows itself
            }
        }
        for (int t = 0; t < a.requiredAnti().size(); t++) {
            String v = node.label(a.requiredAnti().get(t).topologyKey());
            if (v != null && p.avoids().get(t).of(v) > 0) {
                return "podAntiAffinity";
            }
        }
        for (Map.Entry<String, Set<String>> e : p.closed().entrySet()) {
            String v = node.label(e.getKey());
            if (v != null && e.getValue().contains(v)) {
                return "existingAntiAffinity";
            }
        }
        return null;
    }

    /** How much {@code pod}'s preferred terms like node {@code i}: the weight of each matching pod in the node's domain. */
    long preference(PodInfo pod, int i) {
        PodConstraints.InterPodAffinity a = pod.constraints().podAffinity();
        if (a.preferred().isEmpty() && a.preferredAnti().isEmpty()) {
            return 0;
        }
        Prepared p = prepare(pod);
        NodeInfo node = placed.node(i);
        long score = 0;
        for (int t = 0; t < a.preferred().size(); t++) {
            score += (long) a.preferred().get(t).weight() * p.preferred().get(t).of(node.label(a.preferred().get(t).topologyKey()));
        }
        for (int t = 0; t < a.preferredAnti().size(); t++) {
            AffinityTerm term = a.preferredAnti().get(t);
            score -= (long) term.weight() * p.preferredAnti().get(t).of(node.label(term.topologyKey()));
        }
        return score;
    }

    /** The term a code names, in words, for the reason a pod waits. */
    String describe(PodInfo pod, String code) {
        PodConstraints.InterPodAffinity a = pod.constraints().podAffinity();
        return switch (code) {
            case "podAffinity", "podAffinityLabel" -> a.required().isEmpty() ? "" : " (" + join(a.required()) + ")";
            case "podAntiAffinity" -> a.requiredAnti().isEmpty() ? "" : " (" + join(a.requiredAnti()) + ")";
            case "existingAntiAffinity" -> {
                List<String> terms = new ArrayList<>();
                placed.antiTermsFor(pod, t -> {
                    if (terms.size() < 3 && t.term().matches(pod, placed.context().namespaces())
                            && !terms.contains(t.term().toString())) {
                        terms.add(t.term().toString());
                    }
                });
                yield terms.isEmpty() ? "" : " (" + String.join("; ", terms) + ")";
            }
            default -> "";
        };
    }

    private static String join(List<AffinityTerm> terms) {
        List<String> out = new ArrayList<>();
        terms.forEach(t -> out.add(t.toString()));
        return String.join("; ", out);
    }

    private Prepared prepare(PodInfo pod) {
        Prepared p = last;
        if (p != null && p.pod() == pod && p.epoch() == placed.countsEpoch() && p.antiVersion() == placed.antiVersion()) {
            return p;
        }
        PodConstraints.InterPodAffinity a = pod.constraints().podAffinity();
        var ns = placed.context().namespaces();
        List<DomainCounts> follows = new ArrayList<>();
        for (AffinityTerm t : a.required()) {
            follows.add(placed.counts(new Follows(a.required(), t.topologyKey())));
        }
        boolean selfMatch = !a.required().isEmpty();
        for (AffinityTerm t : a.required()) {
            selfMatch &= t.matches(pod, ns);
        }
        List<DomainCounts> avoids = new ArrayList<>();
        a.requiredAnti().forEach(t -> avoids.add(placed.counts(new Avoids(t))));
        Map<String, Set<String>> closed = new HashMap<>();
        placed.antiTermsFor(pod, t -> {
            if (t.term().matches(pod, ns)) {
                String v = placed.node(t.node()).label(t.term().topologyKey());
                if (v != null) {
                    closed.computeIfAbsent(t.term().topologyKey(), k -> new HashSet<>()).add(v);
                }
            }
        });
        List<DomainCounts> preferred = new ArrayList<>();
        a.preferred().forEach(t -> preferred.add(placed.counts(new Follows(List.of(t), t.topologyKey()))));
        List<DomainCounts> preferredAnti = new ArrayList<>();
        a.preferredAnti().forEach(t -> preferredAnti.add(placed.counts(new Follows(List.of(t), t.topologyKey()))));
        p = new Prepared(pod, placed.countsEpoch(), placed.antiVersion(), follows, selfMatch, avoids, closed,
                preferred, preferredAnti);
        last = p;
        return p;
    }
}
