package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Sorted;
import java.util.Map;
import java.util.TreeMap;

/** Fair share per queue and resource, in units (GPUs, cores, bytes), as the fair-share step computed it. */
public record FairShares(Map<String, Map<String, Double>> byQueue) {
    public static final FairShares NONE = new FairShares(Map.of());

    public FairShares {
        Map<String, Map<String, Double>> copy = new TreeMap<>();
        byQueue.forEach((q, m) -> copy.put(q, Sorted.map(m)));
        byQueue = java.util.Collections.unmodifiableMap(copy);
    }

    public double of(String queue, String resource) {
        return byQueue.getOrDefault(queue, Map.of()).getOrDefault(resource, 0.0);
    }
}
