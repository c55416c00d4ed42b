package dev.phalanx.bench.fragmentation;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node's fragmentation over a longer horizon than the next pod: for each pod shape of the workload, the
 * free GPU left over after packing onto the node as many pods of that shape as fit together, weighed by
 * the shape's frequency. FGD's {@link NextPodFragmentation} calls a node with 8 free GPUs and 30 free cores
 * unfragmented for a 1-GPU, 11-core pod, since one such pod fits; here 6 of those GPUs are stranded,
 * because only two such pods fit the CPU. Likewise a device with 530 thousandths free holds one 470 pod
 * and wastes 60, but one 320 pod and wastes 210: the leftover of the device counts, not only whether the
 * next pod fits. How many pods of a shape fit is the least of what the CPU allows and what the devices
 * allow (whole free devices per {@code gpuCount} for whole-GPU pods; the sum over devices of
 * {@code free / share} for shared pods). Memory is left out, as in FGD.
 */
public final class PackedPodsFragmentation implements NodeFragmentation {
    private final double cpuOnlyProbability;
    private final long[] cpuMilli;
    private final int[] gpuCount;
    private final int[] share;
    private final double[] probability;
    private final List<Set<String>> allowedModels;
    private final int[] distinctShares;
    private final int[] shareIndex;
    private final Map<String, boolean[]> allowedByModel = new ConcurrentHashMap<>();

    public PackedPodsFragmentation(WorkloadDistribution workload) {
        List<WorkloadDistribution.Shape> gpuShapes = workload.shapes().stream().filter(s -> s.gpuCount() > 0).toList();
        this.cpuOnlyProbability = workload.shapes().stream().filter(s -> s.gpuCount() == 0)
                .mapToDouble(WorkloadDistribution.Shape::probability).sum();
        int n = gpuShapes.size();
        this.cpuMilli = new long[n];
        this.gpuCount = new int[n];
        this.share = new int[n];
        this.probability = new double[n];
        this.allowedModels = gpuShapes.stream().map(WorkloadDistribution.Shape::allowedModels).toList();
        TreeSet<Integer> shares = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            WorkloadDistribution.Shape s = gpuShapes.get(i);
            cpuMilli[i] = s.cpuMilli();
            gpuCount[i] = s.gpuCount();
            share[i] = s.gpuMilliPerDevice();
            probability[i] = s.probability();
            shares.add(s.gpuMilliPerDevice());
        }
        this.distinctShares = shares.stream().mapToInt(Integer::intValue).toArray();
        this.shareIndex = new int[n];
        for (int i = 0; i < n; i++) {
            shareIndex[i] = Arrays.binarySearch(distinctShares, share[i]);
        }
    }

    @Override
    public double of(String model, long cpuFree, int[] deviceFree) {
        long totalFree = 0;
        for (int f : deviceFree) {
            totalFree += f;
        }
        if (totalFree == 0) {
            return 0;
        }
        // per distinct share: how many pods of that share the devices hold (a whole-GPU share: free devices)
        long[] slots = new long[distinctShares.length];
        for (int s = 0; s < distinctShares.length; s++) {
            for (int f : deviceFree) {
                slots[s] += f / distinctShares[s];
            }
        }
        boolean[] allowed = allowed(model);
        double unusable = cpuOnlyProbability * totalFree;
        for (int i = 0; i < probability.length; i++) {
            long fit = allowed[i] ? slots[shareIndex[i]] / gpuCount[i] : 0;
            if (cpuMilli[i] > 0) {
                fit = Math.min(fit, cpuFree / cpuMilli[i]);
            }
            unusable += probability[i] * (totalFree - fit * gpuCount[i] * share[i]);
        }
        return unusable;
    }

    private boolean[] allowed(String model) {
        return allowedByModel.computeIfAbsent(model, m -> {
            boolean[] a = new boolean[allowedModels.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = allowedModels.get(i).isEmpty() || allowedModels.get(i).contains(m);
            }
            return a;
        });
    }
}
