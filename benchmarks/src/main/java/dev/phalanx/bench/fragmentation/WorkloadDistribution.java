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

    public List<Shape> shapes() {
        return shapes;
    }
}
