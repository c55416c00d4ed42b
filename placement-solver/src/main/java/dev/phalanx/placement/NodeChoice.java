package dev.phalanx.placement;

import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.cycle.TopologyIndex;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.placement.fragmentation.Fragmentation;
import dev.phalanx.placement.fragmentation.NodeState;
import dev.phalanx.placement.fragmentation.PodShape;
import dev.phalanx.placement.fragmentation.Workload;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.WeakHashMap;

/**
 * The node one pod of a gang goes to, among the candidates {@link BestFitPlacement} allows it, in this order:
 * <ol>
 *   <li><b>NVLink domains</b> ({@value Keys#CLIQUE_LABEL}): a pod of a gang without a topology goes to a node
 *   outside every domain, then to one in a domain already partly used, and breaks a whole unused domain last,
 *   so domains stay whole for the gangs that need one. For any gang, a node whose domain the pod would leave
 *   partly used counts against it ({@link NvlinkTier});</li>
 *   <li><b>fragmentation</b>: the least growth of the node's {@link Fragmentation}, measured against the
 *   workload learned from the snapshot's pods;</li>
 *   <li><b>best fit</b>: the least GPU left, then the least CPU left, then the lowest node index, so the same
 *   input always gives the same node (invariant 5).</li>
 * </ol>
 *
 * <p>Cost. A pod without a topology may go anywhere, and measuring every node for every pod would not fit a
 * cycle's budget at thousands of nodes. Nodes are therefore grouped by state: the same free resources, the
 * same free room on each device (in any order), the same GPU model and the same NVLink standing are alike to
 * every rule above but the node index. A pod is measured once per group, not per node, and a group's
 * measure is cached by state ({@link Fragmentation}), so it is computed once per cycle and pod shape. The
 * groups are kept current as the cycle takes capacity ({@link CapacityView#observe}): a change moves one
 * node, or the nodes of one domain when it stops or starts being whole. A cluster of a few node types in a
 * few states has a few dozen groups however many nodes it has. Candidates confined to a domain (a gang's
 * topology) are few, and are measured node by node.
 */
final class NodeChoice {
    private static final double TIE = 1e-6;

    /** What a pod's node choice depends on, for one cycle's view; the view is held weakly, as the map's key. */
    private final Map<CapacityView, ViewIndex> indexes = Collections.synchronizedMap(new WeakHashMap<>());
    private List<PodInfo> lastPods = List.of();
    private String lastScheduler;
    private Fragmentation lastFragmentation;
    /** Shape counts of the pods of {@link #lastPods} that were learned from. */
    private Map<PodShape, Integer> lastCounts = Map.of();

    /**
     * The fragmentation measure for {@code view}'s cycle: learned from its pods scheduled by {@code schedulerName}.
     * Views of one snapshot (copies included) share it. A snapshot whose pod list starts with most of the last
     * one's (a replay adding pods as they come) is counted from the pods that differ; any other from scratch.
     */
    synchronized Fragmentation fragmentation(CapacityView view, String schedulerName) {
        List<PodInfo> pods = view.pods();
        if (pods == lastPods && schedulerName.equals(lastScheduler)) {
            return lastFragmentation;
        }
        int common = 0;
        if (schedulerName.equals(lastScheduler)) {
            int limit = Math.min(pods.size(), lastPods.size());
            while (common < limit && pods.get(common) == lastPods.get(common)) {
                common++;
            }
        }
        Map<PodShape, Integer> counts;
        if (common > 0 && common >= lastPods.size() / 2) {
            counts = new HashMap<>(lastCounts);
            for (PodInfo p : lastPods.subList(common, lastPods.size())) {
                if (counted(p, schedulerName)) {
                    counts.merge(PodShape.of(p), -1, (a, b) -> a + b == 0 ? null : a + b);
                }
            }
            count(pods.subList(common, pods.size()), schedulerName, counts);
        } else {
            counts = new HashMap<>();
            count(pods, schedulerName, counts);
        }
        lastPods = pods;
        lastScheduler = schedulerName;
        lastCounts = counts;
        lastFragmentation = new Fragmentation(Workload.of(counts), nodeTypes(view));
        return lastFragmentation;
    }

