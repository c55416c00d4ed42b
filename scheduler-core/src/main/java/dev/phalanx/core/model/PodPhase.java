package dev.phalanx.core.model;

/** Where a pod is in its life, as the scheduler cares about it. */
public enum PodPhase {
    /** Not bound to a node yet. */
    PENDING,
    /** Bound (spec.nodeName set) and holding its resources. */
    BOUND,
    /** Finished; holds nothing. */
    SUCCEEDED,
    FAILED;

    public boolean holdsResources() {
        return this == BOUND;
    }
}
