package dev.phalanx.core.model;

/** Where a pod is in its life, as the scheduler cares about it. */
public enum PodPhase {
    /** Not bound to a node yet. */
    PENDING,
    /** Bound (spec.nodeName set) and holding its resources; its kubelet has not reported it Running. */
    BOUND,
    /** Bound, and its kubelet reports it Running (in simulation: at once when bound). */
    RUNNING,
    /** Finished; holds nothing. */
    SUCCEEDED,
    FAILED;

    public boolean holdsResources() {
        return this == BOUND || this == RUNNING;
    }

    public boolean finished() {
        return this == SUCCEEDED || this == FAILED;
    }
}
