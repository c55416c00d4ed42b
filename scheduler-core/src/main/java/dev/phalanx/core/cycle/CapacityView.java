package dev.phalanx.core.cycle;

import dev.phalanx.core.dra.ClaimInfo;
import dev.phalanx.core.dra.ClaimState;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.Toleration;
import dev.phalanx.core.volume.VolumeBook;
import dev.phalanx.core.volume.VolumeWrite;

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
 *
 * <p>The rules that look at the pods around a pod (invariant 9: host ports, a node's pod limit, inter-pod affinity and
 * anti-affinity, topology spread) are kept by {@link PlacedPods}, {@link HostPorts}, {@link PodNeighbours} and
 * {@link SpreadIndex}, which every take, give, hold and unhold here keeps current.
 */
public final class CapacityView {
    /** Copies of a pod with claims counted on one node at most (each is a trial allocation). */
    private static final long MAX_CLAIM_COPIES = 64;

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
    /** Devices and claims of Dynamic Resource Allocation; null when the snapshot has none. */
    private ClaimState claims;
    /** What each pod taken on this view had its claims written as (allocation and consumers), by pod key. */
    private final Map<String, List<ClaimInfo>> claimWrites = new HashMap<>();
    private ClaimState emptyClaims;
    /** PersistentVolumes promised this cycle and volumes attached per node; null when no pod has volumes to bind or count. */
    private VolumeBook volumes;
    private VolumeBook emptyVolumes;
    /** The pods on the nodes, for the rules that look at other pods: pod limits, host ports, affinity, spread. */
    private PlacedPods placed;
    private PodNeighbours neighbours;
    private SpreadIndex spread;
    private final Map<SpreadIndex.EligibleKey, SpreadIndex.Eligible> spreadEligibility;

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
        this(other, other.placed.copy(), other.pods);
    }

    private CapacityView(CapacityView other, PlacedPods placed) {
        this(other, placed, other.pods);
    }

    private CapacityView(CapacityView other, PlacedPods placed, List<PodInfo> pods) {
        this.nodes = other.nodes;
        this.pods = pods == other.pods ? pods : List.copyOf(pods);
        this.index.putAll(other.index);
        this.free = other.free.clone();
        this.deviceFree = new int[other.deviceFree.length][];
        for (int i = 0; i < deviceFree.length; i++) {
            deviceFree[i] = other.deviceFree[i].clone();
        }
        this.roomOf = other.roomOf.clone();
        this.bestFitOrder.addAll(other.bestFitOrder);
        this.claims = other.claims == null ? null : other.claims.copy();
        this.claimWrites.putAll(other.claimWrites);
        this.emptyClaims = other.emptyClaims;
        this.volumes = other.volumes == null ? null : other.volumes.copy();
        this.emptyVolumes = other.emptyVolumes;
        this.spreadEligibility = other.spreadEligibility;
        usePlaced(placed);
        // topology indexes are rebuilt from this copy's free capacity when first asked for
    }

    private void usePlaced(PlacedPods p) {
        this.placed = p;
        this.neighbours = new PodNeighbours(p);
        this.spread = new SpreadIndex(p, spreadEligibility);
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
        return new CapacityView(this, placed.copy(), pods);
    }

    /** Makes node {@code i} as if nothing ran on it (on a {@link #copy}, to see what room could be freed). */
    public void release(int i) {
        releaseRoom(i);
        placed.release(i);
    }

    private void releaseRoom(int i) {
        bestFitOrder.remove(roomOf[i]);
        free[i] = nodes.get(i).allocatable();
        java.util.Arrays.fill(deviceFree[i], 1000);
        roomOf[i] = roomOf(i);
        bestFitOrder.add(roomOf[i]);
        if (claims != null) {
            claims.release(nodes.get(i));
        }
        if (volumes != null) {
            volumes.release(nodes.get(i));
        }
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
        placed.occupy(i);
        topologies.clear();
        changed(i);
    }

    /**
     * A copy of this view with every node empty: what could be had if every pod left. The pods there now stay only as
     * what a pod's required affinity may follow, since those it must run near would not leave for it.
     */
    public CapacityView empty() {
        CapacityView v = new CapacityView(this, placed.emptied());
        for (int i = 0; i < v.size(); i++) {
            v.releaseRoom(i);
        }
        v.claims = claims == null ? null : claims.empty();
        v.claimWrites.clear();
        v.volumes = volumes == null ? null : volumes.empty();
        return v;
    }

    public CapacityView(Snapshot snapshot) {
        this.nodes = snapshot.nodes();
        this.claims = snapshot.dra().isEmpty() ? null : new ClaimState(snapshot.dra(), snapshot.nodes(), snapshot.pods());
        this.pods = snapshot.pods();
        this.volumes = snapshot.volumes().isEmpty() && snapshot.pods().stream().noneMatch(p -> p.constraints().volumes().needsBook())
                ? null : new VolumeBook(snapshot.volumes(), snapshot.nodes(), snapshot.pods());
        this.free = new Resources[nodes.size()];
        this.deviceFree = new int[nodes.size()][];
        this.spreadEligibility = SpreadIndex.newEligibilityCache();
        int[] nodeOf = new int[snapshot.pods().size()];
        for (int i = 0; i < nodes.size(); i++) {
            NodeInfo n = nodes.get(i);
            index.put(n.name(), i);
            free[i] = n.allocatable();
            deviceFree[i] = new int[n.gpuDevices()];
            java.util.Arrays.fill(deviceFree[i], 1000);
        }
        for (int k = 0; k < nodeOf.length; k++) {
            PodInfo p = snapshot.pods().get(k);
            nodeOf[k] = -1;
            if (p.phase().holdsResources() && p.nodeName() != null) {
                Integer i = index.get(p.nodeName());
                if (i != null) {
                    nodeOf[k] = i;
                    List<Integer> devices = p.gpuDevices().isEmpty() ? chooseDevices(i, p) : p.gpuDevices();
                    adjust(i, p, devices == null ? List.of() : devices, -1);
                }
            }
        }
        usePlaced(new PlacedPods(nodes, snapshot.pods(), nodeOf,
                new PlacedPods.Context(snapshot.namespaces(), snapshot.planning().terminating())));
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
     * "notReady", "unreachable", "gpuUnhealthy", "gpuDevicesUnhealthy" (see {@link NodeInfo.Unavailable}),
     * "nodeSelector", "affinity" (its required node affinity), "gpuModel" (its nodeSelector or affinity asks for another
     * {@value Keys#GPU_PRODUCT_LABEL} and nothing else rules the node out), "taint", "volumeNodeAffinity" (a bound
     * PersistentVolume it uses cannot be reached from the node), "podAffinityLabel" or "spreadLabel"
     * (the node lacks the topology label a required pod affinity term or a DoNotSchedule spread constraint names) or
     * "resource" (the node has none of a resource it requests).
     */
    public static String infeasibility(PodInfo pod, NodeInfo node) {
        if (node.unschedulable()) {
            return "unschedulable";
        }
        if (node.unavailable() != null) {
            return node.unavailable().code();
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
        if (!pod.constraints().volumes().reachableFrom(node)) {
            return "volumeNodeAffinity";
        }
        if (pod.constraints().watchesNeighbours()) {
            for (var t : pod.constraints().podAffinity().required()) {
                if (node.label(t.topologyKey()) == null) {
                    return "podAffinityLabel";
                }
            }
            for (var c : pod.constraints().spread()) {
                if (c.hard() && node.label(c.topologyKey()) == null) {
                    return "spreadLabel";
                }
            }
        }
        if (pod.deviceGpuMilli() > 0 && node.claimable().milli(Keys.GPU) > 0
                && pod.deviceGpuMilli() > node.allocatable().milli(Keys.GPU) - node.claimable().milli(Keys.GPU)) {
            return "resource"; // its GPUs are handed out through claims; a device-plugin request finds none there
        }
        return pod.requests().offeredBy(node.allocatable()) ? null : "resource";
    }

    /**
     * True when {@code pod} can run on node {@code i} with what is free now and beside the pods there now: its host
     * ports free, the node's pod limit not reached, its inter-pod affinity and anti-affinity and that of the pods
     * around it kept, its topology spread within maxSkew.
     */
    public boolean fits(PodInfo pod, int i) {
        return copiesThatFit(pod, i) > 0 && infeasibility(pod, nodes.get(i)) == null && neighbours.blocks(pod, i) == null
                && spread.blocks(pod, i) == null;
    }

    /**
     * Why {@code pod} cannot go to node {@code i} now, or null when it can: an {@link #infeasibility} code, or
     * "existingAntiAffinity", "podAntiAffinity", "podAffinity", "topologySpread", "hostPort", "tooManyPods",
     * "volumeBinding" (a claim to bind finds no volume there and none can be made there), "volumeLimit" (the node's attach
     * limit), "volumeInUse" (a ReadWriteOncePod claim a pod placed this cycle uses) or "room" (not enough free).
     */
    public String whyNot(PodInfo pod, int i) {
        String why = infeasibility(pod, nodes.get(i));
        if (why == null) {
            why = neighbours.blocks(pod, i);
        }
        if (why == null) {
            why = spread.blocks(pod, i);
        }
        if (why == null && placed.portTaken(pod, i) != null) {
            why = "hostPort";
        }
        if (why == null && placed.podRoom(i) == 0) {
            why = "tooManyPods";
        }
        if (why == null && volumes != null) {
            why = volumes.problem(pod, nodes.get(i));
        }
        if (why == null && copiesThatFit(pod, i) == 0) {
            why = "room";
        }
        return why;
    }

    /** The constraint a {@link #whyNot} code names, in words (the terms, the spread and its domains), or "". */
    public String describe(PodInfo pod, String code) {
        return switch (code) {
            case "topologySpread", "spreadLabel" -> spread.describe(pod);
            case "hostPort" -> " (" + pod.constraints().hostPorts().stream().map(Object::toString)
                    .collect(java.util.stream.Collectors.joining(", ")) + ")";
            default -> neighbours.describe(pod, code);
        };
    }

    private static final java.util.Set<String> STATIC_CODES = java.util.Set.of("unschedulable", "notReady", "unreachable",
            "gpuUnhealthy", "gpuDevicesUnhealthy", "nodeSelector", "affinity", "gpuModel", "taint", "volumeNodeAffinity",
            "podAffinityLabel", "spreadLabel", "resource");

    /** True for a code of {@link #infeasibility}: the node is ruled out whatever runs on it. */
    public static boolean isStatic(String code) {
        return STATIC_CODES.contains(code);
    }

    /**
     * True when something beyond free room may keep {@code pods} off a node now: rules of their own about the pods
     * around them or host ports, the anti-affinity of pods running, or a node at its pod limit.
     */
    public boolean mayBeKeptOutBeyondRoom(List<PodInfo> pods) {
        if (placed.hasAntiAffinity() || placed.anyNodeFull()) {
            return true;
        }
        for (PodInfo p : pods) {
            if (p.constraints().placedOneByOne()) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code pod} weighs the nodes it may use: preferred pod affinity or ScheduleAnyway spread. */
    public boolean prefersSomeNodes(PodInfo pod) {
        return pod.constraints().hasPreferences();
    }

    /**
     * The node among {@code candidates} (in the order that breaks ties) that {@code pod} fits and likes best by its
     * preferred pod affinity and anti-affinity (each matching pod in the node's domain adds or takes away the term's
     * weight) less how far its ScheduleAnyway spread constraints would be skewed; -1 when it fits none.
     */
    public int mostPreferred(PodInfo pod, Iterable<Integer> candidates) {
        int best = -1;
        long bestScore = Long.MIN_VALUE;
        for (int i : candidates) {
            if (!fits(pod, i)) {
                continue;
            }
            long score = neighbours.preference(pod, i) - spread.penalty(pod, i);
            if (score > bestScore) {
                best = i;
                bestScore = score;
            }
        }
        return best;
    }

    /** {@code nodes} in best-fit order (least free GPU, then least free CPU, then index). */
    public List<Integer> inBestFitOrder(List<Integer> nodes) {
        List<Integer> out = new ArrayList<>(nodes);
        out.sort((a, b) -> roomOf[a].compareTo(roomOf[b]));
        return out;
    }

    /**
     * Why {@code pod} may never run on node {@code i} whatever is freed: {@link #infeasibility}, or "claims" when
     * its ResourceClaims could not be met there even with every device free, "volumeBinding" when a claim to bind could
     * get no volume there even with nothing promised. Null when it may.
     */
    public String infeasibility(PodInfo pod, int i) {
        String why = infeasibility(pod, nodes.get(i));
        if (why == null && volumes != null && pod.constraints().volumes().needsBook()) {
            if (emptyVolumes == null) {
                emptyVolumes = volumes.empty();
            }
            if ("volumeBinding".equals(emptyVolumes.problem(pod, nodes.get(i)))) {
                return "volumeBinding";
            }
        }
        if (why != null || claims == null || pod.constraints().claims().isEmpty()) {
            return why;
        }
        if (emptyClaims == null) {
            emptyClaims = claims.empty();
        }
        return emptyClaims.problem(pod, nodes.get(i)) == null ? null : "claims";
    }

    /** Why {@code pod}'s ResourceClaims cannot be met on node {@code i} now, or null when they can (or it has none). */
    public String claimProblem(PodInfo pod, int i) {
        return claims == null ? null : claims.problem(pod, nodes.get(i));
    }

    /** The volumes {@link #take} promised {@code pod}: volumes reserved for its claims, or made on its node. */
    public List<VolumeWrite> volumeWrites(String podKey) {
        return volumes == null ? List.of() : volumes.writes(podKey);
    }

    /** The claims as {@link #take} wrote them for {@code pod} (allocation and consumers); empty when it has none. */
    public List<ClaimInfo> claimWrites(String podKey) {
        return claimWrites.getOrDefault(podKey, List.of());
    }

    /**
     * How many copies of {@code pod} node {@code i} has room for now, by resources, GPU devices, the node's pod limit
     * and host ports (whether the pod may run there at all is {@link #infeasibility}'s question; whether the pods
     * around it let it, {@link #fits}'s).
     */
    public long copiesThatFit(PodInfo pod, int i) {
        long copies = Math.min(pod.requests().copiesWithin(free[i]), placed.podRoom(i));
        if (copies == 0) {
            return 0;
        }
        if (!pod.constraints().hostPorts().isEmpty()) {
            if (placed.portTaken(pod, i) != null) {
                return 0;
            }
            copies = 1; // a second copy would want the same ports
        }
        if (claims != null && !pod.constraints().claims().isEmpty()) {
            copies = claims.copies(pod, nodes.get(i), Math.min(copies, MAX_CLAIM_COPIES));
            if (copies == 0) {
                return 0;
            }
        }
        if (volumes != null && pod.constraints().volumes().needsBook()) {
            copies = volumes.copies(pod, nodes.get(i), Math.min(copies, MAX_CLAIM_COPIES));
            if (copies == 0) {
                return 0;
            }
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

    /**
     * Assumes {@code pod} on node {@code i} with the given devices, and its ResourceClaims allocated there (see
     * {@link #claimWrites}). Its claims must be met there ({@link #fits}).
     */
    public void take(int i, PodInfo pod, List<Integer> devices) {
        if (claims != null && !pod.constraints().claims().isEmpty()) {
            List<ClaimInfo> written = claims.take(pod, nodes.get(i));
            if (written == null) {
                throw new IllegalStateException("the claims of pod " + pod.key() + " cannot be met on node " + nodes.get(i).name()
                        + ": " + claims.problem(pod, nodes.get(i)));
            }
            claimWrites.put(pod.key(), written);
        }
        if (volumes != null && pod.constraints().volumes().needsBook() && volumes.take(pod, nodes.get(i)) == null) {
            if (claims != null && !pod.constraints().claims().isEmpty()) {
                claims.give(pod, nodes.get(i));
                claimWrites.remove(pod.key());
            }
            throw new IllegalStateException("the volumes of pod " + pod.key() + " cannot be had on node " + nodes.get(i).name()
                    + ": " + volumes.problem(pod, nodes.get(i)));
        }
        move(i, pod, devices, -1);
        placed.add(pod, i, false);
    }

    /**
     * Holds room for {@code pod} on node {@code i} for a gang that waits for it: its resources are counted as taken,
     * its claims are not allocated (they are when the gang is placed).
     */
    public void hold(int i, PodInfo pod, List<Integer> devices) {
        move(i, pod, devices, -1);
        placed.add(pod, i, true);
    }

    /** Undoes {@link #hold}. */
    public void unhold(int i, PodInfo pod, List<Integer> devices) {
        move(i, pod, devices, 1);
        placed.remove(pod, i);
    }

    /** Undoes {@link #take}. */
    public void give(int i, PodInfo pod, List<Integer> devices) {
        if (claims != null && !pod.constraints().claims().isEmpty()) {
            claims.give(pod, nodes.get(i));
            claimWrites.remove(pod.key());
        }
        if (volumes != null) {
            volumes.give(pod, nodes.get(i));
        }
        move(i, pod, devices, 1);
        placed.remove(pod, i);
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
