package dev.phalanx.placement.fragmentation;

import dev.phalanx.core.model.PodInfo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The workload a placement plans room for, learned from what it sees: the shapes of this scheduler's pods in
 * the snapshot, those running and those waiting, each weighed by how many pods have it. Nothing is given from
 * outside; a cluster whose work changes is measured against the work it has now.
 */
public final class Workload {
    /** One shape and its share of the pods (the shares sum to 1). */
    public record Share(PodShape shape, double weight) {
    }

    private final List<Share> shares;
    private final int pods;

    private Workload(List<Share> shares, int pods) {
        this.shares = List.copyOf(shares);
        this.pods = pods;
    }

    /** The shapes of {@code pods} that are scheduled by {@code schedulerName} and run or wait. */
    public static Workload learn(List<PodInfo> pods, String schedulerName) {
        Map<PodShape, Integer> counts = new HashMap<>();
        int n = 0;
        for (PodInfo p : pods) {
            if (schedulerName.equals(p.schedulerName()) && (p.isPending() || p.phase().holdsResources())) {
                counts.merge(PodShape.of(p), 1, Integer::sum);
                n++;
            }
        }
        return of(counts, n);
    }

    /** A workload of the given shape counts. */
    public static Workload of(Map<PodShape, Integer> counts) {
        return of(counts, counts.values().stream().mapToInt(Integer::intValue).sum());
    }

    private static Workload of(Map<PodShape, Integer> counts, int n) {
        List<Share> shares = new ArrayList<>();
        counts.forEach((shape, c) -> shares.add(new Share(shape, c / (double) n)));
        // a fixed order, so sums come out the same whatever order the pods came in (invariant 5)
        shares.sort(Comparator.comparingDouble(Share::weight).reversed()
                .thenComparingInt(s -> s.shape().gpus()).thenComparingInt(s -> s.shape().gpuMilliPerDevice())
                .thenComparingLong(s -> s.shape().cpuMilli()).thenComparing(s -> String.join("|", s.shape().models().stream().sorted().toList())));
        return new Workload(shares, n);
    }

    public List<Share> shares() {
        return shares;
    }

    /** How many pods it was learned from. */
    public int pods() {
        return pods;
    }

    public boolean isEmpty() {
        return shares.isEmpty();
    }
}
