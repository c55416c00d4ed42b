package dev.phalanx.bench.fragmentation;

import java.util.List;

/**
 * Phalanx's node scoring for GPU-sharing workloads: fragmentation gradient descent over two horizons.
 *
 * <p>FGD's measure ({@link NextPodFragmentation}) asks what the next pod could not use; it misses GPUs that
 * the first pod of a shape can use but a run of them cannot: a node whose free CPU runs out after two more
 * 1-GPU pods while six GPUs are free, or a device left with 210 thousandths after a 320 pod took a 530 gap
 * that a frequent 470 pod would have filled to 60. {@link PackedPodsFragmentation} sees those. Phalanx
 * weighs the two equally (no tuning: the figures move little between weights of 0.3 and 0.5 for either
 * measure) and sends each pod to the node whose combined fragmentation grows least, a shared pod onto the
 * device where it grows least. Nodes that tie exactly go to the fuller node (least GPU, then least CPU
 * left), so whole nodes stay free for multi-GPU pods, then to the lower index: the same input always gives
 * the same placement (invariant 5).
 */
public final class PhalanxFragmentationPolicy implements NodeScoringPolicy {
    static final double NEXT_POD_WEIGHT = 0.5;
    private static final double TIE = 1e-9;

    private final FragmentationGradient gradient;

    public PhalanxFragmentationPolicy(WorkloadDistribution workload) {
        NextPodFragmentation nextPod = new NextPodFragmentation(workload);
        PackedPodsFragmentation packed = new PackedPodsFragmentation(workload);
        this.gradient = new FragmentationGradient((model, cpuFree, deviceFree) ->
                NEXT_POD_WEIGHT * nextPod.of(model, cpuFree, deviceFree)
                        + (1 - NEXT_POD_WEIGHT) * packed.of(model, cpuFree, deviceFree));
    }

    @Override
    public NodeChoice choose(GpuDemand pod, List<GpuNodeState> nodes) {
        int best = -1;
        double bestDelta = 0;
        long bestGpuLeft = 0, bestCpuLeft = 0;
        for (int i = 0; i < nodes.size(); i++) {
            GpuNodeState n = nodes.get(i);
            if (!n.fits(pod)) {
                continue;
            }
            double delta = gradient.delta(i, n, pod);
            long gpuLeft = n.gpuMilliFree() - pod.gpuMilli();
            long cpuLeft = n.cpuFree() - pod.cpuMilli();
            boolean better = best < 0 || delta < bestDelta - TIE
                    || (delta <= bestDelta + TIE && (gpuLeft < bestGpuLeft || (gpuLeft == bestGpuLeft && cpuLeft < bestCpuLeft)));
            if (better) {
                best = i;
                bestDelta = delta;
                bestGpuLeft = gpuLeft;
                bestCpuLeft = cpuLeft;
            }
        }
        return best < 0 ? NodeChoice.NONE : new NodeChoice(best, gradient.bestDevice(best, nodes.get(best), pod));
    }
}