    /** The view's nodes by GPU model, devices and CPU, each kind with the GPU it has in all. */
    private static List<Fragmentation.NodeType> nodeTypes(CapacityView view) {
        Map<Fragmentation.NodeType, Long> gpu = new java.util.LinkedHashMap<>();
        for (int i = 0; i < view.size(); i++) {
            var n = view.node(i);
            if (n.gpuDevices() > 0) {
                gpu.merge(new Fragmentation.NodeType(n.label(Keys.GPU_PRODUCT_LABEL), n.gpuDevices(),
                        n.allocatable().milli(Keys.CPU), 0), 1000L * n.gpuDevices(), Long::sum);
            }
        }
        List<Fragmentation.NodeType> types = new ArrayList<>();
        gpu.forEach((t, milli) -> types.add(new Fragmentation.NodeType(t.model(), t.devices(), t.cpuMilli(), milli)));
        return types;
    }

    private static boolean counted(PodInfo p, String schedulerName) {
        return schedulerName.equals(p.schedulerName()) && (p.isPending() || p.phase().holdsResources());
    }

    private static void count(List<PodInfo> pods, String schedulerName, Map<PodShape, Integer> counts) {
        for (PodInfo p : pods) {
            if (counted(p, schedulerName)) {
                counts.merge(PodShape.of(p), 1, Integer::sum);
            }
        }
    }

    /** The node {@code pod} of {@code gang} goes to among {@code candidates}, or -1 when it fits none. */
    int choose(Gang gang, PodInfo pod, BestFitPlacement.Candidates candidates, CapacityView view) {
        if (view.prefersSomeNodes(pod)) {
            return candidates.bestFit(pod, view); // its preferred affinity and spread rank the nodes first
        }
        Fragmentation f = fragmentation(view, pod.schedulerName());
        PodShape shape = PodShape.of(pod);
        boolean noTopology = gang.topologyRequired() == null && gang.topologyPreferred() == null;
        if (candidates.nodes() != null) {
            return chooseAmong(candidates.nodes(), pod, shape, noTopology, f, view);
        }
        ViewIndex index = indexes.computeIfAbsent(view, ViewIndex::new);
        synchronized (index) {
            return index.choose(pod, shape, noTopology, f, view);
        }
    }

    private static int chooseAmong(List<Integer> nodes, PodInfo pod, PodShape shape, boolean noTopology, Fragmentation f,
                                   CapacityView view) {
        TopologyIndex cliques = view.topology(Keys.CLIQUE_LABEL);
        int best = -1;
        Rank bestRank = null;
        for (int i : nodes) {
            if (!view.fits(pod, i)) {
                continue;
            }
            double growth = f.growth(state(view, i), shape);
            if (Double.isNaN(growth)) {
                continue;
            }
            Rank r = new Rank(NvlinkTier.of(cliques, i, shape.gpuMilli(), noTopology), growth,
                    view.freeGpuMilli(i) - pod.requests().milli(Keys.GPU), view.free(i).milli(Keys.CPU) - pod.requests().milli(Keys.CPU));
            int c = bestRank == null ? -1 : r.compareTo(bestRank);
            if (c < 0 || (c == 0 && i < best)) {
                best = i;
                bestRank = r;
            }
        }
        return best;
    }

    static NodeState state(CapacityView view, int i) {
        return NodeState.of(view.node(i).label(Keys.GPU_PRODUCT_LABEL), view.node(i).allocatable().milli(Keys.CPU),
                view.free(i).milli(Keys.CPU), view.deviceFreeMilli(i));
    }

    /** How a node ranks for a pod, all but the node index: NVLink tier, fragmentation growth, GPU left, CPU left. */
    record Rank(int tier, double growth, long gpuLeft, long cpuLeft) implements Comparable<Rank> {
        @Override
        public int compareTo(Rank o) {
            if (tier != o.tier) {
                return Integer.compare(tier, o.tier);
            }
            if (Math.abs(growth - o.growth) > TIE) {
                return Double.compare(growth, o.growth);
            }
            if (gpuLeft != o.gpuLeft) {
                return Long.compare(gpuLeft, o.gpuLeft);
            }
            return Long.compare(cpuLeft, o.cpuLeft);
        }
    }

    /** A node's standing towards NVLink domains, as far as grouping nodes goes: none, partly used, or whole (of this much GPU). */
    private record Standing(int status, long wholeDomainGpu) {
        static final Standing NONE = new Standing(0, 0);
        static final Standing PARTLY_USED = new Standing(1, 0);
    }

    private record GroupKey(NodeState state, Resources free, Standing standing) {
    }

    /** The nodes of one view grouped by state, kept current as the view changes. */
    private static final class ViewIndex implements CapacityView.Observer {
        private final WeakReference<CapacityView> view;
        private final Map<GroupKey, TreeSet<Integer>> groups = new HashMap<>();
        private final GroupKey[] keyOf;
        private Standing[] domainStanding;

