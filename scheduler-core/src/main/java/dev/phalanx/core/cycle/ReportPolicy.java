package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Snapshot;

/**
 * Step 6: what a cycle concluded, per gang (phase, the reason it waits, where it runs) and per queue, from
 * the cycle's decisions and the cluster after its commit. Live and simulated scheduling report through the
 * same policy, so both show the same phases and reasons. It may remember earlier cycles (a phase follows
 * the one before).
 */
public interface ReportPolicy {
    CycleReport report(CycleResult result, Snapshot after);
}
