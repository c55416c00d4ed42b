package dev.phalanx.bench.trace;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code phalanx bench fragmentation} prints: per workload a table next to the published figures, and
 * for several workloads a summary of Phalanx against the project's FGD and FGD as published; or one JSON object.
 */
public final class FragmentationReport {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final String PROTOCOL = "FGD (Weng et al., USENIX ATC 2023): shuffle, inflate to 130% of GPU capacity "
            + "(or thin a longer list to it), place one pod at a time, drop what fits nowhere; unallocated GPUs when "
            + "arrived demand reaches 100%: the mean allocation over the pod events whose arrived percentage rounds to 100";

    /** Where a run's pods came from: a pod list as written, or a workload built from the default list. */
    public record Source(Path nodesFile, Path podsFile, boolean built) {
    }

    private FragmentationReport() {
    }

    /** The name a workload goes by in the tables: the artifact's name without its common prefix. */
    static String shortName(String workload) {
        return workload.startsWith("openb_pod_list_") ? workload.substring("openb_pod_list_".length()) : workload;
    }

    public static String json(List<FragmentationBench.Result> results, Source source, PublishedFragmentationResults published) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("protocol", PROTOCOL);
        root.put("nodesFile", source.nodesFile().toString());
        root.put("podsFile", source.podsFile().toString());
        root.put("workloadsBuiltFromPodsFile", source.built());
        FragmentationBench.Result first = results.get(0);
        root.put("nodes", first.nodes());
        root.put("gpus", first.gpuCapacityMilli() / 1000.0);
        root.put("seeds", first.seeds());
        root.put("phalanxPlacement", FragmentationPolicy.PHALANX.describe());
        List<Map<String, Object>> workloads = new ArrayList<>();
        for (FragmentationBench.Result r : results) {
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("workload", shortName(r.workload()));
            w.put("podsInList", r.podsInList());
            List<Map<String, Object>> policies = new ArrayList<>();
            for (FragmentationBench.PolicyResult p : r.policies()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", p.policy().cliName());
                m.put("unallocatedGpuPct", stat(p.unallocatedGpuPct()));
                m.put("allocatedGpuPctAt130", p.allocatedGpuPctAt130().mean());
                m.put("allocatedGpuPctAt130Sd", p.allocatedGpuPctAt130().sd());
                m.put("podsDropped", stat(p.podsDropped()));
                m.put("perSeedUnallocatedGpuPct", p.perSeed().stream().map(FragmentationReplay.Outcome::unallocatedPctAt100).toList());
                m.put("allocatedGpuPctByArrivedPct", nullWhereNotReached(p.meanAllocatedPctByArrivedPct()));
                Optional<PublishedFragmentationResults.Figure> f = publishedFigure(published, r.workload(), p.policy());
                m.put("published", f.map(x -> (Object) Map.of("name", p.policy().publishedName(),
                        "unallocatedGpuPct", Map.of("mean", x.mean(), "sd", x.sd()))).orElse(null));
                m.put("seconds", p.seconds());
                policies.add(m);
            }
            w.put("policies", policies);
            Optional<PublishedFragmentationResults.Figure> fgd = publishedFigure(published, r.workload(), FragmentationPolicy.FGD);
            w.put("publishedFgdUnallocatedGpuPct", fgd.map(x -> (Object) Map.of("mean", x.mean(), "sd", x.sd())).orElse(null));
            w.put("wallSeconds", r.wallSeconds());
            workloads.add(w);
        }
        root.put("workloads", workloads);
        root.put("publishedSource", published == null ? null : published.file().toString());
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The curve by arrived percent, null at levels some seed's arrivals never came near. */
    private static List<Double> nullWhereNotReached(double[] curve) {
        List<Double> out = new ArrayList<>(curve.length);
        for (double v : curve) {
            out.add(Double.isNaN(v) ? null : v);
        }
        return out;
    }

