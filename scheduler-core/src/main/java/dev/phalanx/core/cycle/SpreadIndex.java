package dev.phalanx.core.cycle;

import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodSelector;
import dev.phalanx.core.model.RequiredNodeAffinity;
import dev.phalanx.core.model.SpreadConstraint;
import dev.phalanx.core.model.Toleration;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Topology spread during one cycle, as kube-scheduler's PodTopologySpread filter computes skew (invariant 9). For
 * each DoNotSchedule constraint of a pod, the pods of its namespace matching the selector (not terminating) are
 * counted per domain over the eligible nodes: those carrying every key of the pod's hard constraints and, by the
 * constraint's policies, accepted by the pod's nodeSelector and required node affinity (nodeAffinityPolicy Honor) and
 * whose taints it tolerates (nodeTaintsPolicy Honor). A node is open to the pod when the pods matching in its domain,
 * plus the pod itself if it matches, exceed the least-loaded eligible domain (taken as 0 while there are fewer
 * eligible domains than minDomains) by at most maxSkew. ScheduleAnyway constraints only weigh the nodes
 * ({@link #penalty}). The members of a gang placed before count, so a gang keeps the skew after each member.
 */
final class SpreadIndex {
    /** Which nodes are domains for a pod's constraints of one kind (hard or soft), with the same policies. */
    static final class Eligible {
        private final Object key;
        private final BitSet nodes;

        private Eligible(Object key, BitSet nodes) {
            this.key = key;
            this.nodes = nodes;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Eligible e && e.key.equals(key);
        }

        @Override
        public int hashCode() {
            return key.hashCode();
        }
    }

    record EligibleKey(Map<String, String> nodeSelector, RequiredNodeAffinity affinity, List<Toleration> tolerations,
                               boolean honorAffinity, boolean honorTaints, TreeSet<String> keys) {
    }

    /** Pods of {@code namespace} matching {@code selector}, counted per domain of {@code topologyKey} over eligible nodes. */
    record Matching(String namespace, PodSelector selector, String topologyKey, Eligible eligible) implements PlacedPods.Kind {
        @Override
        public String pinnedLabel() {
            return selector.pinnedLabel();
        }

        @Override
        public boolean counts(PodInfo pod, boolean held, boolean anchor, PlacedPods.Context ctx) {
            // an empty selector counts no pod, as kube-scheduler counts none with it
            return !held && !anchor && !selector.isEmpty() && pod.namespace().equals(namespace)
                    && selector.matches(pod.constraints().labels()) && !ctx.terminating().contains(pod.key());
        }

        @Override
        public BitSet nodes() {
            return eligible.nodes;
        }
    }

    private final PlacedPods placed;
    private final Map<EligibleKey, Eligible> eligibility;

    /** {@code eligibility}: shared by the copies of a view, as it depends on the nodes alone. */
    SpreadIndex(PlacedPods placed, Map<EligibleKey, Eligible> eligibility) {
        this.placed = placed;
        this.eligibility = eligibility;
    }

    static Map<EligibleKey, Eligible> newEligibilityCache() {
        return new java.util.HashMap<>();
    }

    /** "topologySpread" when placing {@code pod} on node {@code i} would exceed a DoNotSchedule constraint's maxSkew; else null. */
    String blocks(PodInfo pod, int i) {
        List<SpreadConstraint> all = pod.constraints().spread();
        if (all.isEmpty()) {
            return null;
        }
        NodeInfo node = placed.node(i);
        for (SpreadConstraint c : all) {
            if (!c.hard()) {
                continue;
            }
            String v = node.label(c.topologyKey());
            if (v == null) {
                return "topologySpread";
            }
            if (skewWith(pod, c, v, true) > c.maxSkew()) {
                return "topologySpread";
            }
        }
        return null;
    }

    /** How much placing {@code pod} on node {@code i} unbalances its ScheduleAnyway constraints: the skew it leaves, summed. */
    long penalty(PodInfo pod, int i) {
        long sum = 0;
        NodeInfo node = placed.node(i);
        for (SpreadConstraint c : pod.constraints().spread()) {
            if (c.hard()) {
                continue;
            }
            String v = node.label(c.topologyKey());
            sum += v == null ? Integer.MAX_VALUE / 4 : Math.max(0, skewWith(pod, c, v, false));
        }
        return sum;
    }

    /** The skew domain {@code v} would have with {@code pod} in it. */
    private int skewWith(PodInfo pod, SpreadConstraint c, String v, boolean hard) {
        DomainCounts counts = placed.counts(new Matching(pod.namespace(), c.selector(), c.topologyKey(), eligible(pod, c, hard)));
        int min = counts.domains() < c.minDomains() ? 0 : counts.min();
        int self = c.selector().matches(pod.constraints().labels()) ? 1 : 0;
        return counts.of(v) + self - min;
    }

    /** What a constraint says in words, for the reason a pod waits; the least and the most loaded domain with it. */
    String describe(PodInfo pod) {
        List<String> out = new ArrayList<>();
        for (SpreadConstraint c : pod.constraints().spread()) {
            if (c.hard()) {
                DomainCounts counts = placed.counts(new Matching(pod.namespace(), c.selector(), c.topologyKey(), eligible(pod, c, true)));
                out.add(c + ": " + counts.domains() + " eligible domains, the least loaded holds "
                        + (counts.domains() < c.minDomains() ? "0 (fewer domains than minDomains)" : counts.min()));
            }
        }
        return out.isEmpty() ? "" : " (" + String.join("; ", out) + ")";
    }

    private Eligible eligible(PodInfo pod, SpreadConstraint c, boolean hard) {
        TreeSet<String> keys = new TreeSet<>();
        for (SpreadConstraint o : pod.constraints().spread()) {
            if (o.hard() == hard) {
                keys.add(o.topologyKey());
            }
        }
        EligibleKey key = new EligibleKey(c.honorNodeAffinity() ? pod.nodeSelector() : Map.of(),
                c.honorNodeAffinity() ? pod.nodeAffinity() : RequiredNodeAffinity.NONE,
                c.honorTaints() ? pod.tolerations() : List.of(), c.honorNodeAffinity(), c.honorTaints(), keys);
        return eligibility.computeIfAbsent(key, k -> {
            BitSet nodes = new BitSet();
            for (int i = 0; i < placed.nodeCount(); i++) {
                if (eligible(placed.node(i), k)) {
                    nodes.set(i);
                }
            }
            return new Eligible(k, nodes);
        });
    }

    private static boolean eligible(NodeInfo n, EligibleKey k) {
        for (String key : k.keys()) {
            if (n.label(key) == null) {
                return false;
            }
        }
        if (k.honorAffinity()) {
            for (var e : k.nodeSelector().entrySet()) {
                if (!Objects.equals(e.getValue(), n.label(e.getKey()))) {
                    return false;
                }
            }
            if (!k.affinity().matches(n)) {
                return false;
            }
        }
        return !k.honorTaints() || Toleration.toleratesAll(k.tolerations(), n.taints());
    }
}
