package dev.phalanx.bench.fragmentation;

import java.util.List;

/**
 * Picks the node for one pod, one pod at a time: filter (the pod must {@link GpuNodeState#fits fit}), score,
 * choose. Implementations read the nodes and never change them; the caller assigns the pod to the node
 * chosen. A policy may keep caches keyed by {@link GpuNodeState#version()}, so one instance serves one
 * cluster for one replay.
 */
public interface NodeScoringPolicy {
    /** The node, and for a shared pod the device, for {@code pod}; {@link NodeChoice#NONE} when it fits nowhere. */
    NodeChoice choose(GpuDemand pod, List<GpuNodeState> nodes);

    /** A node index into the list given to {@link #choose}, and the device a shared pod goes on (else -1). */
    record NodeChoice(int node, int device) {
        public static final NodeChoice NONE = new NodeChoice(-1, -1);

        public boolean found() {
            return node >= 0;
        }
    }
}
