package dev.phalanx.placement.solver;

import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.model.PodInfo;

/**
 * Whether one pod may run on each node of a problem at all, whatever is free: asked of
 * {@link CapacityView#infeasibility} once per node and remembered, since the solver asks again on
 * every move. A node without the label of the gang's required topology is ruled out too ("topology").
 */
public final class NodeFeasibility {
    private final PodInfo pod;
    private final String requiredKey;
    private final String[] reasons;
    private final boolean[] asked;

    public NodeFeasibility(PodInfo pod, String requiredKey, int nodes) {
        this.pod = pod;
        this.requiredKey = requiredKey;
        this.reasons = new String[nodes];
        this.asked = new boolean[nodes];
    }

    /** Why the pod may not run on {@code node}, or null when it may. */
    public String reason(NodeSlot node) {
        int k = node.position();
        if (!asked[k]) {
            reasons[k] = requiredKey != null && node.label(requiredKey) == null ? "topology"
                    : CapacityView.infeasibility(pod, node.info());
            asked[k] = true;
        }
        return reasons[k];
    }
}
