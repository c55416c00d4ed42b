package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.Toleration;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Free capacity of every node during one cycle, per resource and per GPU device (invariant 1: no
 * node and no device is ever over-committed). Built from a snapshot's bound pods; the cycle assumes
 * each placement into it at once, so later gangs of the same cycle see the room already taken.
 *
 * <p>It also keeps the nodes in best-fit order and the free GPU of every topology domain current, so
 * a placement finds room without walking every node of a large cluster for every pod; a placement that
 * keeps an index of its own {@link #observe observes} the view to hear which nodes changed. It holds the
 * snapshot's pods too ({@link #pods}): what runs and waits is the workload a placement plans room for.
 */
public final class CapacityView {
    /** Told of every node whose free capacity changed, to keep an index outside the view current. */
    public interface Observer {
        void changed(int node);
    }

    private final List<NodeInfo> nodes;
    private final List<PodInfo> pods;
    private final List<Observer> observers = new ArrayList<>(1); // not carried over to copies
    private final Map<String, Integer> index = new HashMap<>();
    private final Resources[] free;
    private final int[][] deviceFree; // thousandths of a device still free, per node and device
    private final FreeRoom[] roomOf;
    private final TreeSet<FreeRoom> bestFitOrder = new TreeSet<>();
    private final Map<String, TopologyIndex> topologies = new HashMap<>();

    /** A node's place in best-fit order: least free GPU, then least free CPU, then node index. */
    private record FreeRoom(long gpuMilli, long cpuMilli, int node) implements Comparable<FreeRoom> {
        @Override
        public int compareTo(FreeRoom o) {
            int c = Long.compare(gpuMilli, o.gpuMilli);
            if (c == 0) {
                c = Long.compare(cpuMilli, o.cpuMilli);
            }
            return c != 0 ? c : Integer.compare(node, o.node);
        }
    }

    private CapacityView(CapacityView other) {
        this(other, other.pods);
    }

    private CapacityView(CapacityView other, List<PodInfo> pods) {
        this.nodes = other.nodes;
        this.pods = List.copyOf(pods);
        this.index.putAll(other.index);
        this.free = other.free.clone();
        this.deviceFree = new int[other.deviceFree.length][];
        for (int i = 0; i < deviceFree.length; i++) {
            deviceFree[i] = other.deviceFree[i].clone();
        }
        this.roomOf = other.roomOf.clone();
        this.bestFitOrder.addAll(other.bestFitOrder);
        // topology indexes are rebuilt from this copy's free capacity when first asked for
    }

    /** An independent copy, for trying placements that must not touch this view. */
    public CapacityView copy() {
        return new CapacityView(this);
    }

    /**
     * A copy of this view, its free capacity as it is now, for a cycle whose snapshot holds {@code pods}: what
     * a replay that keeps free capacity current itself, pod after pod, hands the next cycle instead of
     * building the view from every pod again. The pods that hold resources must be those already taken here.
     */
    public CapacityView withPods(List<PodInfo> pods) {
        return new CapacityView(this, pods);
    }

    /** Makes node {@code i} as if nothing ran on it (on a {@link #copy}, to see what room could be freed). */
    public void release(int i) {
        bestFitOrder.remove(roomOf[i]);
        free[i] = nodes.get(i).allocatable();
        java.util.Arrays.fill(deviceFree[i], 1000);
        roomOf[i] = roomOf(i);
        bestFitOrder.add(roomOf[i]);
        topologies.clear(); // rebuilt from the new free capacity when next asked for
        changed(i);
    }

    /** Makes node {@code i} as if it were full (on a {@link #copy}, to consider only chosen nodes). */
    public void occupy(int i) {
        bestFitOrder.remove(roomOf[i]);
        free[i] = Resources.NONE;
        java.util.Arrays.fill(deviceFree[i], 0);
        roomOf[i] = roomOf(i);
        bestFitOrder.add(roomOf[i]);
        topologies.clear();
        changed(i);
    }

    /** A copy of this view with every node empty. */
    public CapacityView empty() {
        CapacityView v = copy();
        for (int i = 0; i < v.size(); i++) {
            v.release(i);
        }
        return v;
    }

    public CapacityView(Snapshot snapshot) {
        this.nodes = snapshot.nodes();
        this.pods = snapshot.pods();
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
                    adjust(i, p, devices == null ? List.of() : devices, -1);
                }
            }
        }
        roomOf = new FreeRoom[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            roomOf[i] = roomOf(i);
            bestFitOrder.add(roomOf[i]);
        }
    }

    private FreeRoom roomOf(int i) {
        return new FreeRoom(free[i].milli(Keys.GPU), free[i].milli(Keys.CPU), i);
    }

    /**
     * Indexes of the nodes with at least {@code minFreeGpuMilli} GPU free, in best-fit order: least free
     * GPU first, then least free CPU, then lowest index. Do not take or give while walking it.
     */
    public Iterable<Integer> bestFitOrder(long minFreeGpuMilli) {
        var tail = bestFitOrder.tailSet(new FreeRoom(minFreeGpuMilli, Long.MIN_VALUE, -1), true);
        return () -> tail.stream().map(FreeRoom::node).iterator();
    }

    /** Indexes of all nodes, most free GPU first (the reverse of {@link #bestFitOrder}). */
    public Iterable<Integer> mostFreeGpuFirst() {
        var all = bestFitOrder.descendingSet();
        return () -> all.stream().map(FreeRoom::node).iterator();
    }

    /** The domains of topology key {@code key} (a node label), with their free GPU kept current. */
    public TopologyIndex topology(String key) {
        return topologies.computeIfAbsent(key, k -> new TopologyIndex(k, nodes, this));
    }

    public int size() {
        return nodes.size();
    }

    /** The pods of the snapshot this view was built from: those holding node resources, and those waiting. */
    public List<PodInfo> pods() {
        return pods;
    }

    /**
     * Tells {@code observer} of every later change to a node's free capacity on this view (not on its copies),
     * after the change. A topology domain's free GPU changes with its nodes'.
     */
    public void observe(Observer observer) {
        observers.add(observer);
    }

    private void changed(int i) {
        for (Observer o : observers) {
            o.changed(i);
        }
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
        return pod.requests().offeredBy(node.allocatable()) ? null : "resource";
    }

    /** True when {@code pod} can run on node {@code i} with what is free now. */
    public boolean fits(PodInfo pod, int i) {
        return copiesThatFit(pod, i) > 0 && infeasibility(pod, nodes.get(i)) == null;
    }

    /**
     * How many copies of {@code pod} node {@code i} has room for now, by resources and GPU devices alone
     * (whether the pod may run there at all is {@link #infeasibility}'s question).
     */
    public long copiesThatFit(PodInfo pod, int i) {
        long copies = pod.requests().copiesWithin(free[i]);
        if (copies == 0) {
            return 0;
        }
        int[] dev = deviceFree[i];
        long onDevices = 0;
        if (pod.gpuFractionMilli() > 0) {
            for (int f : dev) {
                onDevices += f / pod.gpuFractionMilli();
            }
        } else if (pod.wholeGpus() > 0) {
            onDevices = wholeFreeDevices(i) / pod.wholeGpus();
        } else {
            return copies;
        }
        return Math.min(copies, onDevices);
    }

    /** Device indexes {@code pod} would get on node {@code i}, or null when its GPUs do not fit the devices. */
    public List<Integer> chooseDevices(int i, PodInfo pod) {
        return chooseDevices(deviceFree[i], pod);
    }

    /** Thousandths of a device still free, per device of node {@code i} (a copy). */
    public int[] deviceFreeMilli(int i) {
        return deviceFree[i].clone();
    }

    /**
     * The devices {@code pod} gets given what is free on each device ({@code dev}, thousandths),
     * or null when they cannot hold it: a fraction goes to the fullest device that still holds it, a
     * whole-GPU pod takes the lowest-numbered devices nobody uses any part of. The one rule for devices.
     */
    public static List<Integer> chooseDevices(int[] dev, PodInfo pod) {
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

    /** Takes {@code pod}'s share of the given devices out of {@code deviceFree}. */
    public static void takeDevices(int[] deviceFree, PodInfo pod, List<Integer> devices) {
        for (int d : devices) {
            if (d < deviceFree.length) {
                deviceFree[d] -= pod.gpuFractionMilli() > 0 ? pod.gpuFractionMilli() : 1000;
            }
        }
    }

    /** Assumes {@code pod} on node {@code i} with the given devices. */
    public void take(int i, PodInfo pod, List<Integer> devices) {
        move(i, pod, devices, -1);
    }

    /** Undoes {@link #take}. */
    public void give(int i, PodInfo pod, List<Integer> devices) {
        move(i, pod, devices, 1);
    }

    private void move(int i, PodInfo pod, List<Integer> devices, int sign) {
        bestFitOrder.remove(roomOf[i]);
        int wholeBefore = topologies.isEmpty() ? 0 : wholeFreeDevices(i);
        adjust(i, pod, devices, sign);
        roomOf[i] = roomOf(i);
        bestFitOrder.add(roomOf[i]);
        if (!topologies.isEmpty()) {
            int wholeAfter = wholeFreeDevices(i);
            for (TopologyIndex t : topologies.values()) {
                t.gpuTaken(i, -sign * pod.requests().milli(Keys.GPU));
                t.wholeFreeDevicesChanged(i, wholeBefore, wholeAfter);
            }
        }
        changed(i);
    }

    private void adjust(int i, PodInfo pod, List<Integer> devices, int sign) {
        free[i] = sign > 0 ? free[i].add(pod.requests()) : free[i].subtract(pod.requests());
        if (sign < 0) {
            takeDevices(deviceFree[i], pod, devices);
        } else {
            for (int d : devices) {
                if (d < deviceFree[i].length) {
                    deviceFree[i][d] += pod.gpuFractionMilli() > 0 ? pod.gpuFractionMilli() : 1000;
                }
            }
        }
    }
}