        ViewIndex(CapacityView view) {
            this.view = new WeakReference<>(view);
            this.keyOf = new GroupKey[view.size()];
            TopologyIndex cliques = view.topology(Keys.CLIQUE_LABEL);
            domainStanding = new Standing[cliques.size()];
            for (int d = 0; d < cliques.size(); d++) {
                domainStanding[d] = standing(cliques, d);
            }
            for (int i = 0; i < view.size(); i++) {
                add(i, key(view, cliques, i));
            }
            view.observe(this);
        }

        private static Standing standing(TopologyIndex cliques, int d) {
            long total = cliques.totalGpuMilli(d);
            return total > 0 && cliques.freeGpuMilli(d) == total ? new Standing(2, total) : Standing.PARTLY_USED;
        }

        private GroupKey key(CapacityView v, TopologyIndex cliques, int i) {
            int d = cliques.domainOf(i);
            return new GroupKey(state(v, i), v.free(i), d < 0 ? Standing.NONE : domainStanding[d]);
        }

        private void add(int i, GroupKey k) {
            keyOf[i] = k;
            groups.computeIfAbsent(k, x -> new TreeSet<>()).add(i);
        }

        private void rekey(CapacityView v, TopologyIndex cliques, int i) {
            GroupKey k = key(v, cliques, i);
            if (!k.equals(keyOf[i])) {
                TreeSet<Integer> old = groups.get(keyOf[i]);
                old.remove(i);
                if (old.isEmpty()) {
                    groups.remove(keyOf[i]);
                }
                add(i, k);
            }
        }

        @Override
        public synchronized void changed(int node) {
            CapacityView v = view.get();
            if (v == null) {
                return;
            }
            TopologyIndex cliques = v.topology(Keys.CLIQUE_LABEL);
            int d = cliques.domainOf(node);
            if (d >= 0) {
                Standing now = standing(cliques, d);
                if (!now.equals(domainStanding[d])) {
                    domainStanding[d] = now;
                    for (int i : cliques.nodes(d)) {
                        rekey(v, cliques, i);
                    }
                    return;
                }
            }
            rekey(v, cliques, node);
        }

        private record Candidate(TreeSet<Integer> nodes, Rank rank) {
        }

        int choose(PodInfo pod, PodShape shape, boolean noTopology, Fragmentation f, CapacityView v) {
            List<Candidate> candidates = new ArrayList<>();
            long podGpu = pod.requests().milli(Keys.GPU);
            long podCpu = pod.requests().milli(Keys.CPU);
            // what a group's state does not say: the pods around a node, its host ports and pod limit, its DRA devices
            boolean perNode = !pod.constraints().claims().isEmpty() || !pod.constraints().volumes().isEmpty()
                    || v.mayBeKeptOutBeyondRoom(List.of(pod));
            for (Map.Entry<GroupKey, TreeSet<Integer>> e : groups.entrySet()) {
                GroupKey k = e.getKey();
                int first = e.getValue().first();
                if (!shape.accepts(k.state().model())
                        || (perNode ? pod.requests().copiesWithin(k.free()) == 0 : v.copiesThatFit(pod, first) == 0)) {
                    continue; // the same model and the same room on every node of the group
                }
                double growth = f.growth(k.state(), shape);
                if (Double.isNaN(growth)) {
                    continue;
                }
                int tier = NvlinkTier.of(k.standing().status() == 0, k.standing().status() == 2, k.standing().wholeDomainGpu(),
                        shape.gpuMilli(), noTopology);
                candidates.add(new Candidate(e.getValue(), new Rank(tier, growth, k.free().milli(Keys.GPU) - podGpu,
                        k.free().milli(Keys.CPU) - podCpu)));
            }
            candidates.sort(Comparator.comparing(Candidate::rank).thenComparingInt(c -> c.nodes().first()));
            int best = -1;
            Rank bestRank = null;
            for (Candidate c : candidates) {
                if (bestRank != null && c.rank().compareTo(bestRank) > 0) {
                    break;
                }
                for (int i : c.nodes()) {
                    if (best >= 0 && i > best) {
                        break;
                    }
                    String why = CapacityView.infeasibility(pod, v.node(i));
                    if (why == null && (!perNode || v.fits(pod, i))) {
                        best = i;
                        bestRank = c.rank();
                        break;
                    }
                    if ("gpuModel".equals(why)) {
                        break; // the group's nodes share their model
                    }
                }
            }
            return best;
        }
    }
}
