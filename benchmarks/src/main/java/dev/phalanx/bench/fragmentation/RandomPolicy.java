package dev.phalanx.bench.fragmentation;

import java.util.List;
import java.util.random.RandomGenerator;

/** Baseline: a uniformly random node among those the pod fits, and a random device with room for a shared pod. */
public final class RandomPolicy implements NodeScoringPolicy {
    private final RandomGenerator random;

    public RandomPolicy(RandomGenerator random) {
        this.random = random;
    }

    @Override
    public NodeChoice choose(GpuDemand pod, List<GpuNodeState> nodes) {
        int chosen = -1;
        int seen = 0;
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).fits(pod) && random.nextInt(++seen) == 0) {
                chosen = i;
            }
        }
        return chosen < 0 ? NodeChoice.NONE : new NodeChoice(chosen, DeviceChoice.random(nodes.get(chosen), pod, random));
    }
}
