package dev.phalanx.placement.solver;

import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.placement.fragmentation.Fragmentation;
import dev.phalanx.placement.fragmentation.NodeState;

import java.util.List;
import java.util.Map;

/**
 * A node a pod may be placed on, with what was free on it before this problem's pods: resources and,
 * per GPU device, thousandths of the device. {@code position} is its place in the problem's node list.
 * {@code fragmentation} measures its free GPU against the cycle's workload (null: not measured).
 */
public final class NodeSlot {
    private final int position;
    private final NodeInfo info;
    private final Resources free;
    private final int[] deviceFree;
    private final NvlinkDomain nvlinkDomain;
    private final Fragmentation fragmentation;
    private final NodeState before;

    public NodeSlot(int position, NodeInfo info, Resources free, int[] deviceFree, NvlinkDomain nvlinkDomain) {
        this(position, info, free, deviceFree, nvlinkDomain, null);
    }

    public NodeSlot(int position, NodeInfo info, Resources free, int[] deviceFree, NvlinkDomain nvlinkDomain,
                    Fragmentation fragmentation) {
        this.position = position;
        this.info = info;
        this.free = free;
        this.deviceFree = deviceFree.clone();
        this.nvlinkDomain = nvlinkDomain;
        this.fragmentation = fragmentation;
        this.before = fragmentation == null ? null : state(free.milli(Keys.CPU), deviceFree);
    }

    private NodeState state(long cpuFree, int[] devices) {
        return NodeState.of(info.label(Keys.GPU_PRODUCT_LABEL), info.allocatable().milli(Keys.CPU), cpuFree, devices);
    }

    /**
     * What {@code pods} landing on the node cost in fragmentation ({@link Fragmentation#cost}: its growth and
     * the pressure on the node's GPU model), with the devices {@link DevicePacking} gives them, in thousandths
     * of a GPU (negative: fragmentation shrinks); 0 when not measured.
     */
    public double fragmentationGrowth(List<PodInfo> pods) {
        if (fragmentation == null || pods.isEmpty()) {
            return 0;
        }
        int[] left = deviceFree.clone();
        long cpu = free.milli(Keys.CPU);
        long gpu = 0;
        Map<String, List<Integer>> devices = DevicePacking.pack(deviceFree, pods).devices();
        for (PodInfo p : pods) {
            cpu -= p.requests().milli(Keys.CPU);
            gpu += p.requests().milli(Keys.GPU);
            List<Integer> d = devices.get(p.key());
            if (d != null) {
                CapacityView.takeDevices(left, p, d);
            }
        }
        return fragmentation.cost(before, state(cpu, left), gpu);
    }

    public int position() {
        return position;
    }

    public NodeInfo info() {
        return info;
    }

    public String name() {
        return info.name();
    }

    public String label(String key) {
        return info.label(key);
    }

    public Resources free() {
        return free;
    }

    /** A copy: packing works on its own. */
    public int[] deviceFree() {
        return deviceFree.clone();
    }

    public long freeGpuMilli() {
        return free.milli(Keys.GPU);
    }

    /** True when the node has GPUs and nobody uses any part of them. */
    public boolean gpusUntouched() {
        if (deviceFree.length == 0) {
            return false;
        }
        for (int f : deviceFree) {
            if (f != 1000) {
                return false;
            }
        }
        return true;
    }

    /** The NVLink domain the node is in, or null. */
    public NvlinkDomain nvlinkDomain() {
        return nvlinkDomain;
    }

    @Override
    public String toString() {
        return name();
    }
}
