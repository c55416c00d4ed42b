package dev.phalanx.bench.fragmentation;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Baseline after Tetris (Grandl et al., SIGCOMM 2014) as the FGD paper compares against it: the dot product
 * of the pod's CPU and GPU demand with the node's free CPU and GPU, each divided by the largest node's
 * capacity; the smaller the product, the higher the node's score (the pod goes where it leaves least
 * room of the kind it uses). GPUs count as one dimension, all devices together. Scored as a kube-scheduler
 * plugin ({@link KubeSchedulerSelection}); a shared pod takes the device it fills best.
 */
public final class DotProductPolicy implements NodeScoringPolicy {
    private final RandomGenerator random;
    private ClusterScale scale;

    public DotProductPolicy(RandomGenerator random) {
        this.random = random;
    }

    @Override
    public NodeChoice choose(GpuDemand pod, List<GpuNodeState> nodes) {
        if (scale == null) {
            scale = ClusterScale.of(nodes);
        }
        KubeSchedulerSelection selection = new KubeSchedulerSelection(random);
        double cpu = pod.cpuMilli() / scale.cpuMilli();
        double gpu = pod.gpuMilli() / scale.gpuMilli();
        for (int i = 0; i < nodes.size(); i++) {
            GpuNodeState n = nodes.get(i);
            if (n.fits(pod)) {
                double dot = cpu * n.cpuFree() / scale.cpuMilli() + gpu * n.gpuMilliFree() / scale.gpuMilli();
                selection.offer(i, -1, KubeSchedulerSelection.score(1 - dot / 2));
            }
        }
        NodeChoice c = selection.choice();
        return c.found() ? new NodeChoice(c.node(), DeviceChoice.bestFit(nodes.get(c.node()), pod)) : c;
    }
}
