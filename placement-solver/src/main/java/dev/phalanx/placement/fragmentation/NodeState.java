package dev.phalanx.placement.fragmentation;

import java.util.Arrays;
import java.util.Objects;

/**
 * What fragmentation reads of a node: its GPU model ({@code null} without the label), its free CPU and the free
 * thousandths of each of its GPU devices, in ascending order (which device is which does not matter to the
 * measure). Nodes in the same state are alike to it, so measures are cached by state.
 */
public final class NodeState {
    private final String model;
    private final long cpuCapacity;
    private final long cpuFree;
    private final int[] devices; // ascending
    private final int hash;

    private NodeState(String model, long cpuCapacity, long cpuFree, int[] ascending) {
        this.model = model;
        this.cpuCapacity = cpuCapacity;
        this.cpuFree = cpuFree;
        this.devices = ascending;
        this.hash = 31 * (31 * (31 * Objects.hashCode(model) + Long.hashCode(cpuCapacity)) + Long.hashCode(cpuFree))
                + Arrays.hashCode(ascending);
    }

    /**
     * The state of a node of {@code cpuCapacity} with {@code deviceFree} thousandths free per device (in any order;
     * not kept).
     */
    public static NodeState of(String model, long cpuCapacity, long cpuFree, int[] deviceFree) {
        int[] sorted = deviceFree.clone();
        Arrays.sort(sorted);
        return new NodeState(model, cpuCapacity, cpuFree, sorted);
    }

    public long cpuCapacity() {
        return cpuCapacity;
    }

    public String model() {
        return model;
    }

    public long cpuFree() {
        return cpuFree;
    }

    public int devices() {
        return devices.length;
    }

    /** Free thousandths of the {@code k}-th device, devices in ascending order of free room. */
    public int deviceFree(int k) {
        return devices[k];
    }

    public long gpuMilliFree() {
        long sum = 0;
        for (int f : devices) {
            sum += f;
        }
        return sum;
    }

    /**
     * The state after a pod of {@code shape} lands here, its devices taken by the cycle's one rule
     * ({@code CapacityView.chooseDevices}): a fraction on the fullest device that still holds it, whole GPUs on
     * devices nobody uses. Null when the pod's GPUs do not fit the devices (CPU is not checked).
     */
    public NodeState after(PodShape shape) {
        int[] next = devices.clone();
        if (shape.gpus() > 0) {
            if (shape.sharesDevice()) {
                int d = 0;
                while (d < next.length && next[d] < shape.gpuMilliPerDevice()) {
                    d++;
                }
                if (d == next.length) {
                    return null;
                }
                next[d] -= shape.gpuMilliPerDevice();
            } else {
                int left = shape.gpus();
                for (int d = next.length - 1; d >= 0 && left > 0 && next[d] == PodShape.WHOLE_DEVICE; d--) {
                    next[d] = 0;
                    left--;
                }
                if (left > 0) {
                    return null;
                }
            }
            Arrays.sort(next);
        }
        return new NodeState(model, cpuCapacity, cpuFree - shape.cpuMilli(), next);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NodeState s && s.hash == hash && s.cpuFree == cpuFree && s.cpuCapacity == cpuCapacity
                && Objects.equals(s.model, model)
                && Arrays.equals(s.devices, devices);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return model + " cpu " + cpuFree + "m devices " + Arrays.toString(devices);
    }
}
