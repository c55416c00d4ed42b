package dev.phalanx.bench.report;

import dev.phalanx.bench.ApiServerThroughput;
import dev.phalanx.bench.HeapFootprint;
import dev.phalanx.bench.SchedulingCycleBenchmark;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.bench.trace.AlibabaGpuTrace;
import dev.phalanx.bench.trace.BenchFiles;
import dev.phalanx.bench.trace.FairnessBench;
import dev.phalanx.bench.trace.FragmentationBench;
import dev.phalanx.bench.trace.FragmentationPolicy;
import dev.phalanx.bench.trace.LocalityBench;
import dev.phalanx.bench.trace.SegmentBench;
import dev.phalanx.bench.trace.PhillyTrace;
import dev.phalanx.bench.trace.PublishedFragmentationResults;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

/**
 * The benchmark suite in one run ({@code benchmarks/run}): scheduling-cycle latency (JMH) and heap,
 * binding throughput and gang latency on a real API server, and the trace replays (FGD fragmentation,
 * Philly locality and fairness), each against its baseline measured in the same run. Writes
 * {@code README.md} and PNG charts into the output directory. Quick mode (the default) runs small sizes
 * in a few minutes; {@code --full} runs every size the architecture's budget names.
 */
public final class BenchmarkReport {
    private final boolean full;
    private final Path out;
    private final StringBuilder md = new StringBuilder();
    private final List<String> skipped;

    private BenchmarkReport(boolean full, Path out, List<String> skipped) {
        this.full = full;
        this.out = out;
        this.skipped = skipped;
    }

