package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Snapshot;

import java.util.List;

/**
 * Step 4: for a gang that found no room, the whole gangs (or elastic members) to evict so that it can
 * start, and where it will start once they are gone. A pure function of its arguments; it leaves
 * {@code capacity} as it was.
 */
public interface PreemptionPolicy {
    /** No preemption: a gang that finds no room waits. */
    PreemptionPolicy NONE = (gang, mustPlace, capacity, snapshot, shares, usage) -> null;

    /**
     * The room for {@code gang}, or null when evicting what the rules allow would not make it fit.
     * {@code evictions} may be empty: the room frees up once pods already terminating are gone. A
     * {@linkplain Preemption#declined declined} one evicts nothing: the rules would allow it, but it would not pay.
     */
    Preemption find(Gang gang, List<PodInfo> mustPlace, CapacityView capacity, Snapshot snapshot, FairShares shares,
                    QueueUsage usage);

    /** {@code declined}: evictions the rules allow were weighed and not made, {@code summary} says why. */
    record Preemption(List<Eviction> evictions, List<Binding> placement, String summary, boolean declined) {
        public Preemption {
            evictions = List.copyOf(evictions);
            placement = List.copyOf(placement);
        }

        public Preemption(List<Eviction> evictions, List<Binding> placement, String summary) {
            this(evictions, placement, summary, false);
        }

        /** Nothing is evicted, for the reason {@code why}; the gang waits for room as if none could be made. */
        public static Preemption declined(String why) {
            return new Preemption(List.of(), List.of(), why, true);
        }
    }
}
