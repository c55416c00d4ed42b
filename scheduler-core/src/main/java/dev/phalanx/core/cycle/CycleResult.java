package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Sorted;
import java.util.List;
import java.util.Map;

/**
 * The decisions of one cycle, in the order they were taken, and the fair shares they were taken
 * under, the room held for a waiting gang (gang key to nodes), and the pods to evict to make room
 * for it (committed before any binding); {@code nominated}: the reservations made by those evictions, and
 * {@code nominatedNodes} the node held for each of their members (pod key to node), which the pod's
 * {@code status.nominatedNodeName} shows, as kube-scheduler shows where a preemptor will go.
 * Same snapshot, config and seed, same result (invariant 5).
 */
public record CycleResult(long at, FairShares fairShares, List<GangDecision> decisions,
                          Map<String, Map<String, Double>> allocatedAfter, Map<String, List<String>> reservations,
                          List<Eviction> evictions, java.util.Set<String> nominated, Map<String, String> nominatedNodes) {
    public CycleResult {
        decisions = List.copyOf(decisions);
        evictions = List.copyOf(evictions);
        nominated = Sorted.set(nominated);
        allocatedAfter = Sorted.map(allocatedAfter);
        reservations = Sorted.map(reservations);
        nominatedNodes = nominatedNodes == null ? Map.of() : Sorted.map(nominatedNodes);
    }

    public CycleResult(long at, FairShares fairShares, List<GangDecision> decisions,
                       Map<String, Map<String, Double>> allocatedAfter, Map<String, List<String>> reservations,
                       List<Eviction> evictions, java.util.Set<String> nominated) {
        this(at, fairShares, decisions, allocatedAfter, reservations, evictions, nominated, Map.of());
    }

    public List<GangDecision> placed() {
        return decisions.stream().filter(d -> d.outcome() == GangDecision.Outcome.PLACED).toList();
    }
}
