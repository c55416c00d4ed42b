package dev.phalanx.bench.fragmentation;

/**
 * A node's fragmentation: how much of its free GPU, in thousandths of a device, the target workload is
 * expected to be unable to use. Lower is better; a node with no free GPU has none.
 */
public interface NodeFragmentation {
    /** Fragmentation of a node of GPU {@code model} with {@code cpuFree} and the given free thousandths per device. */
    double of(String model, long cpuFree, int[] deviceFree);

    /** The node's fragmentation now. */
    default double of(GpuNodeState node) {
        return of(node.model(), node.cpuFree(), node.deviceFreeSnapshot());
    }

    /** The node's fragmentation if {@code pod} were placed on it ({@code sharedDevice} for a shared pod). */
    default double after(GpuNodeState node, GpuDemand pod, int sharedDevice) {
        return of(node.model(), node.cpuFree() - pod.cpuMilli(), node.deviceFreeAfter(pod, sharedDevice));
    }
}
