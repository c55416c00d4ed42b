package dev.phalanx.core.model;

/**
 * One topology spread constraint of a pod, as kube-scheduler reads it: pods matching {@code selector} in the pod's own
 * namespace may differ by at most {@code maxSkew} between the domains of {@code topologyKey}. {@code hard}:
 * whenUnsatisfiable DoNotSchedule (else ScheduleAnyway, a preference). {@code minDomains}: with fewer eligible domains
 * than this, the least-loaded domain counts as holding none (1 when unset). Which nodes are eligible domains:
 * {@code honorNodeAffinity} (nodeAffinityPolicy Honor, the default) keeps only nodes the pod's nodeSelector and
 * required node affinity accept; {@code honorTaints} (nodeTaintsPolicy Honor; Ignore by default) only nodes whose
 * taints it tolerates. matchLabelKeys are already folded into {@code selector}.
 */
public record SpreadConstraint(int maxSkew, String topologyKey, boolean hard, PodSelector selector, int minDomains,
                               boolean honorNodeAffinity, boolean honorTaints) {
    @Override
    public String toString() {
        return "maxSkew " + maxSkew + " per " + topologyKey + " of pods " + selector
                + (minDomains > 1 ? " over at least " + minDomains + " domains" : "");
    }
}
