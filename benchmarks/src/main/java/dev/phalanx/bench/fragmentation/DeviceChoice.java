package dev.phalanx.bench.fragmentation;

import java.util.random.RandomGenerator;

/** Which device of a node a shared pod goes on, for the policies that do not weigh devices themselves. */
final class DeviceChoice {
    private DeviceChoice() {
    }

    /** The device with the least room that still holds the shared pod (lowest index on ties); -1 for other pods. */
    static int bestFit(GpuNodeState node, GpuDemand pod) {
        if (!pod.sharesDevice()) {
            return -1;
        }
        int best = -1;
        for (int d = 0; d < node.gpuDevices(); d++) {
            int free = node.deviceFree(d);
            if (free >= pod.gpuMilliPerDevice() && (best < 0 || free < node.deviceFree(best))) {
                best = d;
            }
        }
        return best;
    }

    /** A uniformly random device that holds the shared pod; -1 for other pods. */
    static int random(GpuNodeState node, GpuDemand pod, RandomGenerator random) {
        if (!pod.sharesDevice()) {
            return -1;
        }
        int chosen = -1;
        int seen = 0;
        for (int d = 0; d < node.gpuDevices(); d++) {
            if (node.deviceFree(d) >= pod.gpuMilliPerDevice() && random.nextInt(++seen) == 0) {
                chosen = d;
            }
        }
        return chosen;
    }
}