    public static void main(String[] args) throws Exception {
        boolean full = false;
        Path out = Path.of("benchmarks/report");
        List<String> skip = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--full" -> full = true;
                case "--quick" -> full = false;
                case "--out" -> out = Path.of(value(args, ++i, "--out"));
                case "--skip" -> skip.addAll(List.of(value(args, ++i, "--skip").split(",")));
                case "-h", "--help" -> {
                    System.out.println(USAGE);
                    return;
                }
                default -> {
                    System.err.println("benchmarks/run: unknown argument " + args[i] + "\n" + USAGE);
                    System.exit(2);
                }
            }
        }
        for (String s : skip) {
            if (!SECTIONS.contains(s)) {
                System.err.println("benchmarks/run: unknown section " + s + " in --skip; sections: " + String.join(",", SECTIONS));
                System.exit(2);
            }
        }
        Path written = new BenchmarkReport(full, out, skip).run();
        System.out.println("report: " + written);
    }

    static final List<String> SECTIONS = List.of("cycle", "heap", "api-server", "fragmentation", "locality", "fairness");
    static final String USAGE = """
            usage: benchmarks/run [--full] [--out DIR] [--skip SECTION,...]
              --full   every size (1,000/5,000/10,000 nodes x 10,000/50,000 pods, 1,000 API-server nodes,
                       all seeds); without it a quick run of a few minutes
              --out    where README.md and the charts go (default benchmarks/report)
              --skip   leave sections out: cycle, heap, api-server, fragmentation, locality, fairness""";

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            System.err.println("benchmarks/run: " + flag + " needs a value\n" + USAGE);
            System.exit(2);
        }
        return args[i];
    }

    Path run() throws Exception {
        Files.createDirectories(out);
        long started = System.nanoTime();
        header();
        for (String section : SECTIONS) {
            if (skipped.contains(section)) {
                continue;
            }
            switch (section) {
                case "cycle" -> cycleLatency();
                case "heap" -> heap();
                case "api-server" -> apiServer();
                case "fragmentation" -> fragmentation();
                case "locality" -> locality();
                case "fairness" -> fairness();
                default -> throw new IllegalStateException("no code for section " + section);
            }
        }
        md.append(String.format(Locale.ROOT, "%nThe whole run took %.1f minutes.%n", (System.nanoTime() - started) / 60e9));
        Path file = out.resolve("README.md");
        Files.writeString(file, md.toString());
        return file;
    }

    private void progress(String format, Object... args) {
        System.out.printf(Locale.ROOT, format + "%n", args);
    }

    private void header() {
        md.append("# Phalanx benchmark report\n\n");
        md.append(String.format(Locale.ROOT, "%s mode, written %s by `benchmarks/run%s`. ", full ? "Full" : "Quick",
                Instant.now().truncatedTo(ChronoUnit.SECONDS), full ? " --full" : ""));
        md.append(String.format(Locale.ROOT, "Machine: %d cores, %s, Java %s (%s).%n%n",
                Runtime.getRuntime().availableProcessors(), cpuModel(), System.getProperty("java.version"),
                System.getProperty("java.vm.vendor")));
        md.append("Every figure stands next to a baseline measured in the same run. ");
        md.append("Budget (ARCHITECTURE.md section 6): one cycle at 5,000 nodes x 8 GPUs with 10,000 pending pods under 1 s ")
                .append("on 2 cores, within 1 GiB of heap.\n");
        if (!skipped.isEmpty()) {
            md.append("\nLeft out of this run: ").append(String.join(", ", skipped)).append(".\n");
        }
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException ignored) {
            // not Linux: leave the model out
        }
        return System.getProperty("os.arch");
    }

    // ---- the scheduling cycle --------------------------------------------------------------------

    private List<String[]> sizes() {
        return full
                ? List.of(new String[]{"1000", "10000"}, new String[]{"1000", "50000"}, new String[]{"5000", "10000"},
                new String[]{"5000", "50000"}, new String[]{"10000", "10000"}, new String[]{"10000", "50000"})
                : List.of(new String[]{"1000", "10000"}, new String[]{"5000", "10000"});
    }

    private void cycleLatency() throws Exception {
        progress("cycle latency (JMH) ...");
        Map<String, double[]> scores = new LinkedHashMap<>();
        for (String[] size : sizes()) {
            Options options = new OptionsBuilder().include(SchedulingCycleBenchmark.class.getName() + ".cycle")
                    .param("nodes", size[0]).param("pendingPods", size[1]).param("placement", "best-fit", "timefold")
                    .forks(1).warmupIterations(full ? 3 : 2).warmupTime(TimeValue.seconds(full ? 3 : 2))
                    .measurementIterations(full ? 5 : 3).measurementTime(TimeValue.seconds(full ? 3 : 2))
                    .jvmArgsAppend("-Xmx1g", "-Xms1g").verbosity(VerboseMode.SILENT).build();
            Collection<RunResult> results = new Runner(options).run();
            for (RunResult r : results) {
                String key = size[0] + ":" + size[1] + ":" + r.getParams().getParam("placement");
                scores.put(key, new double[]{r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()});
                progress("  %s: %.1f ± %.1f ms", key, r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError());
            }
        }
        md.append("\n## One scheduling cycle (JMH)\n\n");
        md.append("`SchedulingCycle.decide` on a synthetic cluster (`SyntheticCluster`, seed 42: 8-GPU nodes in NVLink domains of ")
                .append("8, about half the nodes busy, four team queues; single pods, small gangs preferring a rack, gangs that ")
                .append("need one NVLink domain, 16-node gangs), each size with the best-fit placement (the baseline) and the ")
                .append("Timefold solver (the default). One fork with `-Xmx1g`, ")
                .append(full ? "3 warm-up iterations of 3 s and 5 measured of 3 s" : "2 warm-up iterations of 2 s and 3 measured of 2 s")
                .append("; milliseconds per cycle, ± the 99.9% confidence half-width.\n\n");
        md.append("| nodes x 8 GPUs | pending pods | best-fit (baseline) | timefold | timefold ÷ best-fit | budget |\n");
        md.append("|---|---|---|---|---|---|\n");
        DefaultCategoryDataset chart = new DefaultCategoryDataset();
        for (String[] size : sizes()) {
            double[] bf = scores.get(size[0] + ":" + size[1] + ":best-fit");
            double[] tf = scores.get(size[0] + ":" + size[1] + ":timefold");
            boolean budgeted = size[0].equals("5000") && size[1].equals("10000");
            md.append(String.format(Locale.ROOT, "| %,d | %,d | %.1f ± %.1f ms | %.1f ± %.1f ms | %.2f | %s |%n",
                    Integer.parseInt(size[0]), Integer.parseInt(size[1]), bf[0], bf[1], tf[0], tf[1], tf[0] / bf[0],
                    budgeted ? (tf[0] < 1000 ? "**under 1 s: met**" : "**over 1 s: missed**") : "-"));
            String category = Integer.parseInt(size[0]) / 1000 + "k nodes / " + Integer.parseInt(size[1]) / 1000 + "k pods";
            chart.addValue(bf[0], "best-fit (baseline)", category);
            chart.addValue(tf[0], "timefold", category);
        }
        Charts.bars(out.resolve("cycle-latency.png"), "One scheduling cycle", "cluster / pending pods", "milliseconds", chart);
        md.append("\n![cycle latency](cycle-latency.png)\n");
    }

    // ---- heap ------------------------------------------------------------------------------------

    private void heap() throws Exception {
        progress("heap ...");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), HeapFootprint.class.getName(), "timefold", "3"));
        for (String[] size : sizes()) {
            command.add(size[0] + ":" + size[1]);
        }
        List<String> lines = runJava(command);
        md.append("\n## Heap\n\n");
        md.append("`HeapFootprint` in a JVM of its own limited to `-Xmx1g` (a size that needed more would end in an ")
                .append("OutOfMemoryError): live heap after full collections once the snapshot is built, the highest heap ")
                .append("use while three Timefold cycles run on it (garbage included, so it depends on when the collector ")
                .append("runs), and the live heap holding the snapshot and the last cycle's decisions. MiB above the empty JVM.\n\n");
        md.append("| nodes | pending pods | snapshot live | peak during cycles | snapshot + decisions live | first cycle | third cycle |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        DefaultCategoryDataset chart = new DefaultCategoryDataset();
        for (String line : lines) {
            String[] f = line.trim().split(" ");
            if (f.length != 8) {
                continue;
            }
            md.append(String.format(Locale.ROOT, "| %,d | %,d | %s MiB | %s MiB | %s MiB | %s ms | %s ms |%n",
                    Integer.parseInt(f[0]), Integer.parseInt(f[1]), f[2], f[3], f[4], f[5], f[6]));
            String category = Integer.parseInt(f[0]) / 1000 + "k / " + Integer.parseInt(f[1]) / 1000 + "k";
            chart.addValue(Double.parseDouble(f[3]), "peak during cycles", category);
            chart.addValue(Double.parseDouble(f[4]), "live", category);
            chart.addValue(1024, "limit (1 GiB)", category);
            progress("  %s", line);
        }
        Charts.bars(out.resolve("heap.png"), "Heap of a cycle (MiB)", "nodes / pending pods", "MiB", chart);
        md.append("\n![heap](heap.png)\n");
    }

    private static List<String> runJava(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                lines.add(line);
            }
        }
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command.subList(command.size() - 3, command.size()))
                    + " failed (exit " + p.exitValue() + ")");
        }
        return lines;
    }

    // ---- the API server ------------------------------------------------------------------------

    private void apiServer() throws Exception {
        int nodes = full ? 1000 : 100;
        List<ApiServerThroughput.Contender> contenders = List.of(ApiServerThroughput.Contender.values());
        progress("binding throughput on a real API server (%d nodes), Phalanx against its peers ...", nodes);
        List<ApiServerThroughput.Round> rounds = ApiServerThroughput.run(nodes, contenders, System.out);
        ApiServerThroughput.Round any = rounds.get(0);
        Map<String, ApiServerThroughput.Round> by = new java.util.LinkedHashMap<>();
        rounds.forEach(r -> by.put(r.contender(), r));
        md.append("\n## Binding throughput on a real API server, against the peers\n\n");
        md.append(String.format(Locale.ROOT, """
                kube-apiserver and etcd as `./mvnw verify` runs them (built from the Kubernetes Go modules by \
                `tools/control-plane/build.sh`), on the same 2 cores as everything else. %,d Node objects of 8 GPUs in \
                NVLink domains of 8; each round creates %,d one-GPU pods in %,d gangs of 1, 2, 4, 8 and 16, 80%% of the \
                GPUs, from 32 client threads at once, while one scheduler runs: **ceiling** (no scheduler: the benchmark \
                makes one Binding per pod to a node known in advance, 64 in flight, and nothing else), **phalanx** \
                (`phalanx run` with its defaults in a JVM of its own; gangs of 4 or more prefer one NVLink domain), \
                **kube-scheduler** (the same version, default profile, no gangs), **kube-scheduler-gang** (with its native \
                gang scheduling: GenericWorkload, `scheduling.k8s.io/v1beta1` PodGroups), **coscheduling** \
                (scheduler-plugins %s with the Coscheduling plugin); **ceiling-dra**, **phalanx-dra** and \
                **kube-scheduler-dra** are the same with every pod's GPU asked for through a ResourceClaim of its own and \
                each node's GPUs published as a ResourceSlice (the ceiling writes each claim's allocation, then the \
                binding). Before it is measured, each contender binds the same burst once and sees it deleted, so every \
                one is measured running, not starting. Pods/s: pods / (last bound - first created). Gang \
                latency: the gang's creation to its last member bound, as a watch sees it; partly bound: its first to its \
                last member bound. CPU: seconds each process used during the round. Writes per pod: the API server's \
                own request counters (`apiserver_request_total`, POST/PUT/PATCH/DELETE/APPLY) less the workload's own \
                creates.

                """, nodes, any.pods(), any.gangs(), "v0.34.7"));
        md.append("| scheduler | pods/s | gang p50 / p99 | partly bound p99 | gangs >= 4 in one NVLink domain | API server CPU-ms per pod | etcd CPU-s | scheduler CPU-s | writes per pod | requests per pod |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|\n");
        DefaultCategoryDataset throughput = new DefaultCategoryDataset();
        DefaultCategoryDataset latency = new DefaultCategoryDataset();
        for (ApiServerThroughput.Round r : rounds) {
            md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f / %.1f s | %.2f s | %.0f%% | %.1f | %.1f | %.1f | %.2f | %.1f |%n",
                    r.contender(), r.endToEndPodsPerSecond(), r.gangLatencyP50Seconds(), r.gangLatencyP99Seconds(),
                    r.partlyBoundP99Seconds(), 100 * r.largeGangsInOneDomain(), r.apiServerCpuMillisPerPod(), r.etcdCpuSeconds(),
                    r.schedulerCpuSeconds(), r.schedulerWritesPerPod(), r.requestsPerPod()));
            throughput.addValue(r.endToEndPodsPerSecond(), "pods/s", r.contender());
            latency.addValue(r.gangLatencyP50Seconds(), "p50", r.contender());
            latency.addValue(r.gangLatencyP99Seconds(), "p99", r.contender());
        }
        md.append("\nWrites by resource (after the workload's own creates):\n\n");
        for (ApiServerThroughput.Round r : rounds) {
            md.append("- ").append(r.contender()).append(": ").append(r.schedulerWrites().isEmpty() ? "none"
                    : String.join(", ", r.schedulerWrites().entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList()))
                    .append('\n');
        }
        ApiServerThroughput.Round phalanx = by.get("phalanx"), kube = by.get("kube-scheduler"), ceiling = by.get("ceiling");
        if (phalanx != null && kube != null && ceiling != null) {
            md.append(String.format(Locale.ROOT, """

                    Ratios from this run: Phalanx binds %.2fx kube-scheduler's pods/s and %.0f%% of the ceiling's; its gang p99 is \
                    %.2fx kube-scheduler's; the API server spends %.2fx kube-scheduler's CPU per pod on it. Phalanx cycles: %d, \
                    %.1f s in all.
                    """, phalanx.endToEndPodsPerSecond() / kube.endToEndPodsPerSecond(),
                    100 * phalanx.endToEndPodsPerSecond() / ceiling.endToEndPodsPerSecond(),
                    phalanx.gangLatencyP99Seconds() / kube.gangLatencyP99Seconds(),
                    phalanx.apiServerCpuMillisPerPod() / kube.apiServerCpuMillisPerPod(), phalanx.cycles(), phalanx.cycleSeconds()));
        }
        ApiServerThroughput.Round phalanxDra = by.get("phalanx-dra"), kubeDra = by.get("kube-scheduler-dra"),
                ceilingDra = by.get("ceiling-dra");
        if (phalanxDra != null && kubeDra != null && ceilingDra != null) {
            md.append(String.format(Locale.ROOT, """
                    With DRA claims: Phalanx binds %.2fx kube-scheduler's pods/s and %.0f%% of the ceiling's, with %.2f \
                    writes per pod against kube-scheduler's %.2f; %.0f%% of its gangs of 4 or more in one NVLink domain \
                    against kube-scheduler's %.0f%%.
                    """, phalanxDra.endToEndPodsPerSecond() / kubeDra.endToEndPodsPerSecond(),
                    100 * phalanxDra.endToEndPodsPerSecond() / ceilingDra.endToEndPodsPerSecond(),
                    phalanxDra.schedulerWritesPerPod(), kubeDra.schedulerWritesPerPod(),
                    100 * phalanxDra.largeGangsInOneDomain(), 100 * kubeDra.largeGangsInOneDomain()));
        }
        Charts.bars(out.resolve("api-server-throughput.png"), "Pods bound per second, end to end", "scheduler", "pods / s",
                throughput);
        Charts.bars(out.resolve("api-server-gang-latency.png"), "Gang latency: gang created to last member bound", "scheduler",
                "seconds", latency);
        md.append("\n![throughput](api-server-throughput.png)\n\n![gang latency](api-server-gang-latency.png)\n");
    }

    // ---- trace replays ---------------------------------------------------------------------------

    private void fragmentation() throws Exception {
        progress("fragmentation (Alibaba GPU trace, FGD protocol) ...");
        List<FragmentationPolicy> policies = full ? List.of(FragmentationPolicy.values())
                : List.of(FragmentationPolicy.byCliName("random"), FragmentationPolicy.byCliName("bestfit"),
                FragmentationPolicy.byCliName("fgd"), FragmentationPolicy.byCliName("phalanx"));
        List<Long> seeds = LongStream.rangeClosed(42, full ? 51 : 43).boxed().toList();
        Path podsFile = BenchFiles.shipped("benchmarks/data/alibaba-gpu-v2023/openb_pod_list_default.csv");
        FragmentationBench.Result result = FragmentationBench.run(PublishedFragmentationResults.workloadName(podsFile),
                AlibabaGpuTrace.readNodes(BenchFiles.shipped("benchmarks/data/alibaba-gpu-v2023/openb_node_list_gpu_node.csv")),
                AlibabaGpuTrace.readPods(podsFile), seeds, policies, 2);
        PublishedFragmentationResults published = PublishedFragmentationResults.read(
                BenchFiles.shipped(PublishedFragmentationResults.SHIPPED));
        md.append("\n## GPU fragmentation: the FGD protocol on Alibaba's GPU trace\n\n");
        md.append(String.format(Locale.ROOT, "%,d nodes, pods of `openb_pod_list_default.csv` arriving until 130%% of the GPUs ", result.nodes()))
                .append("are asked for, seeds ").append(seeds.get(0)).append("..").append(seeds.get(seeds.size() - 1))
                .append(" (protocol: [benchmarks/README.md](../README.md)). `phalanx` is ").append(FragmentationPolicy.PHALANX.describe())
                .append(". Baselines: the scoring policies of the FGD paper run here, and the paper's published figures ")
                .append("(Weng et al., USENIX ATC 2023). Every workload of the paper: `./phalanx bench fragmentation --workload all`.\n\n");
        md.append("| policy | unallocated GPU % at 100% arrived | allocated % at 130% | published unallocated % |\n|---|---|---|---|\n");
        DefaultCategoryDataset chart = new DefaultCategoryDataset();
        for (FragmentationBench.PolicyResult p : result.policies()) {
            String pub = p.policy().publishedName() == null ? "-" : published.figure(podsFile, p.policy().publishedName())
                    .map(f -> String.format(Locale.ROOT, "%.2f ± %.2f", f.mean(), f.sd())).orElse("-");
            md.append(String.format(Locale.ROOT, "| %s | %.2f ± %.2f | %.2f | %s |%n", p.policy().cliName(),
                    p.unallocatedGpuPct().mean(), p.unallocatedGpuPct().sd(), p.allocatedGpuPctAt130().mean(), pub));
            chart.addValue(p.unallocatedGpuPct().mean(), "measured here", p.policy().cliName());
            if (p.policy().publishedName() != null) {
                published.figure(podsFile, p.policy().publishedName())
                        .ifPresent(f -> chart.addValue(f.mean(), "published (FGD paper)", p.policy().cliName()));
            }
        }
        Charts.bars(out.resolve("fragmentation.png"), "GPUs left unallocated when demand reaches capacity", "policy",
                "unallocated GPU %", chart);
        md.append("\n![fragmentation](fragmentation.png)\n");
    }

    private void locality() throws Exception {
        progress("locality (Philly trace on NVLink racks) ...");
        List<PhillyTrace.Job> jobs = PhillyTrace.read(BenchFiles.shipped("benchmarks/data/philly/philly.csv"));
        List<Long> seeds = LongStream.rangeClosed(1, full ? 10 : 2).boxed().toList();
        int perSeed = 5000;
        LocalityBench.Result result = LocalityBench.run(jobs, 8, perSeed, seeds, 2);
        md.append("\n## NVLink locality: Philly gangs on GB200-shaped racks\n\n");
        md.append(String.format(Locale.ROOT, "%d NVLink domains of 18 nodes x 4 GPUs; %d windows of %,d Philly jobs. ", result.domains(),
                        seeds.size(), perSeed))
                .append("Baseline: `node-best-fit`, each pod on the node it leaves fullest, as kube-scheduler's most-allocated ")
                .append("scoring would, on the same jobs.\n\n");
        md.append("| placement | multi-node gangs started | in the fewest domains possible | extra domains per gang | mean wait |\n|---|---|---|---|---|\n");
        DefaultCategoryDataset chart = new DefaultCategoryDataset();
        for (LocalityBench.PlacerResult p : result.placers()) {
            md.append(String.format(Locale.ROOT, "| %s | %,d | %.1f%% | %.2f | %.1f min |%n", p.placer().cliName(), p.multiNodeStarted(),
                    p.multiNodeAtFewestPct(), p.meanExtraDomains(), p.meanWaitMinutes()));
            chart.addValue(p.multiNodeAtFewestPct(), p.placer().cliName(), "multi-node gangs in the fewest NVLink domains");
        }
        Charts.bars(out.resolve("locality.png"), "Gangs in the fewest NVLink domains possible", "", "%", chart);
        md.append("\n![locality](locality.png)\n");
        segments(jobs);
    }

    /** Jobs larger than one rack, in segments: Phalanx against placing segment by segment. */
    private void segments(List<PhillyTrace.Job> jobs) throws Exception {
        progress("locality of segmented jobs (64-512 GPUs on NVL72 racks under spines) ...");
        List<Long> seeds = LongStream.rangeClosed(1, full ? 6 : 2).boxed().toList();
        int perSeed = full ? 600 : 300;
        SegmentBench.Result r = SegmentBench.run(jobs, 8, 4, perSeed, seeds, 2);
        md.append("\n### Jobs larger than one rack, in segments\n\n");
        md.append(String.format(Locale.ROOT, "%d spines of %d NVL72 racks (%d GPUs); %d windows of %,d Philly arrivals and "
                + "durations, sizes a synthetic mix of 64 to 512 GPUs in segments of 64 or 72 (`phalanx bench locality "
                + "--segments`). Every segment must sit in one rack; the job prefers one spine. Baseline: `segment-greedy`, %s.%n%n",
                r.spines(), r.racksPerSpine(), r.spines() * r.racksPerSpine() * 72, seeds.size(), perSeed,
                SegmentBench.Placer.SEGMENT_GREEDY.describe()));
        md.append(SegmentBench.table(r));
        DefaultCategoryDataset chart = new DefaultCategoryDataset();
        for (SegmentBench.PlacerResult p : r.placers()) {
            chart.addValue(p.meanSpines(), p.placer().cliName(), "spines per multi-segment job");
        }
        Charts.bars(out.resolve("segments.png"), "Spines spanned by jobs of several segments (fewer is better)", "", "spines", chart);
        md.append("\n![segments](segments.png)\n");
    }

    /** The weeks of the Philly trace a full report replays: busy and quiet ones, from the busiest month to its tail. */
    static final List<String> FAIRNESS_WEEKS = List.of("2017-10-09", "2017-10-16", "2017-10-23", "2017-11-06", "2017-11-20");

    private void fairness() throws Exception {
        progress("fairness (Philly trace, queues per virtual cluster) ...");
        int days = full ? 7 : 2;
        int nodes = full ? 64 : 32; // quick: a smaller cluster, so two days of jobs still contend
        List<String> weeks = full ? FAIRNESS_WEEKS : List.of("2017-10-23");
        long window = days * 24 * FairnessBench.HOUR;
        long until = window + 2 * 24 * FairnessBench.HOUR;
        var trace = PhillyTrace.read(BenchFiles.shipped("benchmarks/data/philly/philly.csv"));
        PhalanxConfig config = PhalanxConfig.defaults();
        md.append("\n## Queue fairness: Philly virtual clusters as queues\n\n");
        md.append(String.format(Locale.ROOT, "%d day(s) of jobs from each start on %d nodes x 8 GPUs, one queue per virtual cluster with ",
                        days, nodes))
                .append("quotas in proportion to its demand, drained for two more days. `phalanx`: the defaults (usage half-life ")
                .append(config.fairness().usageHalfLife()).append(", reclaim gain over loss ").append(config.reclaim().gainOverLoss())
                .append(", restart cost ").append(config.reclaim().restartCost()).append("); `phalanx-no-decay`: the same without usage ")
                .append("history; `no-evict`: without preemption, reclaim or usage history; `fifo`: one first-come first-served line ")
                .append("without reservations. Jain: allocated over the fair share the policy itself computed, across queues, averaged ")
                .append("over time (1 is fair); Jain(w): the same against the share the queues' weights alone give, one yardstick for ")
                .append("every policy; Jain(Σ): of each queue's GPU-hours over the run against that share. GPU-h lost: the work ")
                .append("evictions threw away, and its part of the GPU-hours used. Goal: Jain(w) at least no-evict's and 0.97, mean wait ")
                .append("at most 10% above the better of no-evict and FIFO, under 2% of GPU-hours lost.\n\n");
        md.append("| week from | jobs | policy | GPU allocation | Jain | Jain(w) | Jain(Σ) | mean wait | p95 wait | evictions | GPU-h lost |\n")
                .append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        DefaultCategoryDataset chart = new DefaultCategoryDataset();
        StringBuilder goals = new StringBuilder("\n| week from | phalanx Jain(w) / no-evict's | mean wait / limit | GPU-h lost | goal |\n|---|---|---|---|---|\n");
        for (String week : weeks) {
            long from = LocalDate.parse(week).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            FairnessBench bench = new FairnessBench(trace, from, window, nodes);
            Map<String, FairnessBench.PolicyResult> byName = new LinkedHashMap<>();
            for (String policy : FairnessBench.POLICIES) {
                FairnessBench.PolicyResult r = bench.run(policy, FairnessBench.cycle(policy, config), until);
                byName.put(policy, r);
                md.append(String.format(Locale.ROOT, "| %s | %,d | %s | %.1f%% | %.3f | %.3f | %.3f | %.1f min | %.1f min | %,d | %.0f (%.2f%%) |%n",
                        week, bench.setup().jobs(), policy, 100 * r.gpuAllocationRatio(), r.jainIndex(), r.jainByWeights(),
                        r.jainOfTotals(), r.meanWaitSeconds() / 60, r.p95WaitSeconds() / 60, r.evictions(), r.gpuHoursLost(),
                        lostShare(r)));
                chart.addValue(r.meanWaitSeconds() / 60, policy, week);
            }
            FairnessBench.PolicyResult p = byName.get("phalanx"), n = byName.get("no-evict"), f = byName.get("fifo");
            double limit = 1.1 * Math.min(n.meanWaitSeconds(), f.meanWaitSeconds());
            boolean met = p.jainByWeights() >= n.jainByWeights() && p.jainByWeights() >= 0.97 && p.meanWaitSeconds() <= limit
                    && lostShare(p) < 2;
            goals.append(String.format(Locale.ROOT, "| %s | %.4f / %.4f | %.1f / %.1f min | %.2f%% | %s |%n", week, p.jainByWeights(),
                    n.jainByWeights(), p.meanWaitSeconds() / 60, limit / 60, lostShare(p), met ? "met" : "not met"));
        }
        md.append(goals);
        Charts.bars(out.resolve("fairness-wait.png"), "Mean job wait on the Philly trace, by week", "week from", "minutes", chart);
        md.append("\n![waits](fairness-wait.png)\n");
    }

    /** Percent of the GPU-hours used that evictions threw away. */
    private static double lostShare(FairnessBench.PolicyResult r) {
        return r.gpuHoursUsed() == 0 ? 0 : 100 * r.gpuHoursLost() / r.gpuHoursUsed();
    }
}
