package dev.phalanx.bench.cli;

import dev.phalanx.bench.trace.BenchFiles;
import dev.phalanx.bench.trace.LocalityBench;
import dev.phalanx.bench.trace.LocalityReport;
import dev.phalanx.bench.trace.SegmentBench;
import dev.phalanx.bench.trace.PhillyTrace;
import dev.phalanx.bench.trace.Seeds;
import dev.phalanx.bench.trace.TraceFormatException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code phalanx bench locality}: how often gangs land in the fewest NVLink domains, Phalanx against node-by-node best fit. */
@Command(name = "locality", mixinStandardHelpOptions = true,
        description = {"How often gangs land in the fewest NVLink domains, Phalanx against node-by-node best fit.",
                "Philly job trace gangs replayed in trace time on racks of 18 nodes x 4 GPUs (one nvidia.com/gpu.clique",
                "each, like GB200 NVL72); Phalanx's gang placement prefers one clique, the baseline places pods one by one."})
public final class LocalityBenchCommand implements Callable<Integer> {
    static final String DEFAULT_TRACE = "benchmarks/data/philly/philly.csv";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--trace", paramLabel = "CSV", description = "Job trace (timestamp, duration, num_gpus, cluster). Default: " + DEFAULT_TRACE)
    Path trace;

    @Option(names = "--racks", paramLabel = "N", defaultValue = "8",
            description = "NVLink domains (racks of 72 GPUs) in the cluster (default ${DEFAULT-VALUE}: 576 GPUs, loaded by the trace at its peaks).")
    int racks;

    @Option(names = "--jobs", paramLabel = "N",
            description = "Consecutive jobs replayed per seed (default 5,000; 600 with --segments, whose jobs are larger).")
    Integer jobsOption;

    @Option(names = "--seeds", paramLabel = "LIST", defaultValue = "1..10",
            description = "Seeds; each picks where its window of jobs starts (default ${DEFAULT-VALUE}).")
    String seeds;

    @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text",
            description = "text (default) or json: exactly one JSON object on stdout.")
    OutputFormat output;

    @Option(names = "--segments",
            description = {"Jobs of 64 to 512 GPUs in segments of 64 or 72 GPUs (16 or 18 pods), each segment inside one rack,",
                    "the job preferring one spine: Phalanx against placing segment by segment. Arrivals and durations from",
                    "the trace, sizes a synthetic mix drawn from the seed."})
    boolean segments;

    @Option(names = "--spines", paramLabel = "N", defaultValue = "8",
            description = "With --segments: spines in the cluster (default ${DEFAULT-VALUE}).")
    int spines;

    @Option(names = "--racks-per-spine", paramLabel = "N", defaultValue = "4",
            description = "With --segments: NVL72 racks under each spine (default ${DEFAULT-VALUE}).")
    int racksPerSpine;

    @Option(names = "--threads", paramLabel = "N", description = "Replays run in parallel on N threads (default: the number of cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int jobs = jobsOption != null ? jobsOption : segments ? 600 : 5000;
        if (racks < 1 || jobs < 1) {
            err.println("phalanx bench locality: --racks and --jobs must be at least 1, got " + racks + " and " + jobs);
            return 2;
        }
        int threadCount = threads != null ? Math.max(1, threads) : Runtime.getRuntime().availableProcessors();
        try {
            List<Long> seedList = Seeds.parse(seeds);
            Path traceFile = trace != null ? trace : BenchFiles.shipped(DEFAULT_TRACE);
            List<PhillyTrace.Job> all = PhillyTrace.read(traceFile);
            if (segments) {
                if (spines < 1 || racksPerSpine < 1) {
                    err.println("phalanx bench locality: --spines and --racks-per-spine must be at least 1, got " + spines
                            + " and " + racksPerSpine);
                    return 2;
                }
                SegmentBench.Result r = SegmentBench.run(all, spines, racksPerSpine, jobs, seedList, threadCount);
                out.print(output == OutputFormat.json ? SegmentBench.json(r) + "\n" : String.format(java.util.Locale.ROOT,
                        "%d spines x %d NVL72 racks; %d windows of %,d jobs from %s (%.0f s)%n%n", spines, racksPerSpine,
                        seedList.size(), jobs, traceFile, r.wallSeconds()) + SegmentBench.table(r));
                out.flush();
                return 0;
            }
            LocalityBench.Result result = LocalityBench.run(all, racks, jobs, seedList, threadCount);
            out.print(output == OutputFormat.json ? LocalityReport.json(result, traceFile, all.size()) + "\n"
                    : LocalityReport.text(result, traceFile, all.size(), threadCount));
            out.flush();
            return 0;
        } catch (TraceFormatException | IllegalArgumentException e) {
            err.println("phalanx bench locality: " + e.getMessage());
            return 2;
        }
    }
}
