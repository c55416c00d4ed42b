package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Snapshot;

/** Port: where a cycle's snapshot comes from (informer cache live, in-memory cluster in simulation). */
public interface ClusterSource {
    Snapshot snapshot();
}
