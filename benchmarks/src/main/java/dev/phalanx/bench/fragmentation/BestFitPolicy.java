package dev.phalanx.bench.fragmentation;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Baseline: the node with the least CPU and GPU left after the pod, the two added after dividing each by
 * the largest node's capacity (the fewer left, the higher the score). Scored as a kube-scheduler plugin
 * ({@link KubeSchedulerSelection}); a shared pod takes the device it fills best.
 */
public final class BestFitPolicy implements NodeScoringPolicy {
    private final RandomGenerator random;
    private ClusterScale scale;

    public BestFitPolicy(RandomGenerator random) {
        this.random = random;
    }

    @Override
    public NodeChoice choose(GpuDemand pod, List<GpuNodeState> nodes) {
        if (scale == null) {
            scale = ClusterScale.of(nodes);
        }
        KubeSchedulerSelection selection = new KubeSchedulerSelection(random);
        for (int i = 0; i < nodes.size(); i++) {
            GpuNodeState n = nodes.get(i);
            if (n.fits(pod)) {
                double left = (n.cpuFree() - pod.cpuMilli()) / scale.cpuMilli()
                        + (n.gpuMilliFree() - pod.gpuMilli()) / scale.gpuMilli();
                selection.offer(i, -1, KubeSchedulerSelection.score(1 - left / 2));
            }
        }
        NodeChoice c = selection.choice();
        return c.found() ? new NodeChoice(c.node(), DeviceChoice.bestFit(nodes.get(c.node()), pod)) : c;
    }
}
