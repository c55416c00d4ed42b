package dev.phalanx.bench.trace;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The FGD paper's published figures, read from the CSV shipped in {@code benchmarks/data/fgd-atc23/}
 * (columns {@code workload, policy, unalloc_gpu_pct_mean, unalloc_gpu_pct_sd}): percent of GPUs
 * unallocated when arrived demand reaches 100%, per workload (the pod list's file name without
 * {@code .csv}) and policy.
 */
public final class PublishedFragmentationResults {
    public static final String SHIPPED = "benchmarks/data/fgd-atc23/fgd_atc23_unalloc_gpu_pct_at_arrived100.csv";

    public record Figure(double mean, double sd) {
    }

    private final Path file;
    private final Map<String, Figure> figures;

    private PublishedFragmentationResults(Path file, Map<String, Figure> figures) {
        this.file = file;
        this.figures = figures;
    }

    public static PublishedFragmentationResults read(Path file) {
        CsvTable t = CsvTable.read(file);
        int workload = t.column("workload"), policy = t.column("policy"), mean = t.column("unalloc_gpu_pct_mean"),
                sd = t.column("unalloc_gpu_pct_sd");
        Map<String, Figure> figures = new HashMap<>();
        for (int r = 0; r < t.size(); r++) {
            figures.put(t.text(r, workload) + "/" + t.text(r, policy),
                    new Figure(t.decimal(r, mean, "unalloc_gpu_pct_mean"), t.decimal(r, sd, "unalloc_gpu_pct_sd")));
        }
        return new PublishedFragmentationResults(file, figures);
    }

    public Path file() {
        return file;
    }

    /** The published figure for the pod list {@code podsFile} and the policy named {@code publishedPolicy}. */
    public Optional<Figure> figure(Path podsFile, String publishedPolicy) {
        return figure(workloadName(podsFile), publishedPolicy);
    }

    /** The published figure for the workload named as in the artifact (e.g. openb_pod_list_gpuspec20). */
    public Optional<Figure> figure(String workload, String publishedPolicy) {
        return Optional.ofNullable(figures.get(workload + "/" + publishedPolicy));
    }

    /** The artifact's name for workload {@code name} of {@link AlibabaWorkloads#NAMES}. */
    public static String artifactName(String name) {
        return "openb_pod_list_" + name;
    }

    public static String workloadName(Path podsFile) {
        String name = podsFile.getFileName().toString();
        return name.endsWith(".csv") ? name.substring(0, name.length() - 4) : name;
    }
}
