package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Sorted;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Snapshot;

import java.util.List;
import java.util.Map;

/**
 * Step 2: which gangs may start, in which order. {@link #order} ranks the gangs that are ready and
 * gives every other gang a reason to wait; {@link #check} applies a queue's limits to one gang given
 * what this cycle has already committed.
 */
public interface AdmissionPolicy {
    Ranking order(Snapshot snapshot, FairShares fairShares, QueueUsage usage);

    /** Null when the gang's request fits its queue now, else the decision to wait. */
    GangDecision check(Gang gang, QueueUsage usage);

    record Ranking(List<Gang> ready, Map<String, GangDecision> notReady) {
        public Ranking {
            ready = List.copyOf(ready);
            notReady = Sorted.map(notReady);
        }
    }
}
