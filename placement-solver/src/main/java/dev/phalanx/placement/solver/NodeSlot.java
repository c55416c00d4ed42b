package dev.phalanx.placement.solver;

import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.Resources;

/**
 * A node a pod may be placed on, with what was free on it before this problem's pods: resources and,
 * per GPU device, thousandths of the device. {@code position} is its place in the problem's node list.
 */
public final class NodeSlot {
    private final int position;
    private final NodeInfo info;
    private final Resources free;
    private final int[] deviceFree;
    private final NvlinkDomain nvlinkDomain;

    public NodeSlot(int position, NodeInfo info, Resources free, int[] deviceFree, NvlinkDomain nvlinkDomain) {
        this.position = position;
        this.info = info;
        this.free = free;
        this.deviceFree = deviceFree.clone();
        this.nvlinkDomain = nvlinkDomain;
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
