package dev.phalanx.placement;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.cycle.TopologyIndex;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.placement.fragmentation.Fragmentation;
import dev.phalanx.placement.solver.DevicePacking;
import dev.phalanx.placement.solver.GangFact;
import dev.phalanx.placement.solver.NodeFeasibility;
import dev.phalanx.placement.solver.NodeSlot;
import dev.phalanx.placement.solver.NvlinkDomain;
import dev.phalanx.placement.solver.PlacementConstraints;
import dev.phalanx.placement.solver.PlacementProblem;
import dev.phalanx.placement.solver.PodAssignment;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * One gang's placement problem cut out of the cluster, so a search stays small at thousands of nodes.
 * Domains first: a required topology confines the problem to the warm start's domain; a preferred one
 * to the warm start's domains and the fewest domains that could hold the gang. Then nodes: the warm
 * start's, and those of the chosen domains where some pod of the gang fits, or, with no topology, the
 * best-fit candidates of each kind of pod, until the problem holds {@value #MAX_NODES} nodes.
 *
 * <p>It also prices placements on the soft level without a solver run ({@link #cost}) and bounds what
 * any placement in the problem can cost on the levels above fragmentation ({@link #structuralLowerBound}),
 * so that a warm start nothing can beat there is returned at once: fragmentation is what the warm start
 * ranks every pod's node by.
 */
final class GangProblem {
    static final int MAX_NODES = 128;
    /** Candidates beyond a kind of pod's count, so the search has somewhere to move those pods to. */
    static final int SPARE_NODES = 4;
    /** How many domains a gang that fitted no domain is searched in, most free GPU first. */
    static final int REPAIR_DOMAINS = 2;

    private final Gang gang;
    private final List<PodInfo> pods;
    private final CapacityView view;
    private final BestFitPlacement warmStart;
    private final PlacementProblem solution;
    private final List<Integer> fewestPreferredDomains; // null unless the warm start spread a preferred topology
    private final List<Binding> fewestDomainsPlacement;

    private GangProblem(BestFitPlacement warmStart, Gang gang, List<PodInfo> pods, CapacityView view, Set<Integer> nodes,
                        List<Binding> seed, PreviousPlacements previous, List<Integer> fewestPreferredDomains,
                        List<Binding> fewestDomainsPlacement) {
        this.gang = gang;
        this.pods = pods;
        this.view = view;
        this.warmStart = warmStart;
        this.solution = build(warmStart, gang, pods, view, nodes, seed, previous);
        this.fewestPreferredDomains = fewestPreferredDomains;
        this.fewestDomainsPlacement = fewestDomainsPlacement;
    }

    /** The problem around a warm start that placed the gang: its nodes and the alternatives nearby. */
    static GangProblem around(BestFitPlacement warmStart, Gang gang, List<PodInfo> pods, CapacityView view,
                              List<Binding> warm, PreviousPlacements previous) {
        Set<Integer> nodes = new LinkedHashSet<>();
        warm.forEach(b -> nodes.add(view.indexOf(b.node())));
        List<Integer> fewestDomains = null;
        List<Binding> inFewestDomains = null;
        String required = gang.topologyRequired();
        String preferred = gang.topologyPreferred();
        if (required == null && preferred != null && domainsUsed(view.topology(preferred), warm, view) > 1) {
            TopologyIndex t = view.topology(preferred);
            fewestDomains = fewestDomains(t, pods, view);
            List<Integer> domainNodes = new ArrayList<>();
            fewestDomains.forEach(d -> domainNodes.addAll(t.nodes(d)));
            inFewestDomains = warmStart.tryPlace(gang, pods, BestFitPlacement.Candidates.of(domainNodes), view);
            if (inFewestDomains != null) {
                inFewestDomains.forEach(b -> nodes.add(view.indexOf(b.node())));
            }
        }
        for (PodInfo p : pods) {
            Integer before = previous.nodeOf(p) == null ? null : view.indexOf(previous.nodeOf(p));
            if (before != null) {
                nodes.add(before);
            }
        }
        if (required != null) {
            TopologyIndex t = view.topology(required);
            addWhereTheyFit(nodes, t.nodes(t.domainOf(view.indexOf(warm.get(0).node()))), pods, view);
        } else if (preferred != null) {
            TopologyIndex t = view.topology(preferred);
            Set<Integer> domains = new LinkedHashSet<>();
            for (int i : List.copyOf(nodes)) {
                if (t.domainOf(i) >= 0) {
                    domains.add(t.domainOf(i));
                }
            }
            for (int d : domains) {
                addWhereTheyFit(nodes, t.nodes(d), pods, view);
            }
        } else {
            addBestFitCandidates(nodes, pods, view);
        }
        return new GangProblem(warmStart, gang, pods, view, nodes, warm, previous, fewestDomains, inFewestDomains);
    }

    /**
     * Problems for a gang of unlike pods the warm start could not place: best-fit takes pods one at a
     * time and can miss a packing that exists. Each is seeded with what best-fit does place; a required
     * topology gives one problem per domain that could hold the gang, most free GPU first.
     */
    static List<GangProblem> repairs(BestFitPlacement warmStart, Gang gang, List<PodInfo> pods, CapacityView view,
                                     PreviousPlacements previous) {
        long needGpu = BestFitPlacement.total(pods).milli(Keys.GPU);
        List<Set<Integer>> regions = new ArrayList<>();
        if (gang.topologyRequired() != null) {
            TopologyIndex t = view.topology(gang.topologyRequired());
            for (int d : t.mostFreeFirst()) {
                if (regions.size() == REPAIR_DOMAINS || t.freeGpuMilli(d) < needGpu) {
                    break;
                }
                Set<Integer> nodes = new LinkedHashSet<>();
                addWhereTheyFit(nodes, t.nodes(d), pods, view);
                regions.add(nodes);
            }
        } else {
            Set<Integer> nodes = new LinkedHashSet<>();
            addBestFitCandidates(nodes, pods, view);
            regions.add(nodes);
        }
        List<GangProblem> problems = new ArrayList<>();
        for (Set<Integer> nodes : regions) {
            if (couldHold(nodes, pods, view)) {
                List<Binding> seed = warmStart.placeWhatFits(gang, pods, BestFitPlacement.Candidates.of(List.copyOf(nodes)), view);
                problems.add(new GangProblem(warmStart, gang, pods, view, nodes, seed, previous, null, null));
            }
        }
        return problems;
    }

    /**
     * Cheap tests a search would otherwise learn the slow way: together the nodes have every resource
     * the pods ask for and enough untouched devices for their whole GPUs, and each kind of pod fits one.
     */
    private static boolean couldHold(Set<Integer> nodes, List<PodInfo> pods, CapacityView view) {
        Resources free = Resources.NONE;
        long untouchedDevices = 0;
        for (int i : nodes) {
            free = free.add(view.free(i));
            untouchedDevices += view.wholeFreeDevices(i);
        }
        long wholeGpus = pods.stream().mapToLong(PodInfo::wholeGpus).sum();
        return BestFitPlacement.total(pods).fitsIn(free) && wholeGpus <= untouchedDevices
                && kinds(pods).stream().allMatch(k -> nodes.stream().anyMatch(i -> view.fits(k, i)));
    }

    private static int domainsUsed(TopologyIndex t, List<Binding> bindings, CapacityView view) {
        Set<Integer> domains = new LinkedHashSet<>();
        for (Binding b : bindings) {
            int d = t.domainOf(view.indexOf(b.node()));
            domains.add(d >= 0 ? d : -1 - view.indexOf(b.node())); // a node without the label is a domain of its own
        }
        return domains.size();
    }

    /**
     * The fewest domains that could hold the pods: as many of the roomiest as it takes, the last of
     * them swapped for the domain with the least room that still covers what is left, so that large
     * domains stay whole where they can. For identical pods room is counted in pods that fit node by
     * node, exactly; for unlike pods, in free GPU. No fewer domains can hold them. Exact counts walk
     * nodes, so domains are counted in order of a quick upper bound (pods on untouched devices), and
     * counting stops once no uncounted domain could change the answer.
     */
    private static List<Integer> fewestDomains(TopologyIndex t, List<PodInfo> pods, CapacityView view) {
        PodInfo first = pods.get(0);
        boolean identical = BestFitPlacement.identical(pods);
        long need = identical ? pods.size() : BestFitPlacement.total(pods).milli(Keys.GPU);
        ToLongFunction<Integer> quick = d -> identical
                ? Math.min(need, BestFitPlacement.wholeGpuPodsAtMost(first, t, d)) : t.freeGpuMilli(d);
        ToLongFunction<Integer> exact = d -> identical ? Math.min(need, podsThatFit(first, t.nodes(d), view)) : t.freeGpuMilli(d);
        List<Integer> order = new ArrayList<>();
        for (int d = 0; d < t.size(); d++) {
            order.add(d);
        }
        order.sort(Comparator.comparingLong(quick).reversed().thenComparingInt(d -> d));
        List<long[]> counted = new ArrayList<>(); // {room, domain}, roomiest first
        for (int d : order) {
            if (enough(counted, need) && quick.applyAsLong(d) <= smallestNeeded(counted, need)) {
                break;
            }
            counted.add(new long[]{exact.applyAsLong(d), d});
            counted.sort(Comparator.comparingLong((long[] c) -> c[0]).reversed().thenComparingLong(c -> c[1]));
        }
        List<Integer> domains = new ArrayList<>();
        long held = 0;
        for (long[] c : counted) {
            if (!domains.isEmpty() && held >= need) {
                break;
            }
            domains.add((int) c[1]);
            held += c[0];
        }
        if (held < need) {
            return domains; // even all of them cannot hold the pods
        }
        int last = domains.remove(domains.size() - 1);
        long left = need - (held - exact.applyAsLong(last));
        List<Integer> tighter = new ArrayList<>(order.reversed()); // least quick room first
        for (int d : tighter) {
            if (d == last || domains.contains(d) || quick.applyAsLong(d) < left) {
                continue;
            }
            if (exact.applyAsLong(d) >= left) {
                last = d;
                break;
            }
        }
        domains.add(last);
        return domains;
    }

    private static boolean enough(List<long[]> counted, long need) {
        long held = 0;
        for (long[] c : counted) {
            held += c[0];
        }
        return !counted.isEmpty() && held >= need;
    }

    /** The room of the last domain the roomiest-first choice takes from {@code counted}. */
    private static long smallestNeeded(List<long[]> counted, long need) {
        long held = 0;
        for (long[] c : counted) {
            held += c[0];
            if (held >= need) {
                return c[0];
            }
        }
        return 0;
    }

    private static long podsThatFit(PodInfo pod, List<Integer> nodes, CapacityView view) {
        long pods = 0;
        for (int i : nodes) {
            if (view.fits(pod, i)) {
                pods += view.copiesThatFit(pod, i);
            }
        }
        return pods;
    }

    /**
     * Domains first, for a preferred topology the warm start spread over several domains: the pods
     * best-fit into the nodes of the fewest domains that could hold them. Null otherwise, or when they
     * do not fit there.
     */
    List<Binding> fewestDomainsPlacement() {
        return fewestDomainsPlacement;
    }

    private static void addWhereTheyFit(Set<Integer> chosen, List<Integer> nodes, List<PodInfo> pods, CapacityView view) {
        List<PodInfo> kinds = kinds(pods);
        for (int i : nodes) {
            if (chosen.size() >= MAX_NODES) {
                return;
            }
            for (PodInfo p : kinds) {
                if (view.fits(p, i)) {
                    chosen.add(i);
                    break;
                }
            }
        }
    }

    /** For each kind of pod, the nodes it fits best, as many as there are such pods and a few more. */
    private static void addBestFitCandidates(Set<Integer> chosen, List<PodInfo> pods, CapacityView view) {
        for (PodInfo kind : kinds(pods)) {
            long want = pods.stream().filter(p -> sameKind(p, kind)).count() + SPARE_NODES;
            int added = 0;
            for (int i : view.bestFitOrder(kind.requests().milli(Keys.GPU))) {
                if (added == want || chosen.size() >= MAX_NODES) {
                    break;
                }
                if (view.fits(kind, i)) {
                    chosen.add(i);
                    added++;
                }
            }
        }
    }

    /** One pod of each kind: pods of a kind ask for the same and may run on the same nodes. */
    private static List<PodInfo> kinds(List<PodInfo> pods) {
        List<PodInfo> kinds = new ArrayList<>();
        for (PodInfo p : pods) {
            if (kinds.stream().noneMatch(k -> sameKind(k, p))) {
                kinds.add(p);
            }
        }
        return kinds;
    }

    private static boolean sameKind(PodInfo a, PodInfo b) {
        return BestFitPlacement.identical(List.of(a, b));
    }

    /**
     * Node {@code i} as a problem fact, sharing one fact per NVLink domain through {@code nvlinkDomains};
     * measured by {@code fragmentation} (null: not measured).
     */
    private static NodeSlot slot(int position, int i, CapacityView view, Map<Integer, NvlinkDomain> nvlinkDomains,
                                 Fragmentation fragmentation) {
        TopologyIndex cliques = view.topology(Keys.CLIQUE_LABEL);
        int d = cliques.domainOf(i);
        NvlinkDomain domain = d < 0 ? null : nvlinkDomains.computeIfAbsent(d,
                k -> new NvlinkDomain(cliques.name(k), cliques.freeGpuMilli(k), cliques.totalGpuMilli(k)));
        return new NodeSlot(position, view.node(i), view.free(i), view.deviceFreeMilli(i), domain, fragmentation);
    }

    private static PlacementProblem build(BestFitPlacement warmStart, Gang gang, List<PodInfo> pods, CapacityView view,
                                          Set<Integer> nodeIndexes, List<Binding> seed, PreviousPlacements previous) {
        Map<Integer, NvlinkDomain> nvlinkDomains = new HashMap<>();
        Fragmentation fragmentation = warmStart.fragmentation(view, pods.get(0).schedulerName());
        List<NodeSlot> slots = new ArrayList<>();
        Map<String, NodeSlot> byName = new HashMap<>();
        for (int i : nodeIndexes) {
            NodeSlot slot = slot(slots.size(), i, view, nvlinkDomains, fragmentation);
            slots.add(slot);
            byName.put(slot.name(), slot);
        }
        // one gang per problem: the medium level weighs only whether it is placed
        GangFact fact = new GangFact(gang.key(), pods.size(), 1, gang.topologyRequired(), gang.topologyPreferred());
        Map<String, String> seedNodes = new HashMap<>();
        seed.forEach(b -> seedNodes.put(b.podKey(), b.node()));
        Map<PodInfo, NodeFeasibility> feasibilityByKind = new LinkedHashMap<>();
        List<PodAssignment> assignments = new ArrayList<>();
        for (PodInfo p : pods) {
            PodInfo kind = feasibilityByKind.keySet().stream().filter(k -> sameKind(k, p)).findFirst().orElse(p);
            NodeFeasibility feasibility = feasibilityByKind.computeIfAbsent(kind,
                    k -> new NodeFeasibility(k, gang.topologyRequired(), slots.size()));
            String seedNode = seedNodes.get(p.key());
            assignments.add(new PodAssignment(p, fact, feasibility, previous.nodeOf(p),
                    seedNode == null ? null : byName.get(seedNode)));
        }
        return new PlacementProblem(slots, assignments);
    }

    PlacementProblem solution() {
        return solution;
    }

    /** Sets every pod's node to the one {@code bindings} give it: where the search starts. */
    void startFrom(List<Binding> bindings) {
        Map<String, NodeSlot> slots = new HashMap<>();
        solution.getNodes().forEach(n -> slots.put(n.name(), n));
        for (PodAssignment a : solution.getAssignments()) {
            a.setNode(slots.get(nodeOf(bindings, a.pod())));
        }
    }

    /**
     * What {@link PlacementConstraints}' soft level charges for a placement, by level: {@code structural} for
     * preferred domains and NVLink domains, {@code fragmentation} for the growth of fragmentation, {@code moved}
     * for pods off their previous node. The solver's soft score is minus {@link #total()}.
     */
    record Cost(long structural, long fragmentation, long moved) {
        long total() {
            return structural + fragmentation + moved;
        }
    }

    /** As {@link #cost(BestFitPlacement, Gang, List, List, CapacityView, PreviousPlacements)}, for this problem's gang. */
    Cost cost(List<Binding> bindings, PreviousPlacements previous) {
        return cost(warmStart, gang, pods, bindings, view, previous);
    }

    /**
     * What {@link PlacementConstraints}' soft level charges for placing {@code pods} as {@code bindings},
     * worked out directly from the same rules, so that judging a warm start needs no solver run.
     */
    static Cost cost(BestFitPlacement warmStart, Gang gang, List<PodInfo> pods, List<Binding> bindings, CapacityView view,
                     PreviousPlacements previous) {
        Map<Integer, NvlinkDomain> nvlinkDomains = new HashMap<>();
        Fragmentation fragmentation = warmStart.fragmentation(view, pods.get(0).schedulerName());
        Map<String, NodeSlot> slots = new HashMap<>();
        Map<NodeSlot, List<PodInfo>> byNode = new LinkedHashMap<>();
        Map<NvlinkDomain, Long> gpuByDomain = new LinkedHashMap<>();
        Set<String> preferredDomains = new LinkedHashSet<>();
        boolean noTopology = gang.topologyRequired() == null && gang.topologyPreferred() == null;
        long structural = 0, moved = 0, fragmentationCost = 0;
        for (PodInfo pod : pods) {
            String nodeName = nodeOf(bindings, pod);
            NodeSlot node = slots.computeIfAbsent(nodeName,
                    n -> slot(slots.size(), view.indexOf(n), view, nvlinkDomains, fragmentation));
            byNode.computeIfAbsent(node, n -> new ArrayList<>()).add(pod);
            if (node.nvlinkDomain() != null) {
                gpuByDomain.merge(node.nvlinkDomain(), pod.requests().milli(Keys.GPU), Long::sum);
                structural += noTopology ? PlacementConstraints.NVLINK_DOMAIN_USED : 0;
            }
            if (gang.topologyPreferred() != null) {
                String value = node.label(gang.topologyPreferred());
                preferredDomains.add(value != null ? value : "node " + node.name());
            }
            String before = previous.nodeOf(pod);
            moved += before != null && !before.equals(nodeName) ? PlacementConstraints.MOVED_POD : 0;
        }
        structural += Math.max(0, preferredDomains.size() - 1) * PlacementConstraints.EXTRA_PREFERRED_DOMAIN;
        for (Map.Entry<NvlinkDomain, Long> e : gpuByDomain.entrySet()) {
            structural += PlacementConstraints.breaksNvlinkDomain(e.getKey(), e.getValue()) ? PlacementConstraints.BROKEN_NVLINK_DOMAIN : 0;
        }
        for (Map.Entry<NodeSlot, List<PodInfo>> e : byNode.entrySet()) {
            fragmentationCost += PlacementConstraints.fragmentationCost(e.getKey(), e.getValue());
        }
        return new Cost(structural, fragmentationCost, moved);
    }

    private static String nodeOf(List<Binding> bindings, PodInfo pod) {
        for (Binding b : bindings) {
            if (b.podKey().equals(pod.key())) {
                return b.node();
            }
        }
        throw new IllegalArgumentException("no binding for pod " + pod.key());
    }

    /**
     * A cost on the structural level no placement in this problem can go below. When a start costs no
     * more there, and keeps every pod where it was, there is nothing to search for: it counts what is
     * forced: the fewest preferred domains that could hold the gang; the cost of the one NVLink domain all
     * candidates are in; for a gang without a topology, its pods in domains when every candidate is in one.
     */
    long structuralLowerBound() {
        long bound = (fewestPreferredDomains() - 1) * PlacementConstraints.EXTRA_PREFERRED_DOMAIN;
        long gpu = BestFitPlacement.total(pods).milli(Keys.GPU);
        List<NodeSlot> slots = solution.getNodes();
        if (slots.stream().map(NodeSlot::nvlinkDomain).distinct().count() == 1
                && PlacementConstraints.breaksNvlinkDomain(slots.get(0).nvlinkDomain(), gpu)) {
            bound += PlacementConstraints.BROKEN_NVLINK_DOMAIN;
        }
        if (gang.topologyRequired() == null && gang.topologyPreferred() == null
                && slots.stream().allMatch(n -> n.nvlinkDomain() != null)) {
            bound += pods.size() * PlacementConstraints.NVLINK_DOMAIN_USED;
        }
        return bound;
    }

    /** 1 unless the warm start spread a preferred topology over several domains. */
    private long fewestPreferredDomains() {
        if (fewestPreferredDomains == null) {
            return 1;
        }
        // best-fit found no one domain that holds these identical pods, and it misses none that does
        return BestFitPlacement.identical(pods) ? Math.max(2, fewestPreferredDomains.size()) : fewestPreferredDomains.size();
    }

    /** True when {@code solved} places every pod and breaks nothing hard. */
    static boolean placesAll(PlacementProblem solved) {
        return solved.getScore().isFeasible() && solved.getAssignments().stream().allMatch(PodAssignment::assigned);
    }

    /** The bindings of a solved problem, in the pods' order, with the devices each pod gets on its node. */
    List<Binding> bindings(PlacementProblem solved) {
        Map<NodeSlot, List<PodInfo>> byNode = new LinkedHashMap<>();
        for (PodAssignment a : solved.getAssignments()) {
            byNode.computeIfAbsent(a.getNode(), n -> new ArrayList<>()).add(a.pod());
        }
        Map<String, List<Integer>> devices = new HashMap<>();
        byNode.forEach((node, onIt) -> devices.putAll(DevicePacking.pack(node.deviceFree(), onIt).devices()));
        List<Binding> bindings = new ArrayList<>(pods.size());
        for (PodAssignment a : solved.getAssignments()) {
            PodInfo p = a.pod();
            bindings.add(new Binding(p.namespace(), p.name(), a.getNode().name(), devices.getOrDefault(p.key(), List.of())));
        }
        return bindings;
    }
}
