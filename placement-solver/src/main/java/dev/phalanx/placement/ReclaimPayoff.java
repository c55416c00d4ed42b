package dev.phalanx.placement;

import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Snapshot;

/**
 * When reclaim pays. Evicting for a waiting gang gains it the time until its room would have freed by itself,
 * at its size; it costs the victims the work they did since they started or last saved a checkpoint, at theirs.
 * Reclaim goes ahead only when the gain exceeds {@code gainOverLoss} times the loss; 0 reclaims whenever the
 * rules allow, whatever it costs.
 *
 * <p>Sizes are dominant shares of the cluster (a gang of 8 GPUs on a 512-GPU cluster is 1/64 of it, whatever
 * else it asks for), so gain and loss are in the same unit: share-seconds, GPU-seconds over the cluster's GPUs
 * where GPUs are what is scarce. When the room frees is known from the pods' expected ends (the simulator knows
 * every run time); a pod whose end is unknown (live) is taken to run as long again as it has run so far, at
 * least {@link #MIN_REMAINING_MILLIS}: on the Philly trace, a job that has run between 30 minutes and a day
 * runs, at the median, 1.1 to 2.9 times as long again (1.3x at 30 min, 1.6x at 1 h, 2.9x at 4 h, 1.1x at 1 d),
 * so the estimate errs towards the room freeing early, and towards not evicting.
 *
 * <p>{@code restartCostMillis} charges every evicted pod that much more of its share: what starting again costs it
 * beyond the lost work (being placed again, pulling its image, loading data and its checkpoint). A victim that has
 * just started then still costs something, so reclaim no longer evicts it for a gang whose room frees by itself
 * soon. Where run times are unknown (live) a pod is expected to end no sooner than {@link #MIN_REMAINING_MILLIS}
 * from now and to run as long again as it has, so with a restart cost of that much or more a pod that saves no
 * checkpoints is reclaimed only for a gang larger than its own.
 */
public record ReclaimPayoff(double gainOverLoss, long restartCostMillis) {
    /** Reclaim whenever the rules allow, as before reclaim weighed its cost. */
    public static final ReclaimPayoff ALWAYS = new ReclaimPayoff(0, 0);
    /** What a pod whose end is unknown is expected to run at least, from now. */
    public static final long MIN_REMAINING_MILLIS = 10 * 60_000L;

    public ReclaimPayoff {
        if (!(gainOverLoss >= 0) || Double.isInfinite(gainOverLoss)) {
            throw new IllegalArgumentException("reclaim's gain over loss must be 0 or more, got " + gainOverLoss);
        }
        if (restartCostMillis < 0) {
            throw new IllegalArgumentException("reclaim's restart cost must be 0 or more, got " + restartCostMillis + " ms");
        }
    }

    public boolean weighs() {
        return gainOverLoss > 0;
    }

    /** The pod's expected end: known, else as long again as it has run (at least {@link #MIN_REMAINING_MILLIS}). */
    static long expectedEnd(PodInfo p, Snapshot snapshot) {
        Long known = snapshot.planning().expectedEnds().get(p.key());
        if (known != null) {
            return known;
        }
        if (snapshot.planning().terminating().contains(p.key())) {
            return snapshot.now();
        }
        long started = snapshot.planning().startedAt().getOrDefault(p.key(), p.createdAt());
        return snapshot.now() + Math.max(MIN_REMAINING_MILLIS, snapshot.now() - started);
    }

    /** The largest fraction of the cluster's capacity of any resource that {@code r} asks for. */
    static double dominantShare(Resources r, Resources capacity) {
        double share = 0;
        for (String name : r.names()) {
            long cap = capacity.milli(name);
            if (cap > 0) {
                share = Math.max(share, (double) r.milli(name) / cap);
            }
        }
        return share;
    }
}
