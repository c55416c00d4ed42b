package dev.phalanx.placement.solver;

import ai.timefold.solver.core.api.domain.common.PlanningId;
import ai.timefold.solver.core.api.domain.entity.PlanningEntity;
import ai.timefold.solver.core.api.domain.variable.PlanningVariable;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodInfo;

/**
 * The planning entity: one pod of a gang to place and the node it gets, or none (unassigned). Whether
 * a gang is placed whole or not at all is the constraints' concern, not the entity's.
 */
@PlanningEntity
public final class PodAssignment {
    @PlanningId
    private String id;
    private PodInfo pod;
    private GangFact gang;
    private NodeFeasibility feasibility;
    private String previousNode;
    @PlanningVariable(allowsUnassigned = true)
    private NodeSlot node;

    /** For the solver's planning clones. */
    PodAssignment() {
    }

    /**
     * @param previousNode the node the pod had before (a reservation, an earlier decision), kept when it
     *                     costs nothing more; null when there is none
     */
    public PodAssignment(PodInfo pod, GangFact gang, NodeFeasibility feasibility, String previousNode, NodeSlot node) {
        this.id = pod.key();
        this.pod = pod;
        this.gang = gang;
        this.feasibility = feasibility;
        this.previousNode = previousNode;
        this.node = node;
    }

    public String getId() {
        return id;
    }

    public PodInfo pod() {
        return pod;
    }

    public GangFact gang() {
        return gang;
    }

    public NodeSlot getNode() {
        return node;
    }

    public void setNode(NodeSlot node) {
        this.node = node;
    }

    public boolean assigned() {
        return node != null;
    }

    public long gpuMilli() {
        return pod.requests().milli(Keys.GPU);
    }

    /** Why the pod may not run on its node at all, or null when it may (or has no node). */
    public String infeasibility() {
        return node == null ? null : feasibility.reason(node);
    }

    /** The domain of the gang's required topology the pod is in; a node without the label is a domain of its own. */
    public String requiredDomain() {
        return domain(gang.topologyRequired());
    }

    /** As {@link #requiredDomain}, for the preferred topology. */
    public String preferredDomain() {
        return domain(gang.topologyPreferred());
    }

    private String domain(String key) {
        String value = node.label(key);
        return value != null ? value : "node " + node.name() + " without " + key;
    }

    public String previousNode() {
        return previousNode;
    }

    /** True when the pod had another node before and is not on it now. */
    public boolean movedFromPreviousNode() {
        return previousNode != null && node != null && !previousNode.equals(node.name());
    }

    @Override
    public String toString() {
        return id + "->" + (node == null ? "unassigned" : node.name());
    }
}
