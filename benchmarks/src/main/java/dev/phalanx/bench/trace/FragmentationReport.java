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

/** What {@code phalanx bench fragmentation} prints: a table next to the published figures, or one JSON object. */
public final class FragmentationReport {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private FragmentationReport() {
    }

    public static String json(FragmentationBench.Result r, Path nodesFile, Path podsFile, PublishedFragmentationResults published) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("protocol", "FGD (Weng et al., USENIX ATC 2023): shuffle, inflate to 130% of GPU capacity, place one pod "
                + "at a time, drop what fits nowhere; unallocated GPUs when arrived demand first reaches 100%");
        root.put("nodesFile", nodesFile.toString());
        root.put("podsFile", podsFile.toString());
        root.put("nodes", r.nodes());
        root.put("gpus", r.gpuCapacityMilli() / 1000.0);
        root.put("podsInList", r.podsInList());
        root.put("seeds", r.seeds());
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
            Optional<PublishedFragmentationResults.Figure> f = publishedFigure(published, podsFile, p.policy());
            m.put("published", f.map(x -> (Object) Map.of("name", p.policy().publishedName(),
                    "unallocatedGpuPct", Map.of("mean", x.mean(), "sd", x.sd()))).orElse(null));
            m.put("seconds", p.seconds());
            policies.add(m);
        }
        root.put("policies", policies);
        root.put("publishedSource", published == null ? null : published.file().toString());
        root.put("wallSeconds", r.wallSeconds());
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The curve by arrived percent, null at levels some seed's arrivals never reached (130% usually: the next pod would pass it). */
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

    public static String text(FragmentationBench.Result r, Path nodesFile, Path podsFile, PublishedFragmentationResults published,
                              int threads) {
        StringBuilder sb = new StringBuilder();
        sb.append("FGD protocol (Weng et al., USENIX ATC 2023) on ").append(PublishedFragmentationResults.workloadName(podsFile)).append('\n');
        sb.append(String.format(Locale.ROOT, "  nodes: %s (%d nodes, %.0f GPUs)%n", nodesFile, r.nodes(), r.gpuCapacityMilli() / 1000.0));
        int arrivals = r.policies().isEmpty() ? 0 : r.policies().get(0).perSeed().get(0).podsArrived();
        sb.append(String.format(Locale.ROOT, "  pods:  %s (%d pods, inflated to %d arrivals up to 130%% of GPU capacity, seed %d)%n",
                podsFile, r.podsInList(), arrivals, r.seeds().get(0)));
        sb.append(String.format(Locale.ROOT, "  seeds: %s (%d); nothing departs; a pod that fits nowhere is dropped%n%n",
                Seeds.format(r.seeds()), r.seeds().size()));
        sb.append(String.format(Locale.ROOT, "  %-11s %-22s %-18s %-14s %-18s%n", "policy", "unallocated GPU %", "allocated GPU %",
                "dropped pods", "published"));
        sb.append(String.format(Locale.ROOT, "  %-11s %-22s %-18s %-14s %-18s%n", "", "at 100% arrived", "at 130% arrived",
                "(of arrivals)", "unallocated GPU %"));
        for (FragmentationBench.PolicyResult p : r.policies()) {
            Optional<PublishedFragmentationResults.Figure> f = publishedFigure(published, podsFile, p.policy());
            sb.append(String.format(Locale.ROOT, "  %-11s %-22s %-18s %-14s %-18s%n", p.policy().cliName(),
                    String.format(Locale.ROOT, "%6.2f ± %.2f", p.unallocatedGpuPct().mean(), p.unallocatedGpuPct().sd()),
                    String.format(Locale.ROOT, "%6.2f ± %.2f", p.allocatedGpuPctAt130().mean(), p.allocatedGpuPctAt130().sd()),
                    String.format(Locale.ROOT, "%8.0f", p.podsDropped().mean()),
                    f.map(x -> String.format(Locale.ROOT, "%6.2f ± %.2f (%s)", x.mean(), x.sd(), p.policy().publishedName()))
                            .orElse("     -")));
        }
        sb.append("  (mean ± population sd over seeds; lower unallocated is better)\n");
        FragmentationBench.PolicyResult phalanx = find(r, FragmentationPolicy.PHALANX);
        if (phalanx != null) {
            double gpus = r.gpuCapacityMilli() / 100_000.0; // GPUs per percent of capacity
            for (FragmentationPolicy other : List.of(FragmentationPolicy.FGD, FragmentationPolicy.FGD_EXACT)) {
                FragmentationBench.PolicyResult o = find(r, other);
                if (o != null) {
                    sb.append(String.format(Locale.ROOT, "  phalanx leaves %.2fx the unallocated GPUs of %s in this run (%.0f vs %.0f GPUs)%n",
                            phalanx.unallocatedGpuPct().mean() / o.unallocatedGpuPct().mean(), other.cliName(),
                            phalanx.unallocatedGpuPct().mean() * gpus, o.unallocatedGpuPct().mean() * gpus));
                }
            }
            Optional<PublishedFragmentationResults.Figure> fgdPublished = publishedFigure(published, podsFile, FragmentationPolicy.FGD);
            fgdPublished.ifPresent(f -> sb.append(String.format(Locale.ROOT,
                    "  phalanx leaves %.2fx the unallocated GPUs of FGD as published (%.2f%% vs %.2f%%)%n",
                    phalanx.unallocatedGpuPct().mean() / f.mean(), phalanx.unallocatedGpuPct().mean(), f.mean())));
        }
        if (published != null) {
            sb.append("  published: ").append(published.file()).append(", from hkust-adsl/kubernetes-scheduler-simulator\n")
                    .append("             experiments/analysis/expected_results/analysis_allo_discrete.csv (the FGD paper's artifact)\n");
        }
        sb.append(String.format(Locale.ROOT, "  took %.1f s on %d threads%n", r.wallSeconds(), threads));
        return sb.toString();
    }

    private static Optional<PublishedFragmentationResults.Figure> publishedFigure(PublishedFragmentationResults published,
                                                                               Path podsFile, FragmentationPolicy policy) {
        return published == null || policy.publishedName() == null ? Optional.empty()
                : published.figure(podsFile, policy.publishedName());
    }

    private static FragmentationBench.PolicyResult find(FragmentationBench.Result r, FragmentationPolicy policy) {
        return r.policies().stream().filter(p -> p.policy() == policy).findFirst().orElse(null);
    }
}
