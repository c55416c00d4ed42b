package dev.phalanx.bench.fragmentation;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Baseline that keeps idle GPUs idle, in the order the FGD paper describes: a shared pod goes first onto a
 * device someone already uses, then any pod onto a node with some GPU in use, and onto an idle node last;
 * a random node within the best class. Every pod follows this order, a CPU-only pod too (it then prefers
 * nodes whose GPUs are in use). On its node a shared pod takes the device it fills best.
 */
public final class GpuPackingPolicy implements NodeScoringPolicy {
    private static final long ONTO_USED_DEVICE = KubeSchedulerSelection.MAX_SCORE;
    private static final long ONTO_ACTIVE_NODE = KubeSchedulerSelection.MAX_SCORE / 2;
    private static final long ONTO_IDLE_NODE = 0;

    private final RandomGenerator random;

    public GpuPackingPolicy(RandomGenerator random) {
        this.random = random;
    }

    @Override
    public NodeChoice choose(GpuDemand pod, List<GpuNodeState> nodes) {
        KubeSchedulerSelection selection = new KubeSchedulerSelection(random);
        for (int i = 0; i < nodes.size(); i++) {
            GpuNodeState n = nodes.get(i);
            if (n.fits(pod)) {
                selection.offer(i, -1, score(n, pod));
            }
        }
        NodeChoice c = selection.choice();
        return c.found() ? new NodeChoice(c.node(), DeviceChoice.bestFit(nodes.get(c.node()), pod)) : c;
    }

    static long score(GpuNodeState n, GpuDemand pod) {
        if (pod.sharesDevice()) {
            for (int d = 0; d < n.gpuDevices(); d++) {
                int free = n.deviceFree(d);
                if (free < GpuDemand.WHOLE_DEVICE && free >= pod.gpuMilliPerDevice()) {
                    return ONTO_USED_DEVICE;
                }
            }
        }
        return n.gpuMilliFree() < n.gpuMilliCapacity() ? ONTO_ACTIVE_NODE : ONTO_IDLE_NODE;
    }
}
