package dev.phalanx.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a pod asks beyond resources, node selection and tolerations: its {@code labels} (what other pods'
 * affinity and spread select), the ResourceClaims it uses ({@code claims}), its scheduling gates
 * ({@code schedulingGates}; a pod with any is not ready to be scheduled), its inter-pod affinity
 * ({@code podAffinity}), its topology spread constraints ({@code spread}) and the host ports it takes
 * ({@code hostPorts}) and its PersistentVolumeClaims ({@code volumes}).
 */
public record PodConstraints(Map<String, String> labels, List<PodClaim> claims, List<String> schedulingGates,
                             InterPodAffinity podAffinity, List<SpreadConstraint> spread, List<HostPort> hostPorts,
                             PodVolumes volumes) {
    public static final PodConstraints NONE = new PodConstraints(Map.of(), List.of(), List.of());

    public PodConstraints {
        labels = Sorted.map(labels);
        claims = List.copyOf(claims);
        schedulingGates = List.copyOf(schedulingGates);
        podAffinity = podAffinity == null ? InterPodAffinity.NONE : podAffinity;
        spread = spread == null ? List.of() : List.copyOf(spread);
        hostPorts = hostPorts == null ? List.of() : List.copyOf(hostPorts);
        volumes = volumes == null ? PodVolumes.NONE : volumes;
    }

    public PodConstraints(Map<String, String> labels, List<PodClaim> claims, List<String> schedulingGates) {
        this(labels, claims, schedulingGates, InterPodAffinity.NONE, List.of(), List.of(), PodVolumes.NONE);
    }

    public PodConstraints(Map<String, String> labels, List<PodClaim> claims, List<String> schedulingGates,
                          InterPodAffinity podAffinity, List<SpreadConstraint> spread, List<HostPort> hostPorts) {
        this(labels, claims, schedulingGates, podAffinity, spread, hostPorts, PodVolumes.NONE);
    }

    /**
     * A pod's inter-pod affinity and anti-affinity: the terms it requires ({@code required} all hold: a pod matching
     * every term runs in the node's domain of each; {@code requiredAnti}: no pod matching a term runs in the node's
     * domain of it) and those it prefers, with their weights.
     */
    public record InterPodAffinity(List<AffinityTerm> required, List<AffinityTerm> requiredAnti, List<AffinityTerm> preferred,
                                   List<AffinityTerm> preferredAnti) {
        public static final InterPodAffinity NONE = new InterPodAffinity(List.of(), List.of(), List.of(), List.of());

        public InterPodAffinity {
            required = List.copyOf(required);
            requiredAnti = List.copyOf(requiredAnti);
            preferred = List.copyOf(preferred);
            preferredAnti = List.copyOf(preferredAnti);
        }

        public boolean isEmpty() {
            return required.isEmpty() && requiredAnti.isEmpty() && preferred.isEmpty() && preferredAnti.isEmpty();
        }
    }

    /**
     * A claim the pod uses, by its {@code name} in the pod's spec. {@code claim}: the ResourceClaim's name in the
     * pod's namespace, null while the claim of a template has not been created yet; {@code template}: the
     * ResourceClaimTemplate it is made from, null for a claim the pod names itself.
     */
    public record PodClaim(String name, String claim, String template) {
    }

    /** The same constraints with other claims. */
    public PodConstraints withClaims(List<PodClaim> made) {
        return new PodConstraints(labels, made, schedulingGates, podAffinity, spread, hostPorts, volumes);
    }

    /** The same constraints with its volume claims resolved as {@code v}. */
    public PodConstraints withVolumes(PodVolumes v) {
        return new PodConstraints(labels, claims, schedulingGates, podAffinity, spread, hostPorts, v);
    }

    /** True when where the pod may go depends on the pods around it: inter-pod affinity or topology spread. */
    public boolean watchesNeighbours() {
        return !podAffinity.isEmpty() || !spread.isEmpty();
    }

    /**
     * True when each node must be asked whether it takes the pod, one pod after another: its place depends on the pods
     * around it, its host ports, or its volumes (bound ones reachable from some nodes, unbound ones to be given one).
     */
    public boolean placedOneByOne() {
        return watchesNeighbours() || !hostPorts.isEmpty() || !volumes.isEmpty();
    }

    /** True when it has preferences among the nodes it may use: preferred affinity terms or ScheduleAnyway spread. */
    public boolean hasPreferences() {
        return !podAffinity.preferred().isEmpty() || !podAffinity.preferredAnti().isEmpty()
                || spread.stream().anyMatch(s -> !s.hard());
    }

    /**
     * What decides where the pod may go beyond its resources and node selection: two pods alike in this fit the
     * same nodes. Claims made from one template count alike; a pod whose place depends on other pods is alike
     * only to pods of its namespace and labels.
     */
    public List<Object> shape() {
        List<Object> out = new ArrayList<>();
        out.add(claims.stream().map(c -> c.template() != null ? "template:" + c.template() : "claim:" + c.claim()).toList());
        out.add(schedulingGates);
        out.add(hostPorts);
        if (!volumes.isEmpty()) {
            out.add(volumes.shape());
        }
        if (watchesNeighbours()) {
            out.add(podAffinity);
            out.add(spread);
            out.add(labels);
        }
        return out;
    }
}
