package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Sorted;
import java.util.List;
import java.util.Map;

/**
 * The decisions of one cycle, in the order they were taken, and the fair shares they were taken
 * under, the room held for a waiting gang (gang key to nodes), and the pods to evict to make room
 * for it (committed before any binding); {@code nominated}: the reservations made by those evictions.
 * Same snapshot, config and seed, same result (invariant 5).
 */
public record CycleResult(long at, FairShares fairShares, List<GangDecision> decisions,
                          Map<String, Map<String, Double>> allocatedAfter, Map<String, List<String>> reservations,
                          List<Eviction> evictions, java.util.Set<String> nominated) {
    public CycleResult {
        decisions = List.copyOf(decisions);
        evictions = List.copyOf(evictions);
        nominated = Sorted.set(nominated);
        allocatedAfter = Sorted.map(allocatedAfter);
        reservations = Sorted.map(reservations);
    }

    public List<GangDecision> placed() {
        return decisions.stream().filter(d -> d.outcome() == GangDecision.Outcome.PLACED).toList();
    }
}
