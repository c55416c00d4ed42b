package dev.phalanx.bench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.phalanx.core.cycle.CyclePolicies;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.kube.Durations;
import dev.phalanx.placement.BestFitPlacement;
import dev.phalanx.queue.FairShareCalculator;
import dev.phalanx.queue.GangAdmission;
import dev.phalanx.scheduler.Policies;
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

/** {@code phalanx bench fairness}: queue fairness and waits on the Philly trace, Phalanx against FIFO. */
@Command(name = "fairness", mixinStandardHelpOptions = true,
        description = {"Replay a window of the Philly job trace, one queue per virtual cluster, through Phalanx",
                "(fair ordering across queues, reservations and backfill) and a FIFO baseline (one first-come",
                "first-served line, no reservations) in the same run; both place gangs best-fit."})
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

    @Option(names = {"-o", "--output"}, defaultValue = "text", description = "text or json")
    String output;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path csv = trace != null ? trace : BenchFiles.shipped("benchmarks/data/philly/philly.csv");
        long from = LocalDate.parse(start).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        long window = days * 24 * FairnessBench.HOUR;
        FairnessBench bench = new FairnessBench(PhillyTrace.read(csv), from, window, nodes);
        long until = window + Durations.parseMillis(drain);
        List<FairnessBench.PolicyResult> results = List.of(
                bench.run("phalanx", Policies.defaultCycle(), until),
                bench.run("no-evict", Policies.withoutPreemption(), until),
                bench.run("fifo", new SchedulingCycle(CyclePolicies.of(new FairShareCalculator(), new GangAdmission(false),
                        new BestFitPlacement()).withReservations(false)), until));
        if (output.equals("json")) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("setup", bench.setup());
            root.put("policies", results);
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root));
        } else {
            out.print(text(bench, results));
        }
        out.flush();
        return 0;
    }

    static String text(FairnessBench bench, List<FairnessBench.PolicyResult> results) {
        StringBuilder sb = new StringBuilder("Queue fairness on the Philly trace: ").append(Describe.of(bench.setup())).append("\n\n");
        sb.append(String.format(Locale.ROOT, "  %-8s %12s %12s %12s %12s %10s %8s %10s%n", "policy", "GPU alloc", "Jain index",
                "mean wait", "p95 wait", "started", "waiting", "evictions"));
        for (FairnessBench.PolicyResult r : results) {
            sb.append(String.format(Locale.ROOT, "  %-8s %11.1f%% %12.3f %12s %12s %10d %8d %10d%n", r.name(), 100 * r.gpuAllocationRatio(),
                    r.jainIndex(), TextDur.of(r.meanWaitSeconds()), TextDur.of(r.p95WaitSeconds()), r.jobsStarted(), r.jobsWaiting(),
                    r.evictions()));
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
        sb.append("\n  Jain index: of allocated / fair share across queues with a fair share, averaged over time (1 = fair).\n");
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
