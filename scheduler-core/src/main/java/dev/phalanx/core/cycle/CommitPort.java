package dev.phalanx.core.cycle;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Port out, steps 5 and 6: what a cycle decided, written to the cluster. Implemented by the Kubernetes
 * committer (Eviction API, {@code pods/binding}, status and Events) and by the simulator's in-memory
 * cluster. {@link CycleRunner} calls it in order: evictions, then bindings, then the report.
 */
public interface CommitPort {
    /** Evicts, before any binding of the cycle; returns once the evictions are written (or refused). */
    void evict(List<Eviction> evictions);

    /**
     * Binds one placed gang. Its pods count as bound for every later snapshot from the moment this returns
     * (they are "assumed"), so no later cycle offers their room again; the future completes once the
     * bindings are written, with those that failed for good (their pods are pending again).
     */
    CompletableFuture<List<Binding>> bind(GangDecision gang);

    /** Step 6: what the cycle concluded about every gang and queue, for status, Events and metrics. */
    void report(CycleReport report);
}
