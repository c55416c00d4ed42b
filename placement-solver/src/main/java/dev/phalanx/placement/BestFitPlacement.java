package dev.phalanx.placement;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.cycle.PlacementPolicy;
import dev.phalanx.core.cycle.TopologyIndex;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Resources;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Step 3, constructive gang placement: best-fit domain, then nodes inside it, pod by pod; the warm start of
 * {@link TimefoldPlacement}.
 *
 * <p>A gang with a required topology key goes into the domain (value of that node label) with the
 * least free GPU that still holds every member (invariant 4); with a preferred key, into one such
 * domain when one holds it, else anywhere. Among the nodes allowed, each pod, largest first, goes to the
 * node {@link NodeChoice} ranks first: outside NVLink domains before breaking one, then the least growth
 * of fragmentation, then the fewest free GPUs and the least free CPU left. All members fit or none is
 * placed (invariant 2).
 *
 * <p>{@link #plain()} leaves out the NVLink tiers and fragmentation: each pod goes to the node it leaves
 * with the fewest free GPUs, then the least free CPU. It answers questions that only need a placement
 * that keeps the hard rules ({@link #placeQuickly}, the reasons a gang waits), and is the baseline
 * benchmarks compare against. It walks {@link CapacityView}'s best-fit order and {@link TopologyIndex}
 * rather than every node for every pod, so a cycle stays fast on clusters of thousands of nodes.
 */
public final class BestFitPlacement implements PlacementPolicy {
    static final Comparator<PodInfo> LARGEST_FIRST = Comparator
            .comparingLong((PodInfo p) -> p.requests().milli(Keys.GPU)).reversed()
            .thenComparing(Comparator.comparingLong((PodInfo p) -> p.requests().milli(Keys.CPU)).reversed())
            .thenComparing(PodInfo::name);

    /** How one pod's node is picked among candidates: -1 when it fits none. */
    interface Chooser {
        int choose(Gang gang, PodInfo pod, Candidates candidates, CapacityView view);
    }

    private static final Chooser BEST_FIT = (gang, pod, candidates, view) -> candidates.bestFit(pod, view);

    private final NodeChoice choice;
    private final Chooser chooser;

    /** The warm start the scheduler ships: NVLink tiers, fragmentation, then best fit. */
    public BestFitPlacement() {
        this.choice = new NodeChoice();
        this.chooser = choice::choose;
    }

    private BestFitPlacement(Chooser chooser) {
        this.choice = null;
        this.chooser = chooser;
    }

    /** Best fit alone: the fewest free GPUs left, then the least free CPU, then the lowest index. */
    public static BestFitPlacement plain() {
        return new BestFitPlacement(BEST_FIT);
    }

    /** The fragmentation measure this placement ranks nodes by for {@code view}'s cycle; null for {@link #plain()}. */
    dev.phalanx.placement.fragmentation.Fragmentation fragmentation(CapacityView view, String schedulerName) {
        return choice == null ? null : choice.fragmentation(view, schedulerName);
    }

    @Override
    public Placement place(Gang gang, List<PodInfo> mustPlace, CapacityView view) {
        return place(gang, mustPlace, view, chooser);
    }

    /** Best fit alone, and the full ranking only when best fit finds no room. */
    @Override
    public Placement placeQuickly(Gang gang, List<PodInfo> mustPlace, CapacityView view) {
        Placement quick = place(gang, mustPlace, view, BEST_FIT);
        return quick.placed() || chooser == BEST_FIT ? quick : place(gang, mustPlace, view, chooser);
    }

    private Placement place(Gang gang, List<PodInfo> mustPlace, CapacityView view, Chooser chooser) {
        if (gang.hasSubGroups()) {
            return SubGroupPlacement.place(gang, mustPlace, view, chooser);
        }
        List<PodInfo> pods = new ArrayList<>(mustPlace);
        pods.sort(LARGEST_FIRST);
        String required = gang.topologyRequired();
        String key = required != null ? required : gang.topologyPreferred();
        if (key != null) {
            TopologyIndex topology = view.topology(key);
            List<Binding> inOneDomain = bestFitDomain(gang, topology, boundDomain(gang, view, topology), pods, view, chooser);
            if (inOneDomain != null) {
                return Placement.of(inOneDomain);
            }
            if (required != null) {
                return Placement.none("TopologyUnsatisfiable", topologyReason(gang, pods, topology, view));
            }
        }
        List<Binding> b = tryPlace(gang, pods, Candidates.ANYWHERE, view, chooser);
        return b != null ? Placement.of(b) : unplaceableAnywhere(gang, pods, view);
    }

    /** Where a gang's pods may go: the listed nodes, or any node of the cluster. */
    record Candidates(List<Integer> nodes) {
        static final Candidates ANYWHERE = new Candidates(null);

        static Candidates of(List<Integer> nodes) {
            return new Candidates(List.copyOf(nodes));
        }

        /**
         * The node {@code pod} fits best now (fewest GPUs left, then least CPU left), or -1. A pod with preferred pod
         * affinity or ScheduleAnyway spread takes the node it prefers most, best fit breaking ties.
         */
        int bestFit(PodInfo pod, CapacityView view) {
            if (view.prefersSomeNodes(pod)) {
                return view.mostPreferred(pod, nodes == null ? view.bestFitOrder(pod.requests().milli(Keys.GPU))
                        : view.inBestFitOrder(nodes));
            }
            if (nodes == null) {
                for (int i : view.bestFitOrder(pod.requests().milli(Keys.GPU))) {
                    if (view.fits(pod, i)) {
                        return i; // the order is the best-fit criterion itself
                    }
                }
                return -1;
            }
            int best = -1;
            long bestGpu = 0, bestCpu = 0;
            for (int i : nodes) {
                if (!view.fits(pod, i)) {
                    continue;
                }
                long gpuAfter = view.freeGpuMilli(i) - pod.requests().milli(Keys.GPU);
                long cpuAfter = view.free(i).milli(Keys.CPU) - pod.requests().milli(Keys.CPU);
                if (best < 0 || gpuAfter < bestGpu || (gpuAfter == bestGpu && cpuAfter < bestCpu)) {
                    best = i;
                    bestGpu = gpuAfter;
                    bestCpu = cpuAfter;
                }
            }
            return best;
        }
    }

    /** The domain a started gang runs (or ran) in, or -1: its later members must join it there. */
    private static int boundDomain(Gang gang, CapacityView view, TopologyIndex topology) {
        return boundDomain(gang.members(), view, topology);
    }

    /** The domain of {@code topology} one of {@code members} runs (or ran) in, or -1. */
    static int boundDomain(List<PodInfo> members, CapacityView view, TopologyIndex topology) {
        for (PodInfo p : members) {
            if (p.nodeName() == null) {
                continue;
            }
            Integer i = view.indexOf(p.nodeName());
            if (i != null && topology.domainOf(i) >= 0) {
                return topology.domainOf(i);
            }
        }
        return -1;
    }

    /** Bindings into the domain with the least free GPU that holds every pod, or null when none does. */
    private static List<Binding> bestFitDomain(Gang gang, TopologyIndex topology, int only, List<PodInfo> pods, CapacityView view,
                                               Chooser chooser) {
        List<Integer> domains = new ArrayList<>(); // a copy: trying a domain takes and gives back capacity
        for (int d : topology.leastFreeFirst(total(pods).milli(Keys.GPU))) {
            if (only < 0 || only == d) {
                domains.add(d);
            }
        }
        boolean identical = identical(pods);
        for (int d : domains) {
            if (identical && (wholeGpuPodsAtMost(pods.get(0), topology, d) < pods.size()
                    || copiesThatFit(pods.get(0), topology.nodes(d), view, pods.size()) < pods.size())) {
                continue; // cannot hold them all, no need to try
            }
            List<Binding> b = tryPlace(gang, pods, Candidates.of(topology.nodes(d)), view, chooser);
            if (b != null) {
                return b;
            }
        }
        return null;
    }

    /** How many pods like {@code pod} the domain's untouched devices could hold; no bound for a fraction. */
    static long wholeGpuPodsAtMost(PodInfo pod, TopologyIndex topology, int domain) {
        return pod.gpuFractionMilli() == 0 ? topology.wholeGpuPodsAtMost(domain, pod.wholeGpus()) : Long.MAX_VALUE;
    }

    /**
     * True when the pods ask for the same and may run on the same nodes, so one count of copies speaks for all; never
     * for pods whose place depends on the pods around them, their host ports or their volumes.
     */
    static boolean identical(List<PodInfo> pods) {
        PodInfo first = pods.get(0);
        for (PodInfo p : pods) {
            if (p.constraints().placedOneByOne()) {
                return false;
            }
            if (!p.requests().equals(first.requests()) || p.gpuFractionMilli() != first.gpuFractionMilli()
                    || !p.nodeSelector().equals(first.nodeSelector()) || !p.tolerations().equals(first.tolerations())
                    || !p.nodeAffinity().equals(first.nodeAffinity())) {
                return false;
            }
        }
        return true;
    }

    /**
     * How many copies of {@code pod} the nodes hold together now, counting no further than {@code enough}.
     * For identical pods this is exactly how many a greedy placement fits: each node's room is its own.
     */
    private static int copiesThatFit(PodInfo pod, Iterable<Integer> nodes, CapacityView view, int enough) {
        long copies = 0;
        for (int i : nodes) {
            long here = view.copiesThatFit(pod, i);
            if (here > 0 && CapacityView.infeasibility(pod, view.node(i)) == null) {
                copies += here;
                if (copies >= enough) {
                    return enough;
                }
            }
        }
        return (int) copies;
    }

    /** Every pod onto the candidates, one by one as this placement ranks nodes; bindings for all, or null. Leaves {@code view} as it found it. */
    List<Binding> tryPlace(Gang gang, List<PodInfo> pods, Candidates candidates, CapacityView view) {
        return tryPlace(gang, pods, candidates, view, chooser);
    }

    /** As {@link #tryPlace}, passing over pods that find no room: bindings for the ones placed. */
    List<Binding> placeWhatFits(Gang gang, List<PodInfo> pods, Candidates candidates, CapacityView view) {
        return greedy(gang, pods, candidates, view, false, chooser);
    }

    static List<Binding> tryPlace(Gang gang, List<PodInfo> pods, Candidates candidates, CapacityView view, Chooser chooser) {
        List<Binding> bindings = greedy(gang, pods, candidates, view, true, chooser);
        return bindings.size() == pods.size() ? bindings : null;
    }

    private static List<Binding> greedy(Gang gang, List<PodInfo> pods, Candidates candidates, CapacityView view,
                                        boolean stopAtFirstMiss, Chooser chooser) {
        List<Binding> bindings = new ArrayList<>(pods.size());
        List<PodInfo> placed = new ArrayList<>(pods.size());
        for (PodInfo pod : pods) {
            int best = chooser.choose(gang, pod, candidates, view);
            if (best < 0) {
                if (stopAtFirstMiss) {
                    break;
                }
                continue;
            }
            List<Integer> devices = view.chooseDevices(best, pod);
            view.take(best, pod, devices);
            placed.add(pod);
            bindings.add(new Binding(pod.namespace(), pod.name(), view.node(best).name(), devices));
        }
        for (int t = bindings.size() - 1; t >= 0; t--) {
            Binding b = bindings.get(t);
            view.give(view.indexOf(b.node()), placed.get(t), b.gpuDevices());
        }
        return bindings;
    }

    static Resources total(List<PodInfo> pods) {
        Resources r = Resources.NONE;
        for (PodInfo p : pods) {
            r = r.add(p.requests());
        }
        return r;
    }

    static String describeGpuNeed(List<PodInfo> pods) {
        long gpu = total(pods).milli(Keys.GPU);
        return gpu > 0 ? Resources.formatMilli(gpu) + " " + Keys.GPU : total(pods).toString();
    }

    /**
     * Names the domain that came closest: the most pods fitted, then the most GPU free on nodes the
     * first pod may use, then the first name. Domains are visited most free GPU first, so those that
     * cannot hold more pods than the best so far are never counted.
     */
    private static String topologyReason(Gang gang, List<PodInfo> pods, TopologyIndex topology, CapacityView view) {
        String key = topology.key();
        if (topology.size() == 0) {
            return "needs " + describeGpuNeed(pods) + " in one " + key + "; no node has the label " + key;
        }
        List<Integer> mostFreeFirst = new ArrayList<>(); // a copy: counting takes and gives back capacity
        topology.mostFreeFirst().forEach(mostFreeFirst::add);
        boolean identical = identical(pods);
        int best = -1;
        long bestFree = -1;
        int bestFits = -1;
        for (int d : mostFreeFirst) {
            long domainFree = topology.freeGpuMilli(d);
            int withinGpu = podsWithinGpu(pods, domainFree);
            if (withinGpu < bestFits) {
                break; // the remaining domains have no more GPU free
            }
            long atMost = identical ? Math.min(withinGpu, wholeGpuPodsAtMost(pods.get(0), topology, d)) : withinGpu;
            if (atMost < bestFits || atMost == bestFits && (domainFree < bestFree || (domainFree == bestFree && d > best))) {
                continue;
            }
            long free = 0;
            for (int i : topology.nodes(d)) {
                if (CapacityView.infeasibility(pods.get(0), view.node(i)) == null) {
                    free += view.freeGpuMilli(i);
                }
            }
            int fits = identical ? copiesThatFit(pods.get(0), topology.nodes(d), view, pods.size())
                    : countFitting(gang, pods, Candidates.of(topology.nodes(d)), view);
            if (fits > bestFits || (fits == bestFits && (free > bestFree || (free == bestFree && d < best)))) {
                best = d;
                bestFree = free;
                bestFits = fits;
            }
        }
        String what = total(pods).milli(Keys.GPU) > 0
                ? "has " + Resources.formatMilli(bestFree) + " " + Keys.GPU + " free"
                : "fits " + bestFits + " of " + pods.size() + " pods";
        return "needs " + describeGpuNeed(pods) + " for " + pods.size() + " pods in one " + key + "; the best, "
                + topology.name(best) + ", " + what
                + (bestFits < pods.size() ? claimNote(pods.get(Math.max(0, bestFits)), topology.nodes(best), view) : "");
    }

    /**
     * "; on node n: ..." naming why {@code pod}'s ResourceClaims cannot be met on the first of {@code nodes} that
     * would take it but for them (a device selector, a ComputeDomain's clique); empty when claims are not the reason.
     */
    private static String claimNote(PodInfo pod, Iterable<Integer> nodes, CapacityView view) {
        if (pod.constraints().claims().isEmpty()) {
            return "";
        }
        for (int i : nodes) {
            if (CapacityView.infeasibility(pod, view.node(i)) == null) {
                String problem = view.claimProblem(pod, i);
                if (problem != null) {
                    return "; on node " + view.node(i).name() + " the claims of pod " + pod.key() + " cannot be met: " + problem;
                }
            }
        }
        return "";
    }

    /** The longest prefix of {@code pods} (largest first) whose GPU fits in {@code freeGpuMilli}. */
    private static int podsWithinGpu(List<PodInfo> pods, long freeGpuMilli) {
        long sum = 0;
        for (int k = 0; k < pods.size(); k++) {
            sum += pods.get(k).requests().milli(Keys.GPU);
            if (sum > freeGpuMilli) {
                return k;
            }
        }
        return pods.size();
    }

    /** How many of {@code pods} a greedy best fit gets onto the candidates. */
    private static int countFitting(Gang gang, List<PodInfo> pods, Candidates candidates, CapacityView view) {
        int lo = 0, hi = pods.size();
        while (lo < hi) { // largest prefix that fits; prefixes of a largest-first list nest
            int mid = (lo + hi + 1) / 2;
            if (tryPlace(gang, pods.subList(0, mid), candidates, view, BEST_FIT) != null) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    private static Placement unplaceableAnywhere(Gang gang, List<PodInfo> pods, CapacityView view) {
        PodInfo first = pods.get(0);
        boolean anyFeasible = false;
        for (int i = 0; i < view.size() && !anyFeasible; i++) {
            anyFeasible = CapacityView.infeasibility(first, view.node(i)) == null;
        }
        if (!anyFeasible) {
            return Placement.none("NoFeasibleNode", noFeasibleNodeReason(first, view));
        }
        String blocked = blockedByConstraints(gang, pods, view);
        if (blocked != null) {
            return Placement.none(CONSTRAINTS_UNSATISFIED, blocked);
        }
        long largestFreeGpu = 0;
        for (int i : view.mostFreeGpuFirst()) {
            if (CapacityView.infeasibility(first, view.node(i)) == null) {
                largestFreeGpu = view.freeGpuMilli(i);
                break;
            }
        }
        int fits = identical(pods)
                ? copiesThatFit(first, view.bestFitOrder(first.requests().milli(Keys.GPU)), view, pods.size())
                : countFitting(gang, pods, Candidates.ANYWHERE, view);
        return Placement.none("InsufficientResources", "needs " + total(pods) + " for " + pods.size()
                + " pods; only " + fits + " of them fit in the free capacity"
                + (total(pods).milli(Keys.GPU) > 0
                ? " (the most free " + Keys.GPU + " on one node is " + Resources.formatMilli(largestFreeGpu) + ")" : "")
                + (fits < pods.size() ? claimNote(pods.get(fits), view.mostFreeGpuFirst(), view) : ""));
    }

    /** The code of a gang whose member no node takes now for a rule about the pods around it (or its host ports). */
    public static final String CONSTRAINTS_UNSATISFIED = "ConstraintsUnsatisfied";

    /**
     * Why the first member that finds no node, once those before it are placed, finds none, when rules about the pods
     * around it (affinity, anti-affinity, spread, host ports, pod limits) keep it off some nodes; null when room alone
     * explains it.
     */
    private static String blockedByConstraints(Gang gang, List<PodInfo> pods, CapacityView view) {
        if (!view.mayBeKeptOutBeyondRoom(pods)) {
            return null;
        }
        List<Binding> before = greedy(gang, pods, Candidates.ANYWHERE, view, true, BEST_FIT);
        if (before.size() == pods.size()) {
            return null;
        }
        for (int k = 0; k < before.size(); k++) {
            Binding b = before.get(k);
            view.take(view.indexOf(b.node()), pods.get(k), b.gpuDevices());
        }
        try {
            PodInfo pod = pods.get(before.size());
            Map<String, Integer> why = new TreeMap<>();
            for (int i = 0; i < view.size(); i++) {
                String code = view.whyNot(pod, i);
                if (code != null) { // null: it fits there alone, best fit missed it for an earlier member's choice
                    why.merge(code, 1, Integer::sum);
                }
            }
            if (why.keySet().stream().allMatch(c -> c.equals("room") || CapacityView.isStatic(c))) {
                return null;
            }
            return "no node can run pod " + pod.key() + " now" + (before.isEmpty() ? "" : ", with the "
                    + before.size() + " members before it placed") + ": of " + view.size() + " nodes, " + words(why, pod, view);
        } finally {
            for (int k = before.size() - 1; k >= 0; k--) {
                Binding b = before.get(k);
                view.give(view.indexOf(b.node()), pods.get(k), b.gpuDevices());
            }
        }
    }

    private static String noFeasibleNodeReason(PodInfo pod, CapacityView view) {
        Map<String, Integer> why = new TreeMap<>();
        for (int i = 0; i < view.size(); i++) {
            why.merge(CapacityView.infeasibility(pod, view.node(i)), 1, Integer::sum);
        }
        return "no node can run pod " + pod.key() + ": of " + view.size() + " nodes, " + words(why, pod, view);
    }

    /** "3 are cordoned, 2 ..." from how many nodes each reason code rules out. */
    private static String words(Map<String, Integer> why, PodInfo pod, CapacityView view) {
        List<String> parts = new ArrayList<>();
        why.forEach((r, n) -> parts.add(n + " " + switch (r) {
            case "unschedulable" -> "cordoned";
            case "notReady" -> "not ready";
            case "unreachable" -> "unreachable";
            case "gpuUnhealthy" -> "report unhealthy GPUs";
            case "gpuDevicesUnhealthy" -> "have GPU devices their device plugin reports unhealthy";
            case "nodeSelector" -> "do not match its nodeSelector";
            case "affinity" -> "do not match its required node affinity";
            case "gpuModel" -> "have another GPU model (" + Keys.GPU_PRODUCT_LABEL + ") than it asks for";
            case "taint" -> "have taints it does not tolerate";
            case "podAffinityLabel" -> "lack the topology label of its required pod affinity" + view.describe(pod, r);
            case "spreadLabel" -> "lack the topology label of its topology spread constraints" + view.describe(pod, r);
            case "podAffinity" -> "run no pod its required pod affinity asks for in their domain" + view.describe(pod, r);
            case "podAntiAffinity" -> "have a pod in their domain that its pod anti-affinity keeps it from"
                    + view.describe(pod, r);
            case "existingAntiAffinity" -> "have a pod in their domain whose pod anti-affinity keeps it away"
                    + view.describe(pod, r);
            case "topologySpread" -> "would exceed the maxSkew of its topology spread constraints" + view.describe(pod, r);
            case "hostPort" -> "have its host ports taken" + view.describe(pod, r);
            case "tooManyPods" -> "run as many pods as they allow";
            case "volumeNodeAffinity" -> "cannot reach a PersistentVolume it uses (the volume's node affinity)";
            case "volumeBinding" -> "have no available PersistentVolume for a claim it must bind, and its StorageClass cannot "
                    + "make one there";
            case "volumeLimit" -> "have as many volumes attached as their CSI driver allows (CSINode)";
            case "volumeInUse" -> "would share a ReadWriteOncePod claim with a pod placed before it";
            case "room" -> "have too little free";
            default -> "lack a resource it requests";
        }));
        return String.join(", ", parts);
    }
}
