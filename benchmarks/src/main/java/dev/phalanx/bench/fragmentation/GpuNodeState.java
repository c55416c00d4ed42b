package dev.phalanx.bench.fragmentation;

import java.util.Arrays;

/**
 * One GPU node's capacity and what is free on it, down to each GPU device (thousandths of a device).
 * It keeps invariant 1: {@link #assign} refuses anything that does not fit, so no node and no device is
 * ever over-committed. Plain numbers rather than {@code Resources} maps: policies ask "does it fit" and
 * "what would be left" for every node on every pod, and this is the loop that has to be fast.
 * {@link #version()} changes on every assignment, so a policy may cache what it computed for a node.
 */
public final class GpuNodeState {
    private final String name;
    private final String model;
    private final long cpuCapacity;
    private final int[] deviceFree;
    private long cpuFree;
    private long memoryFree;
    private long version;

    public GpuNodeState(String name, String model, long cpuMilli, long memoryMib, int gpuDevices) {
        if (cpuMilli < 0 || memoryMib < 0 || gpuDevices < 0) {
            throw new IllegalArgumentException("node " + name + ": negative capacity");
        }
        this.name = name;
        this.model = model;
        this.cpuCapacity = cpuMilli;
        this.cpuFree = cpuMilli;
        this.memoryFree = memoryMib;
        this.deviceFree = new int[gpuDevices];
        Arrays.fill(deviceFree, GpuDemand.WHOLE_DEVICE);
    }

    public String name() {
        return name;
    }

    public String model() {
        return model;
    }

    public long cpuCapacity() {
        return cpuCapacity;
    }

    public int gpuDevices() {
        return deviceFree.length;
    }

    public long cpuFree() {
        return cpuFree;
    }

    public long memoryFree() {
        return memoryFree;
    }

    /** Thousandths still free on device {@code d}. */
    public int deviceFree(int d) {
        return deviceFree[d];
    }

    /** A copy of the free thousandths of every device. */
    public int[] deviceFreeSnapshot() {
        return deviceFree.clone();
    }

    public long gpuMilliCapacity() {
        return (long) deviceFree.length * GpuDemand.WHOLE_DEVICE;
    }

    public long gpuMilliFree() {
        long sum = 0;
        for (int f : deviceFree) {
            sum += f;
        }
        return sum;
    }

    public long version() {
        return version;
    }

    /** True when {@code pod} fits here now: GPU model, CPU, memory and its devices. */
    public boolean fits(GpuDemand pod) {
        if (pod.cpuMilli() > cpuFree || pod.memoryMib() > memoryFree) {
            return false;
        }
        if (pod.gpuCount() == 0) {
            return true;
        }
        if (!pod.allows(model)) {
            return false;
        }
        int usable = 0;
        for (int f : deviceFree) {
            if (f >= pod.gpuMilliPerDevice()) {
                usable++;
            }
        }
        return usable >= pod.gpuCount();
    }

    /** Free thousandths per device as they would be after {@link #assign}{@code (pod, sharedDevice)}; changes nothing. */
    public int[] deviceFreeAfter(GpuDemand pod, int sharedDevice) {
        int[] after = deviceFree.clone();
        if (pod.sharesDevice()) {
            after[sharedDevice] -= pod.gpuMilliPerDevice();
        } else {
            for (int d = 0, left = pod.gpuCount(); d < after.length && left > 0; d++) {
                if (after[d] == GpuDemand.WHOLE_DEVICE) {
                    after[d] = 0;
                    left--;
                }
            }
        }
        return after;
    }

    /**
     * Takes what {@code pod} asks for. A shared pod goes on {@code sharedDevice}; a pod of whole devices
     * takes the lowest-numbered free ones ({@code sharedDevice} is ignored: free whole devices are alike).
     * Returns the devices used.
     */
    public int[] assign(GpuDemand pod, int sharedDevice) {
        if (!fits(pod)) {
            throw new IllegalStateException("pod " + pod + " does not fit node " + name);
        }
        int[] used;
        if (pod.sharesDevice()) {
            if (sharedDevice < 0 || sharedDevice >= deviceFree.length || deviceFree[sharedDevice] < pod.gpuMilliPerDevice()) {
                throw new IllegalStateException("pod " + pod + " does not fit device " + sharedDevice + " of node " + name);
            }
            deviceFree[sharedDevice] -= pod.gpuMilliPerDevice();
            used = new int[]{sharedDevice};
        } else {
            used = new int[pod.gpuCount()];
            int k = 0;
            for (int d = 0; d < deviceFree.length && k < used.length; d++) {
                if (deviceFree[d] == GpuDemand.WHOLE_DEVICE) {
                    deviceFree[d] = 0;
                    used[k++] = d;
                }
            }
        }
        cpuFree -= pod.cpuMilli();
        memoryFree -= pod.memoryMib();
        version++;
        return used;
    }
}
