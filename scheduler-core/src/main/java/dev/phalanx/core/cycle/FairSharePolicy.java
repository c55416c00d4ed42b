package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Snapshot;

/** Step 1: fair share per queue and resource. Pure. */
public interface FairSharePolicy {
    FairShares compute(Snapshot snapshot);
}