    private static Map<String, Double> stat(FragmentationBench.Stat s) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("mean", s.mean());
        m.put("sd", s.sd());
        return m;
    }

    public static String text(List<FragmentationBench.Result> results, Source source, PublishedFragmentationResults published,
                              int threads) {
        StringBuilder sb = new StringBuilder();
        FragmentationBench.Result first = results.get(0);
        sb.append("FGD protocol (Weng et al., USENIX ATC 2023) on Alibaba's GPU trace\n");
        sb.append(String.format(Locale.ROOT, "  nodes: %s (%d nodes, %.0f GPUs)%n", source.nodesFile(), first.nodes(),
                first.gpuCapacityMilli() / 1000.0));
        sb.append("  pods:  ").append(source.podsFile()).append(source.built()
                ? " (workloads other than default built from it: see benchmarks/README.md)\n" : "\n");
        sb.append(String.format(Locale.ROOT, "  seeds: %s (%d); nothing departs; a pod that fits nowhere is dropped%n",
                Seeds.format(first.seeds()), first.seeds().size()));
        sb.append("  phalanx: ").append(FragmentationPolicy.PHALANX.describe()).append('\n');
        double wall = 0;
        for (FragmentationBench.Result r : results) {
            sb.append('\n');
            workloadTable(sb, r, published);
            wall += r.wallSeconds();
        }
        if (results.size() > 1) {
            sb.append('\n');
            summary(sb, results, published);
        }
        if (published != null) {
            sb.append("  published: ").append(published.file()).append(", from hkust-adsl/kubernetes-scheduler-simulator\n")
                    .append("             experiments/analysis/expected_results/analysis_allo_discrete.csv (the FGD paper's artifact)\n");
        }
        sb.append(String.format(Locale.ROOT, "  took %.1f s on %d threads%n", wall, threads));
        return sb.toString();
    }

    private static void workloadTable(StringBuilder sb, FragmentationBench.Result r, PublishedFragmentationResults published) {
        int arrivals = r.policies().isEmpty() ? 0 : r.policies().get(0).perSeed().get(0).podsArrived();
        sb.append(String.format(Locale.ROOT, "  workload %s: %d pods in the list, %d arrivals for seed %d%n",
                shortName(r.workload()), r.podsInList(), arrivals, r.seeds().get(0)));
        sb.append(String.format(Locale.ROOT, "  %-11s %-22s %-18s %-14s %-18s%n", "policy", "unallocated GPU %", "allocated GPU %",
                "dropped pods", "published"));
        sb.append(String.format(Locale.ROOT, "  %-11s %-22s %-18s %-14s %-18s%n", "", "at 100% arrived", "at 130% arrived",
                "(of arrivals)", "unallocated GPU %"));
        for (FragmentationBench.PolicyResult p : r.policies()) {
            Optional<PublishedFragmentationResults.Figure> f = publishedFigure(published, r.workload(), p.policy());
            sb.append(String.format(Locale.ROOT, "  %-11s %-22s %-18s %-14s %-18s%n", p.policy().cliName(),
                    String.format(Locale.ROOT, "%6.2f ± %.2f", p.unallocatedGpuPct().mean(), p.unallocatedGpuPct().sd()),
                    String.format(Locale.ROOT, "%6.2f ± %.2f", p.allocatedGpuPctAt130().mean(), p.allocatedGpuPctAt130().sd()),
                    String.format(Locale.ROOT, "%8.0f", p.podsDropped().mean()),
                    f.map(x -> String.format(Locale.ROOT, "%6.2f ± %.2f (%s)", x.mean(), x.sd(), p.policy().publishedName()))
                            .orElse("     -")));
        }
        sb.append("  (mean ± population sd over seeds; lower unallocated is better)\n");
        FragmentationBench.PolicyResult phalanx = r.of(FragmentationPolicy.PHALANX);
        if (phalanx != null) {
            double gpus = r.gpuCapacityMilli() / 100_000.0; // GPUs per percent of capacity
            FragmentationBench.PolicyResult fgd = r.of(FragmentationPolicy.FGD);
            if (fgd != null) {
                sb.append(String.format(Locale.ROOT, "  phalanx leaves %.2fx the unallocated GPUs of fgd in this run (%.0f vs %.0f GPUs)%n",
                        phalanx.unallocatedGpuPct().mean() / fgd.unallocatedGpuPct().mean(),
                        phalanx.unallocatedGpuPct().mean() * gpus, fgd.unallocatedGpuPct().mean() * gpus));
            }
            publishedFigure(published, r.workload(), FragmentationPolicy.FGD).ifPresent(f -> sb.append(String.format(Locale.ROOT,
                    "  phalanx leaves %.2fx the unallocated GPUs of FGD as published (%.2f%% vs %.2f%%)%n",
                    phalanx.unallocatedGpuPct().mean() / f.mean(), phalanx.unallocatedGpuPct().mean(), f.mean())));
        }
    }

    private static void summary(StringBuilder sb, List<FragmentationBench.Result> results, PublishedFragmentationResults published) {
        sb.append("  unallocated GPU % at 100% arrived, by workload (mean ± sd over seeds)\n");
        sb.append(String.format(Locale.ROOT, "  %-12s %-16s %-16s %-16s %s%n", "workload", "phalanx", "fgd (ours)",
                "FGD published", "phalanx - published"));
        int better = 0, compared = 0;
        for (FragmentationBench.Result r : results) {
            FragmentationBench.PolicyResult phalanx = r.of(FragmentationPolicy.PHALANX);
            FragmentationBench.PolicyResult fgd = r.of(FragmentationPolicy.FGD);
            Optional<PublishedFragmentationResults.Figure> pub = publishedFigure(published, r.workload(), FragmentationPolicy.FGD);
            String diff = "-";
            if (phalanx != null && pub.isPresent()) {
                double d = phalanx.unallocatedGpuPct().mean() - pub.get().mean();
                diff = String.format(Locale.ROOT, "%+.2f", d);
                compared++;
                better += d < 0 ? 1 : 0;
            }
            sb.append(String.format(Locale.ROOT, "  %-12s %-16s %-16s %-16s %s%n", shortName(r.workload()), cell(phalanx), cell(fgd),
                    pub.map(f -> String.format(Locale.ROOT, "%5.2f ± %.2f", f.mean(), f.sd())).orElse("-"), diff));
        }
        if (compared > 0) {
            sb.append(String.format(Locale.ROOT, "  phalanx leaves fewer GPUs unallocated than FGD as published on %d of %d workloads%n",
                    better, compared));
        }
    }

    private static String cell(FragmentationBench.PolicyResult p) {
        return p == null ? "-" : String.format(Locale.ROOT, "%5.2f ± %.2f", p.unallocatedGpuPct().mean(), p.unallocatedGpuPct().sd());
    }

    private static Optional<PublishedFragmentationResults.Figure> publishedFigure(PublishedFragmentationResults published,
                                                                               String workload, FragmentationPolicy policy) {
        return published == null || policy.publishedName() == null ? Optional.empty() : published.figure(workload, policy.publishedName());
    }
}
