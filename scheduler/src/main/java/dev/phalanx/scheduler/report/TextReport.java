package dev.phalanx.scheduler.report;

import dev.phalanx.core.kube.Durations;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.Problem;
import dev.phalanx.core.sim.SimulationResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The readable report {@code phalanx simulate} prints by default. */
public final class TextReport {
    private static final int MAX_WAITING_SHOWN = 20;

    private TextReport() {
    }

    public static String render(SimulationResult r, String source) {
        StringBuilder sb = new StringBuilder();
        SimulationResult.Summary s = r.summary();
        sb.append("Phalanx simulation of ").append(source).append('\n');
        sb.append(String.format(Locale.ROOT, "  simulated %s (%.0f s) in %d cycles%n",
                Durations.format((long) (s.simulatedSeconds() * 1000)), s.simulatedSeconds(), s.cycles()));
        sb.append(String.format(Locale.ROOT, "  %s: %.0f in the cluster, %.1f%% allocated on average%n",
                Keys.GPU, s.totalGpus(), 100 * s.gpuAllocationRatio()));
        sb.append(String.format(Locale.ROOT, "  pods bound: %d of %d · pod groups scheduled: %d, pending: %d · evictions: %d%n%n",
                s.podsBound(), r.pods().size(), s.podGroupsScheduled(), s.podGroupsPending(), s.evictions()));

        sb.append(String.format(Locale.ROOT, "  %-16s %10s %10s %7s %9s %10s %10s%n", "queue", "GPU share", "GPU alloc",
                "gangs", "started", "mean wait", "p95 wait"));
        for (QueueStats q : QueueStats.of(r)) {
            SimulationResult.QueueRecord rec = r.queues().stream().filter(x -> x.name().equals(q.queue())).findFirst().orElseThrow();
            sb.append(String.format(Locale.ROOT, "  %-16s %10s %10s %7d %9d %10s %10s%n", q.queue(),
                    num(rec.fairShare().getOrDefault(Keys.GPU, 0.0)), num(rec.allocated().getOrDefault(Keys.GPU, 0.0)),
                    q.gangs(), q.scheduled(), dur(q.meanWaitSeconds()), dur(q.p95WaitSeconds())));
        }
        sb.append("  (GPU share and alloc: at the end of the run; a gang still waiting counts its wait until then)\n");

        List<SimulationResult.PodGroupRecord> waiting = r.podGroups().stream().filter(g -> g.reason() != null).toList();
        if (!waiting.isEmpty()) {
            sb.append("\nWaiting pod groups (").append(waiting.size()).append("):\n");
            waiting.stream().limit(MAX_WAITING_SHOWN).forEach(g -> sb.append("  ").append(g.namespace()).append('/')
                    .append(g.name()).append(" [queue ").append(g.queue()).append("] ").append(g.reason()).append('\n'));
            if (waiting.size() > MAX_WAITING_SHOWN) {
                sb.append("  ... and ").append(waiting.size() - MAX_WAITING_SHOWN).append(" more (see --output json)\n");
            }
        }
        Map<String, List<SimulationResult.PodRecord>> single = new TreeMap<>();
        for (SimulationResult.PodRecord p : r.pods()) {
            if (p.podGroup() == null && p.reason() != null) {
                single.computeIfAbsent(p.reason().substring(0, p.reason().indexOf(':')), k -> new ArrayList<>()).add(p);
            }
        }
        if (!single.isEmpty()) {
            sb.append("\nWaiting pods without a pod group (").append(single.values().stream().mapToInt(List::size).sum())
                    .append("), by reason:\n");
            single.forEach((code, pods) -> {
                SimulationResult.PodRecord first = pods.get(0);
                double longest = pods.stream().mapToDouble(SimulationResult.PodRecord::waitSeconds).max().orElse(0);
                sb.append(String.format(Locale.ROOT, "  %s: %d pods, waiting up to %s, e.g. %s/%s: %s%n", code, pods.size(),
                        dur(longest), first.namespace(), first.name(), first.reason()));
            });
        }
        if (!r.problems().isEmpty()) {
            sb.append("\nObjects that cannot be honoured as written (").append(r.problems().size()).append("):\n");
            for (Problem p : r.problems()) {
                sb.append("  ").append(p.describe()).append('\n');
            }
        }
        return sb.toString();
    }

    static String num(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }

    static String dur(double seconds) {
        return seconds == 0 ? "0s" : Durations.format(Math.round(seconds * 1000));
    }
}
