package dev.phalanx.core.model;

/**
 * What a running pod has saved of its work, as its training job says on it: the last time it wrote a
 * checkpoint ({@code at}, epoch or simulated milliseconds; null when it did not say) and how often it writes one
 * ({@code intervalMillis}, 0 when it did not say). Evicted, it resumes from its last checkpoint, so it loses only
 * what it did since.
 */
public record Checkpoint(Long at, long intervalMillis) {
    public static final Checkpoint NONE = new Checkpoint(null, 0);

    public Checkpoint {
        if (intervalMillis < 0) {
            throw new IllegalArgumentException("a checkpoint interval must not be negative, got " + intervalMillis);
        }
    }

    /**
     * The work a pod that started at {@code startedAt} would lose if evicted at {@code now} (milliseconds): the time
     * since the later of its start, its last checkpoint, and the last whole interval since its start.
     */
    public long workLostMillis(long startedAt, long now) {
        if (now <= startedAt) {
            return 0;
        }
        long since = startedAt;
        if (at != null && at > since && at <= now) {
            since = at;
        }
        if (intervalMillis > 0) {
            since = Math.max(since, startedAt + (now - startedAt) / intervalMillis * intervalMillis);
        }
        return now - since;
    }
}
