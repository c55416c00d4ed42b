package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Sorted;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Fair share per queue and resource, in units (GPUs, cores, bytes), as the fair-share step computed it.
 *
 * <p>With usage history kept ({@code halfLifeMillis} above 0) the surplus beyond quotas was divided with
 * effective weights that follow each queue's recent use; then, per queue and resource, {@code byWeightsAlone}
 * is the share the configured weights alone would give, {@code decayedUsage} the queue's decayed usage at the
 * cycle (units) and {@code effectiveWeight} the over-quota weight the surplus was divided with. Without
 * history the three are empty.
 */
public record FairShares(Map<String, Map<String, Double>> byQueue, Map<String, Map<String, Double>> byWeightsAlone,
                         Map<String, Map<String, Double>> decayedUsage, Map<String, Map<String, Double>> effectiveWeight,
                         long halfLifeMillis) {
    public static final FairShares NONE = new FairShares(Map.of());

    public FairShares {
        byQueue = sorted(byQueue);
        byWeightsAlone = sorted(byWeightsAlone);
        decayedUsage = sorted(decayedUsage);
        effectiveWeight = sorted(effectiveWeight);
    }

    /** Shares with no usage history. */
    public FairShares(Map<String, Map<String, Double>> byQueue) {
        this(byQueue, Map.of(), Map.of(), Map.of(), 0);
    }

    private static Map<String, Map<String, Double>> sorted(Map<String, Map<String, Double>> m) {
        Map<String, Map<String, Double>> copy = new TreeMap<>();
        m.forEach((q, r) -> copy.put(q, Sorted.map(r)));
        return Collections.unmodifiableMap(copy);
    }

    public double of(String queue, String resource) {
        return byQueue.getOrDefault(queue, Map.of()).getOrDefault(resource, 0.0);
    }

    /** True when the shares follow the queues' usage history. */
    public boolean keepsHistory() {
        return halfLifeMillis > 0;
    }

    /** The share the configured weights alone give: {@link #of} when no history is kept. */
    public double byWeightsAlone(String queue, String resource) {
        Map<String, Double> m = byWeightsAlone.get(queue);
        return m == null || !m.containsKey(resource) ? of(queue, resource) : m.get(resource);
    }

    /** The queue's decayed usage of {@code resource} (units) at the cycle; 0 when none or no history is kept. */
    public double decayed(String queue, String resource) {
        return decayedUsage.getOrDefault(queue, Map.of()).getOrDefault(resource, 0.0);
    }

    /** The over-quota weight the surplus was divided with, or null when no history is kept. */
    public Double effectiveWeight(String queue, String resource) {
        return effectiveWeight.getOrDefault(queue, Map.of()).get(resource);
    }
}
