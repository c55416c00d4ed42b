package dev.phalanx.bench.cli;

import dev.phalanx.bench.trace.AlibabaGpuTrace;
import dev.phalanx.bench.trace.AlibabaWorkloads;
import dev.phalanx.bench.trace.BenchFiles;
import dev.phalanx.bench.trace.FragmentationBench;
import dev.phalanx.bench.trace.FragmentationPolicy;
import dev.phalanx.bench.trace.FragmentationReport;
import dev.phalanx.bench.trace.PublishedFragmentationResults;
import dev.phalanx.bench.trace.Seeds;
import dev.phalanx.bench.trace.TraceFormatException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code phalanx bench fragmentation}: the FGD paper's protocol on the Alibaba GPU trace, every policy in one run. */
@Command(name = "fragmentation", mixinStandardHelpOptions = true,
        description = {"GPUs left unallocated by Phalanx's placement and baseline policies on Alibaba's GPU-sharing trace.",
                "The FGD paper's protocol (Weng et al., USENIX ATC 2023): each seed shuffles the pod list and inflates it",
                "to 130%% of the cluster's GPUs; pods are placed one at a time and dropped when they fit nowhere. Reports",
                "the GPUs left unallocated when arrived demand reaches 100%%, per policy, next to the published figures.",
                "The phalanx row is the scheduler's own placement (Policies.placement), one cycle per arriving pod."})
public final class FragmentationBenchCommand implements Callable<Integer> {
    static final String DEFAULT_NODES = "benchmarks/data/alibaba-gpu-v2023/openb_node_list_gpu_node.csv";
    static final String DEFAULT_PODS = "benchmarks/data/alibaba-gpu-v2023/openb_pod_list_default.csv";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--nodes", paramLabel = "CSV", description = "Node list (sn, cpu_milli, memory_mib, gpu, model). Default: "
            + DEFAULT_NODES)
    Path nodes;

    @Option(names = "--pods", paramLabel = "CSV", description = {"Pod list (name, cpu_milli, memory_mib, num_gpu, gpu_milli[, gpu_spec]).",
            "With --workload: the default list the workloads are built from. Alone: replayed as written.",
            "Default: " + DEFAULT_PODS})
    Path pods;

    @Option(names = "--workload", paramLabel = "NAME", split = ",",
            description = {"Workloads of the FGD paper to build from the default list and replay: default, cpu050, cpu100,",
                    "cpu200, cpu250, gpushare40..100, gpuspec10, gpuspec20, gpuspec25, gpuspec33, multigpu20..50, or all.",
                    "Default: default (or the --pods list as written)."})
    List<String> workloads;

    @Option(names = "--seeds", paramLabel = "LIST", defaultValue = "42..51",
            description = "Seeds, one replay each: 42..51 (default, as published) or e.g. 42,43.")
    String seeds;

    @Option(names = "--policies", paramLabel = "LIST", split = ",", defaultValue = "random,dotprod,gpupacking,bestfit,fgd,fgd-95,fgd-exact,phalanx",
            description = "Policies to compare, comma-separated (default: ${DEFAULT-VALUE}).")
    List<String> policies;

    @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text",
            description = "text (default) or json: exactly one JSON object on stdout.")
    OutputFormat output;

    @Option(names = "--threads", paramLabel = "N", description = "Replays run in parallel on N threads (default: the number of cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Long> seedList;
        List<FragmentationPolicy> chosen = new ArrayList<>();
        try {
            seedList = Seeds.parse(seeds);
            for (String p : new LinkedHashSet<>(policies)) {
                chosen.add(FragmentationPolicy.byCliName(p));
            }
        } catch (IllegalArgumentException e) {
            err.println("phalanx bench fragmentation: " + e.getMessage());
            return 2;
        }
        int threadCount = threads != null ? Math.max(1, threads) : Runtime.getRuntime().availableProcessors();
        List<String> names = new ArrayList<>();
        try {
            if (workloads != null) {
                for (String w : workloads) {
                    if (w.strip().equalsIgnoreCase("all")) {
                        names.addAll(AlibabaWorkloads.NAMES);
                    } else if (AlibabaWorkloads.NAMES.contains(w.strip().toLowerCase(java.util.Locale.ROOT))) {
                        names.add(w.strip().toLowerCase(java.util.Locale.ROOT));
                    } else {
                        throw new IllegalArgumentException("unknown workload '" + w + "' (known: "
                                + String.join(", ", AlibabaWorkloads.NAMES) + ", all)");
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("phalanx bench fragmentation: " + e.getMessage());
            return 2;
        }
        try {
            Path nodesFile = nodes != null ? nodes : BenchFiles.shipped(DEFAULT_NODES);
            Path podsFile = pods != null ? pods : BenchFiles.shipped(DEFAULT_PODS);
            List<AlibabaGpuTrace.Node> nodeList = AlibabaGpuTrace.readNodes(nodesFile);
            List<AlibabaGpuTrace.Pod> podList = AlibabaGpuTrace.readPods(podsFile);
            PublishedFragmentationResults published = null;
            try {
                published = PublishedFragmentationResults.read(BenchFiles.shipped(PublishedFragmentationResults.SHIPPED));
            } catch (TraceFormatException e) {
                err.println("phalanx bench fragmentation: no comparison with the published figures: " + e.getMessage());
            }
            List<FragmentationBench.Result> results = new ArrayList<>();
            if (names.isEmpty()) {
                results.add(FragmentationBench.run(PublishedFragmentationResults.workloadName(podsFile), nodeList, podList,
                        seedList, chosen, threadCount));
            }
            for (String name : new LinkedHashSet<>(names)) {
                results.add(FragmentationBench.run(PublishedFragmentationResults.artifactName(name), nodeList,
                        AlibabaWorkloads.build(name, podList), seedList, chosen, threadCount));
            }
            FragmentationReport.Source source = new FragmentationReport.Source(nodesFile, podsFile, !names.isEmpty());
            out.print(output == OutputFormat.json
                    ? FragmentationReport.json(results, source, published) + "\n"
                    : FragmentationReport.text(results, source, published, threadCount));
            out.flush();
            return 0;
        } catch (TraceFormatException | IllegalArgumentException e) {
            err.println("phalanx bench fragmentation: " + e.getMessage());
            return 2;
        }
    }
}
