package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.LabelSelectors;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.Toleration;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Free capacity of every node during one cycle, per resource and per GPU device (invariant 1: no
 * node and no device is ever over-committed). Built from a snapshot's bound pods; the cycle assumes
 * each placement into it at once, so later gangs of the same cycle see the room already taken.
 */
public final class CapacityView {
    private final List<NodeInfo> nodes;
    private final Map<String, Integer> index = new HashMap<>();
    private final Resources[] free;
    private final int[][] deviceFree; // thousandths of a device still free, per node and device

    public CapacityView(Snapshot snapshot) {
        this.nodes = snapshot.nodes();
        this.free = new Resources[nodes.size()];
        this.deviceFree = new int[nodes.size()][];
        for (int i = 0; i < nodes.size(); i++) {
            NodeInfo n = nodes.get(i);
            index.put(n.name(), i);
            free[i] = n.allocatable();
            deviceFree[i] = new int[n.gpuDevices()];
            java.util.Arrays.fill(deviceFree[i], 1000);
        }
        for (PodInfo p : snapshot.pods()) {
            if (p.phase().holdsResources() && p.nodeName() != null) {
                Integer i = index.get(p.nodeName());
                if (i != null) {
                    List<Integer> devices = p.gpuDevices().isEmpty() ? chooseDevices(i, p) : p.gpuDevices();
                    take(i, p, devices == null ? List.of() : devices);
                }
            }
        }
    }

    public int size() {
        return nodes.size();
    }

    public NodeInfo node(int i) {
        return nodes.get(i);
    }

    public Integer indexOf(String nodeName) {
        return index.get(nodeName);
    }

    public Resources free(int i) {
        return free[i];
    }

    public long freeGpuMilli(int i) {
        return free[i].milli(Keys.GPU);
    }

    /** Whole GPU devices on node {@code i} nobody uses any part of. */
    public int wholeFreeDevices(int i) {
        int n = 0;
        for (int f : deviceFree[i]) {
            if (f == 1000) {
                n++;
            }
        }
        return n;
    }

    /**
     * Why {@code pod} may never run on {@code node} whatever is free, or null when it may: "unschedulable",
     * "nodeSelector", "affinity" (its required node affinity), "gpuModel" (its nodeSelector or affinity asks
     * for another {@value Keys#GPU_PRODUCT_LABEL} and nothing else rules the node out), "taint" or "resource"
     * (the node has none of a resource it requests).
     */
    public static String infeasibility(PodInfo pod, NodeInfo node) {
        if (node.unschedulable()) {
            return "unschedulable";
        }
        boolean otherModel = false;
        for (Map.Entry<String, String> e : pod.nodeSelector().entrySet()) {
            if (!e.getValue().equals(node.label(e.getKey()))) {
                if (!e.getKey().equals(Keys.GPU_PRODUCT_LABEL)) {
                    return "nodeSelector";
                }
                otherModel = true;
            }
        }
        if (!pod.nodeAffinity().matchesIgnoring(node, Keys.GPU_PRODUCT_LABEL)) {
            return "affinity";
        }
        if (otherModel || !pod.nodeAffinity().matches(node)) {
            return "gpuModel";
        }
        if (!Toleration.toleratesAll(pod.tolerations(), node.taints())) {
            return "taint";
        }
        for (String r : pod.requests().names()) {
            if (node.allocatable().milli(r) <= 0) {
                return "resource";
            }
        }
        return null;
    }

    /** True when {@code pod} can run on node {@code i} with what is free now. */
    public boolean fits(PodInfo pod, int i) {
        return infeasibility(pod, nodes.get(i)) == null && pod.requests().fitsIn(free[i]) && chooseDevices(i, pod) != null;
    }

    /** Device indexes {@code pod} would get on node {@code i}, or null when its GPUs do not fit the devices. */
    public List<Integer> chooseDevices(int i, PodInfo pod) {
        int[] dev = deviceFree[i];
        if (pod.gpuFractionMilli() > 0) {
            // best fit: the device with the least room that still holds the fraction
            int best = -1;
            for (int d = 0; d < dev.length; d++) {
                if (dev[d] >= pod.gpuFractionMilli() && (best < 0 || dev[d] < dev[best])) {
                    best = d;
                }
            }
            return best < 0 ? null : List.of(best);
        }
        int want = pod.wholeGpus();
        List<Integer> out = new ArrayList<>(want);
        for (int d = 0; d < dev.length && out.size() < want; d++) {
            if (dev[d] == 1000) {
                out.add(d);
            }
        }
        return out.size() == want ? out : null;
    }

    /** Assumes {@code pod} on node {@code i} with the given devices. */
    public void take(int i, PodInfo pod, List<Integer> devices) {
        free[i] = free[i].subtract(pod.requests());
        for (int d : devices) {
            if (d < deviceFree[i].length) {
                deviceFree[i][d] -= pod.gpuFractionMilli() > 0 ? pod.gpuFractionMilli() : 1000;
            }
        }
    }

    /** Undoes {@link #take}. */
    public void give(int i, PodInfo pod, List<Integer> devices) {
        free[i] = free[i].add(pod.requests());
        for (int d : devices) {
            if (d < deviceFree[i].length) {
                deviceFree[i][d] += pod.gpuFractionMilli() > 0 ? pod.gpuFractionMilli() : 1000;
            }
        }
    }
}
