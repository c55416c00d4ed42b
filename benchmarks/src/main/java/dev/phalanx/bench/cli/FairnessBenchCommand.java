package dev.phalanx.bench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.kube.Durations;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.bench.trace.BenchFiles;
import dev.phalanx.bench.trace.FairnessBench;
import dev.phalanx.bench.trace.PhillyTrace;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code phalanx bench fairness}: queue fairness, waits and the work evictions throw away on the Philly trace:
 * Phalanx as configured by default, Phalanx without usage history, Phalanx without evictions, and FIFO.
 */
@Command(name = "fairness", mixinStandardHelpOptions = true,
        description = {"Replay a window of the Philly job trace, one queue per virtual cluster, through Phalanx",
                "(fair ordering across queues with usage history, reservations and backfill, reclaim when it pays),",
                "Phalanx without usage history (phalanx-no-decay), Phalanx without preemption or reclaim and without",
                "usage history (no-evict), and a FIFO baseline (one first-come first-served line, no reservations),",
                "in the same run."})
public final class FairnessBenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--trace", paramLabel = "CSV", description = "Philly jobs CSV (default: benchmarks/data/philly/philly.csv)")
    Path trace;

    @Option(names = "--start", defaultValue = "2017-10-23", description = "first day of the window (UTC; default ${DEFAULT-VALUE})")
    String start;

    @Option(names = "--days", defaultValue = "7", description = "days of submissions to replay (default ${DEFAULT-VALUE})")
    int days;

    @Option(names = "--nodes", defaultValue = "64", description = "8-GPU nodes in the cluster (default ${DEFAULT-VALUE})")
    int nodes;

    @Option(names = "--drain", defaultValue = "2d", description = "simulated time after the window for queues to drain (default ${DEFAULT-VALUE})")
    String drain;

    @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text", description = "text (default) or json")
    OutputFormat output;

    @Option(names = "--policies", split = ",", defaultValue = "phalanx,phalanx-no-decay,no-evict,fifo",
            description = "policies to run, of phalanx, phalanx-no-decay, no-evict, fifo (default ${DEFAULT-VALUE})")
    List<String> policies;

    @Option(names = "--half-life", description = "phalanx's usage half-life (0: none; default: the scheduler's default, "
            + PhalanxConfig.Fairness.DEFAULT_HALF_LIFE + ")")
    String halfLife;

    @Option(names = "--history-strength", description = "phalanx's usage history strength (default: the scheduler's default)")
    Double historyStrength;

    @Option(names = "--gain-over-loss", description = "phalanx's reclaim gain over loss (0: reclaim whatever it costs; "
            + "default: the scheduler's default)")
    Double gainOverLoss;

    @Option(names = "--restart-cost", description = "phalanx's reclaim restart cost per evicted pod (e.g. 30m; 0: lost work "
            + "alone; default: the scheduler's default, " + PhalanxConfig.Reclaim.DEFAULT_RESTART_COST + ")")
    String restartCost;

    @Option(names = "--run-times", defaultValue = "known", description = "known: the scheduler is told how long jobs run, "
            + "as a simulation can; hidden: only when they started, as live (default ${DEFAULT-VALUE})")
    String runTimes;

    @Option(names = "--checkpoint-interval", description = "every job writes a checkpoint this often (e.g. 1h); "
            + "default: none does, as the trace does not say")
    String checkpointInterval;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path csv = trace != null ? trace : BenchFiles.shipped("benchmarks/data/philly/philly.csv");
        long from = LocalDate.parse(start).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        long window = days * 24 * FairnessBench.HOUR;
        if (!runTimes.equals("known") && !runTimes.equals("hidden")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--run-times: known or hidden, got " + runTimes);
        }
        FairnessBench bench = new FairnessBench(PhillyTrace.read(csv), from, window, nodes).checkpointEvery(checkpointInterval)
                .runTimesKnown(runTimes.equals("known"));
        long until = window + Durations.parseMillis(drain);
        PhalanxConfig config = PhalanxConfig.defaults().withFairness(new PhalanxConfig.Fairness(halfLife, historyStrength))
                .withReclaim(new PhalanxConfig.Reclaim(gainOverLoss, restartCost));
        List<FairnessBench.PolicyResult> results = new java.util.ArrayList<>();
        for (String policy : policies) {
            SchedulingCycle cycle;
            try {
                cycle = FairnessBench.cycle(policy, config);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--policies: " + e.getMessage());
            }
            results.add(bench.run(policy, cycle, until));
        }
        if (output == OutputFormat.json) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("setup", bench.setup());
            root.put("phalanx", Map.of("usageHalfLife", config.fairness().usageHalfLife(), "historyStrength",
                    config.fairness().historyStrength(), "gainOverLoss", config.reclaim().gainOverLoss(),
                    "restartCost", config.reclaim().restartCost(),
                    "checkpointInterval", checkpointInterval == null ? "none" : checkpointInterval, "runTimes", runTimes));
            root.put("policies", results);
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root));
        } else {
            out.print(text(bench, results));
            out.printf(Locale.ROOT, "  phalanx: usage half-life %s, history strength %s, reclaim gain over loss %s, restart cost %s; "
                            + "checkpoints: %s; run times %s%n", config.fairness().usageHalfLife(), config.fairness().historyStrength(),
                    config.reclaim().gainOverLoss(), config.reclaim().restartCost(), checkpointInterval == null ? "none (the trace does not say)"
                            : "every " + checkpointInterval, runTimes.equals("known") ? "known to the scheduler"
                            : "hidden from the scheduler, as live");
        }
        out.flush();
        return 0;
    }

    static String text(FairnessBench bench, List<FairnessBench.PolicyResult> results) {
        StringBuilder sb = new StringBuilder("Queue fairness on the Philly trace: ").append(Describe.of(bench.setup())).append("\n\n");
        sb.append(String.format(Locale.ROOT, "  %-16s %10s %8s %8s %8s %11s %11s %8s %8s %10s %15s%n", "policy", "GPU alloc", "Jain",
                "Jain(w)", "Jain(Σ)", "mean wait", "p95 wait", "started", "waiting", "evictions", "GPU-h lost"));
        for (FairnessBench.PolicyResult r : results) {
            sb.append(String.format(Locale.ROOT, "  %-16s %9.1f%% %8.3f %8.3f %8.3f %11s %11s %8d %8d %10d %8.0f (%.1f%%)%n", r.name(),
                    100 * r.gpuAllocationRatio(), r.jainIndex(), r.jainByWeights(), r.jainOfTotals(), TextDur.of(r.meanWaitSeconds()),
                    TextDur.of(r.p95WaitSeconds()), r.jobsStarted(), r.jobsWaiting(), r.evictions(), r.gpuHoursLost(),
                    r.gpuHoursUsed() == 0 ? 0 : 100 * r.gpuHoursLost() / r.gpuHoursUsed()));
        }
        sb.append("\n  per queue (quota in GPUs): mean / p95 wait\n");
        sb.append(String.format(Locale.ROOT, "  %-12s %6s %6s", "queue", "jobs", "quota"));
        results.forEach(r -> sb.append(String.format(Locale.ROOT, " %24s", r.name())));
        sb.append('\n');
        for (int i = 0; i < results.get(0).queues().size(); i++) {
            FairnessBench.QueueWait q0 = results.get(0).queues().get(i);
            sb.append(String.format(Locale.ROOT, "  %-12s %6d %6.0f", q0.queue(), q0.jobs(), q0.quotaGpus()));
            for (FairnessBench.PolicyResult r : results) {
                FairnessBench.QueueWait q = r.queues().get(i);
                sb.append(String.format(Locale.ROOT, " %24s", TextDur.of(q.meanWaitSeconds()) + " / " + TextDur.of(q.p95WaitSeconds())));
            }
            sb.append('\n');
        }
        sb.append("\n  Jain: of allocated / fair share across queues with a fair share, averaged over time (1 = fair); Jain(w): the same\n"
                + "  against the share the configured weights alone give; Jain(Σ): of each queue's GPU-hours over the run against the\n"
                + "  GPU-hours of that share. GPU-h lost: GPU-hours evictions threw away (work since the victim started or last saved a\n"
                + "  checkpoint), and their part of the GPU-hours used.\n");
        return sb.toString();
    }

    /** Seconds as a compact duration. */
    static final class TextDur {
        static String of(double seconds) {
            return seconds < 1 ? "0s" : Durations.format(Math.round(seconds * 1000));
        }
    }

    static final class Describe {
        static String of(FairnessBench.Setup s) {
            return String.format(Locale.ROOT, "%d jobs submitted over %s from %s, on %d nodes x 8 GPUs (%d GPUs), %d queues",
                    s.jobs(), Durations.format(s.windowMillis()), LocalDate.ofEpochDay(s.windowStart() / 86_400_000L),
                    s.nodes(), s.nodes() * 8, s.quotas().size());
        }
    }
}
