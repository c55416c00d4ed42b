package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Snapshot;

/**
 * Port in: the cluster a cycle decides on. Implemented by the informer cache (live) and by the in-memory
 * cluster of the simulator. The snapshot holds what the cluster knows beyond its objects in its
 * {@code planning} (when bound pods started, which are being deleted, expected run times); the room held
 * by the last cycle is added by {@link CycleRunner}.
 */
public interface ClusterSource {
    /** The cluster as it is at {@code now}, with every binding committed so far already counted. */
    Snapshot snapshot(long now);
}
