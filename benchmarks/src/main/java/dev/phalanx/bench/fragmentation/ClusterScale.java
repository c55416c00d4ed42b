package dev.phalanx.bench.fragmentation;

import java.util.List;

/**
 * The largest CPU and GPU capacity of any node: the unit that makes CPU and GPU comparable in the
 * baselines that add or multiply them, so a resource counts by its share of the biggest node.
 */
record ClusterScale(double cpuMilli, double gpuMilli) {
    static ClusterScale of(List<GpuNodeState> nodes) {
        long cpu = 1, gpu = 1;
        for (GpuNodeState n : nodes) {
            cpu = Math.max(cpu, n.cpuCapacity());
            gpu = Math.max(gpu, n.gpuMilliCapacity());
        }
        return new ClusterScale(cpu, gpu);
    }
}
