package dev.phalanx.core.model;

import java.util.List;
import java.util.Map;

/**
 * What a pod asks beyond resources, node selection and tolerations: its {@code labels} (what other pods'
 * affinity and spread select), the ResourceClaims it uses ({@code claims}), and its scheduling gates
 * ({@code schedulingGates}; a pod with any is not ready to be scheduled).
 */
public record PodConstraints(Map<String, String> labels, List<PodClaim> claims, List<String> schedulingGates) {
    public static final PodConstraints NONE = new PodConstraints(Map.of(), List.of(), List.of());

    public PodConstraints {
        labels = Sorted.map(labels);
        claims = List.copyOf(claims);
        schedulingGates = List.copyOf(schedulingGates);
    }

    /**
     * A claim the pod uses, by its {@code name} in the pod's spec. {@code claim}: the ResourceClaim's name in the
     * pod's namespace, null while the claim of a template has not been created yet; {@code template}: the
     * ResourceClaimTemplate it is made from, null for a claim the pod names itself.
     */
    public record PodClaim(String name, String claim, String template) {
    }

    /**
     * What decides where the pod may go beyond its resources and node selection: two pods alike in this fit the
     * same nodes. Claims made from one template count alike.
     */
    public List<Object> shape() {
        return List.of(claims.stream().map(c -> c.template() != null ? "template:" + c.template() : "claim:" + c.claim())
                .toList(), schedulingGates);
    }
}
