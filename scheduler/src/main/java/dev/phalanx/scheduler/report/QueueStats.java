package dev.phalanx.scheduler.report;

import dev.phalanx.core.sim.SimulationResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Per-queue figures for reports: gangs (PodGroups and lone pods), scheduled, wait times. */
public record QueueStats(String queue, int gangs, int scheduled, double meanWaitSeconds, double p95WaitSeconds,
                         double maxWaitSeconds) {

    /**
     * Wait of every gang, by queue: PodGroups and pods without one alike; a gang still waiting at the end
     * counts what it waited until then, so a queue whose gangs never start does not look as if it never waited.
     */
    public static Map<String, List<Double>> waitsByQueue(SimulationResult r) {
        Map<String, List<Double>> waits = new TreeMap<>();
        for (SimulationResult.PodGroupRecord g : r.podGroups()) {
            if (g.queue() != null && g.waitSeconds() != null) {
                waits.computeIfAbsent(g.queue(), k -> new ArrayList<>()).add(g.waitSeconds());
            }
        }
        for (SimulationResult.PodRecord p : r.pods()) {
            if (p.podGroup() == null && p.queue() != null && p.waitSeconds() != null) {
                waits.computeIfAbsent(p.queue(), k -> new ArrayList<>()).add(p.waitSeconds());
            }
        }
        return waits;
    }

    public static List<QueueStats> of(SimulationResult r) {
        Map<String, int[]> counts = new TreeMap<>();
        for (SimulationResult.QueueRecord q : r.queues()) {
            counts.put(q.name(), new int[2]);
        }
        for (SimulationResult.PodGroupRecord g : r.podGroups()) {
            if (g.queue() != null && counts.containsKey(g.queue())) {
                counts.get(g.queue())[0]++;
                if (g.scheduledAt() != null) {
                    counts.get(g.queue())[1]++;
                }
            }
        }
        for (SimulationResult.PodRecord p : r.pods()) {
            if (p.podGroup() == null && p.queue() != null && counts.containsKey(p.queue())) {
                counts.get(p.queue())[0]++;
                if (p.boundAt() != null) {
                    counts.get(p.queue())[1]++;
                }
            }
        }
        Map<String, List<Double>> waits = waitsByQueue(r);
        List<QueueStats> out = new ArrayList<>();
        counts.forEach((q, c) -> {
            List<Double> w = new ArrayList<>(waits.getOrDefault(q, List.of()));
            w.sort(Double::compare);
            double mean = w.stream().mapToDouble(Double::doubleValue).average().orElse(0);
            out.add(new QueueStats(q, c[0], c[1], mean, percentile(w, 0.95), w.isEmpty() ? 0 : w.get(w.size() - 1)));
        });
        return out;
    }

    /** Nearest-rank percentile of sorted values; 0 for none. */
    public static double percentile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int rank = (int) Math.ceil(p * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }
}
