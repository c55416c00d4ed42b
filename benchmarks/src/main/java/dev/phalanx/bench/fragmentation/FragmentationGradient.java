package dev.phalanx.bench.fragmentation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How much a node's {@link NodeFragmentation fragmentation} grows when a pod lands on it, and on which
 * device a shared pod grows it least. Results are cached per node and pod shape and recomputed only
 * after the node changed ({@link GpuNodeState#version()}), because placing one pod changes one node: a
 * replay then computes each (node, shape) pair about once per change of that node instead of once per
 * pod, which is what makes FGD affordable on a thousand-node cluster.
 */
public final class FragmentationGradient {
    /** What the change depends on: CPU taken and GPU taken (memory and GPU model do not enter the measure). */
    private record ShapeKey(long cpuMilli, int gpuCount, int gpuMilliPerDevice) {
    }

    private static final double SAME = 1e-9; // fragmentation values closer than this are equal

    private final NodeFragmentation measure;
    private final Map<ShapeKey, Integer> shapeIds = new HashMap<>();
    private final List<long[]> computedAt = new ArrayList<>(); // per shape, per node: node version + 1, 0 = never
    private final List<double[]> deltas = new ArrayList<>();
    private final List<int[]> devices = new ArrayList<>();
    private long[] fragmentationAt = new long[0];
    private double[] fragmentation = new double[0];

    public FragmentationGradient(NodeFragmentation measure) {
        this.measure = measure;
    }

    /** The node's fragmentation now. */
    public double fragmentation(int nodeIndex, GpuNodeState node) {
        ensureNodes(nodeIndex + 1);
        if (fragmentationAt[nodeIndex] != node.version() + 1) {
            fragmentation[nodeIndex] = measure.of(node);
            fragmentationAt[nodeIndex] = node.version() + 1;
        }
        return fragmentation[nodeIndex];
    }

    /** Growth of the node's fragmentation if {@code pod} (which must fit) went there, on its best device. */
    public double delta(int nodeIndex, GpuNodeState node, GpuDemand pod) {
        int shape = compute(nodeIndex, node, pod);
        return deltas.get(shape)[nodeIndex];
    }

    /** The device on which the shared {@code pod} grows the node's fragmentation least (lowest index on ties); -1 for other pods. */
    public int bestDevice(int nodeIndex, GpuNodeState node, GpuDemand pod) {
        int shape = compute(nodeIndex, node, pod);
        return devices.get(shape)[nodeIndex];
    }

    private int compute(int nodeIndex, GpuNodeState node, GpuDemand pod) {
        ensureNodes(nodeIndex + 1);
        int shape = shapeIds.computeIfAbsent(new ShapeKey(pod.cpuMilli(), pod.gpuCount(), pod.gpuMilliPerDevice()), k -> {
            computedAt.add(new long[fragmentation.length]);
            deltas.add(new double[fragmentation.length]);
            devices.add(new int[fragmentation.length]);
            return computedAt.size() - 1;
        });
        long[] at = computedAt.get(shape);
        if (at[nodeIndex] == node.version() + 1) {
            return shape;
        }
        double before = fragmentation(nodeIndex, node);
        double best = Double.POSITIVE_INFINITY;
        int bestDevice = -1;
        if (pod.sharesDevice()) {
            for (int d = 0; d < node.gpuDevices(); d++) {
                int free = node.deviceFree(d);
                if (free >= pod.gpuMilliPerDevice() && !sameRoomEarlier(node, d)) {
                    double after = measure.after(node, pod, d);
                    if (after < best - SAME) {
                        best = after;
                        bestDevice = d;
                    }
                }
            }
        } else {
            best = measure.after(node, pod, -1);
        }
        deltas.get(shape)[nodeIndex] = best - before;
        devices.get(shape)[nodeIndex] = bestDevice;
        at[nodeIndex] = node.version() + 1;
        return shape;
    }

    /** Devices with equal room give equal results: only the first of them is worth computing. */
    private static boolean sameRoomEarlier(GpuNodeState node, int d) {
        for (int e = 0; e < d; e++) {
            if (node.deviceFree(e) == node.deviceFree(d)) {
                return true;
            }
        }
        return false;
    }

    private void ensureNodes(int n) {
        if (n <= fragmentation.length) {
            return;
        }
        int size = Math.max(n, fragmentation.length * 2);
        fragmentationAt = Arrays.copyOf(fragmentationAt, size);
        fragmentation = Arrays.copyOf(fragmentation, size);
        for (int s = 0; s < computedAt.size(); s++) {
            computedAt.set(s, Arrays.copyOf(computedAt.get(s), size));
            deltas.set(s, Arrays.copyOf(deltas.get(s), size));
            devices.set(s, Arrays.copyOf(devices.get(s), size));
        }
    }
}
