package dev.phalanx.bench.fragmentation;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The target workload as FGD sees it: how often each pod shape (CPU, GPU count, GPU share per device,
 * allowed GPU models) occurs, estimated by counting the shapes of a pod list. Memory is left out of the
 * shape, as in the paper: fragmentation is about GPUs, and CPU is the resource that strands them.
 */
public final class WorkloadDistribution {
    /** One pod shape and the share of pods that have it (the shares of all shapes sum to 1). */
    public record Shape(long cpuMilli, int gpuCount, int gpuMilliPerDevice, Set<String> allowedModels, double probability) {
        public Shape {
            allowedModels = Set.copyOf(allowedModels);
        }
    }

    private record Key(long cpuMilli, int gpuCount, int gpuMilliPerDevice, Set<String> allowedModels) {
    }

    private final List<Shape> shapes;

    private WorkloadDistribution(List<Shape> shapes) {
        this.shapes = List.copyOf(shapes);
    }

    public static WorkloadDistribution of(Collection<GpuDemand> pods) {
        if (pods.isEmpty()) {
            throw new IllegalArgumentException("cannot estimate a workload from an empty pod list");
        }
        Map<Key, Integer> counts = new LinkedHashMap<>();
        for (GpuDemand p : pods) {
            counts.merge(new Key(p.cpuMilli(), p.gpuCount(), p.gpuMilliPerDevice(), p.allowedModels()), 1, Integer::sum);
        }
        List<Shape> shapes = new ArrayList<>();
        counts.forEach((k, n) -> shapes.add(new Shape(k.cpuMilli, k.gpuCount, k.gpuMilliPerDevice, k.allowedModels,
                n / (double) pods.size())));
        // most frequent first, then by size, so the order never depends on the order of the pod list
        shapes.sort(Comparator.comparingDouble(Shape::probability).reversed()
                .thenComparingInt(Shape::gpuCount).thenComparingInt(Shape::gpuMilliPerDevice)
                .thenComparingLong(Shape::cpuMilli).thenComparing(s -> String.join("|", s.allowedModels().stream().sorted().toList())));
        return new WorkloadDistribution(shapes);
    }

    /**
     * FGD's target workload as its published runs built it (hkust-adsl/kubernetes-scheduler-simulator at
     * 8f3d641, {@code podPopularityThreshold: 95}): pod types keyed by (CPU, GPU share per device, GPU count,
     * {@code gpu_spec} as written), the most frequent first (ties: the larger CPU, share, count and spec
     * first), kept until they cover {@code cut} of the pods, their shares renormalised over those kept.
     * {@code specs.get(i)} is pod {@code i}'s {@code gpu_spec} text.
     */
    public static WorkloadDistribution popularTypes(List<GpuDemand> pods, List<String> specs, double cut) {
        if (pods.isEmpty() || pods.size() != specs.size()) {
            throw new IllegalArgumentException("one gpu_spec per pod, and at least one pod");
        }
        record Type(long cpuMilli, int gpuMilliPerDevice, int gpuCount, String spec, java.util.Set<String> models) {
        }
        Map<Type, Integer> counts = new LinkedHashMap<>();
        for (int i = 0; i < pods.size(); i++) {
            GpuDemand p = pods.get(i);
            String spec = p.gpuCount() == 0 ? "" : specs.get(i);
            counts.merge(new Type(p.cpuMilli(), p.gpuMilliPerDevice(), p.gpuCount(), spec, p.allowedModels()), 1, Integer::sum);
        }
        List<Map.Entry<Type, Integer>> ranked = new ArrayList<>(counts.entrySet());
        ranked.sort(Comparator.<Map.Entry<Type, Integer>>comparingInt(Map.Entry::getValue).reversed()
                .thenComparing(e -> e.getKey().cpuMilli(), Comparator.reverseOrder())
                .thenComparing(e -> e.getKey().gpuMilliPerDevice(), Comparator.reverseOrder())
                .thenComparing(e -> e.getKey().gpuCount(), Comparator.reverseOrder())
                .thenComparing(e -> e.getKey().spec(), Comparator.reverseOrder()));
        List<Map.Entry<Type, Integer>> kept = new ArrayList<>();
        long covered = 0;
        for (Map.Entry<Type, Integer> e : ranked) {
            if (covered >= cut * pods.size()) {
                break;
            }
            kept.add(e);
            covered += e.getValue();
        }
        List<Shape> shapes = new ArrayList<>();
        for (Map.Entry<Type, Integer> e : kept) {
            Type t = e.getKey();
            shapes.add(new Shape(t.cpuMilli(), t.gpuCount(), t.gpuMilliPerDevice(), t.models(), e.getValue() / (double) covered));
        }
        return new WorkloadDistribution(shapes);
    }

    public List<Shape> shapes() {
        return shapes;
    }
}
