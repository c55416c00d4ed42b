package dev.phalanx.placement;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.cycle.PlacementPolicy.Placement;
import dev.phalanx.core.cycle.TopologyIndex;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.SubGroups;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Placement of a gang with subgroups: the domains of all its subgroups chosen together, all or nothing.
 *
 * <p>The gang's own topology key (required, else preferred) is tried first: its domains that hold the whole request,
 * least free first, so the job spans one spine or zone where one holds it. Inside the domain chosen, subgroups go
 * largest first, each into the least-free domain of its own key that still holds it (best-fit decreasing over domains:
 * whole racks stay free for whole-rack subgroups); an inner subgroup with a key of its own chooses its domain the same
 * way and places its children inside it, trying its next domain when one of them finds none. A subgroup whose members
 * already run stays in their domain. With a preferred gang key and no domain holding all, the job tries the 2, then 3, ...
 * domains of that key with the most free GPU, inside them the domains already used first, so it spans as few as it
 * can; then anywhere. Every pod is placed by
 * {@link BestFitPlacement}'s node ranking inside the nodes its subgroup may use.
 *
 * <p>When nothing fits, the reason names the subgroup that found no domain in the attempt that came closest:
 * {@code SubGroupUnsatisfiable: segment 3 of 4 needs 72 nvidia.com/gpu (18 pods) in one nvidia.com/gpu.clique; ...}.
 */
final class SubGroupPlacement {
    static final String UNSATISFIABLE = "SubGroupUnsatisfiable";

    private final Gang gang;
    private final CapacityView view;
    private final BestFitPlacement.Chooser chooser;
    private final SubGroups tree;
    private final Map<String, List<PodInfo>> podsByLeaf = new LinkedHashMap<>();
    private final List<PodInfo> loose = new ArrayList<>();
    /** What is taken on the view during one attempt, to give back. */
    private final List<Binding> taken = new ArrayList<>();
    private final List<PodInfo> takenPods = new ArrayList<>();
    /** The attempt that came closest: most subgroups placed before one found no domain. */
    private Failure closest;
    private int placedInAttempt;
    /** Domains of the gang's own key used so far in a spread-out attempt (preferred key): tried first. */
    private Set<Integer> outerUsed = Set.of();
    private TopologyIndex outer;

    private record Failure(SubGroups.Node node, int placedBefore, String region, String key, Set<Integer> regionNodes) {
    }

    private SubGroupPlacement(Gang gang, List<PodInfo> pods, CapacityView view, BestFitPlacement.Chooser chooser) {
        this.gang = gang;
        this.view = view;
        this.chooser = chooser;
        this.tree = gang.subGroups();
        for (PodInfo p : pods) {
            String leaf = tree.leafOf(p);
            if (leaf == null) {
                loose.add(p);
            } else {
                podsByLeaf.computeIfAbsent(leaf, k -> new ArrayList<>()).add(p);
            }
        }
    }

    static Placement place(Gang gang, List<PodInfo> pods, CapacityView view, BestFitPlacement.Chooser chooser) {
        return new SubGroupPlacement(gang, pods, view, chooser).place(pods);
    }

    private Placement place(List<PodInfo> pods) {
        String required = gang.topologyRequired();
        String key = required != null ? required : gang.topologyPreferred();
        if (key != null) {
            outer = view.topology(key);
            int bound = BestFitPlacement.boundDomain(gang.members(), view, outer);
            long gpu = BestFitPlacement.total(pods).milli(Keys.GPU);
            List<Integer> domains = new ArrayList<>();
            for (int d : outer.leastFreeFirst(gpu)) {
                if (bound < 0 || bound == d) {
                    domains.add(d);
                }
            }
            for (int d : domains) {
                List<Binding> b = attempt(new HashSet<>(outer.nodes(d)), key + "=" + outer.name(d));
                if (b != null) {
                    return Placement.of(b);
                }
            }
            if (required != null) {
                return closest != null ? Placement.none(UNSATISFIABLE, describe(closest))
                        : Placement.none("TopologyUnsatisfiable", outerReason(pods, key, bound));
            }
            // the fewest domains of the preferred key: the k with the most free GPU, k = 2, 3, ... until they hold it
            List<Integer> mostFree = new ArrayList<>();
            outer.mostFreeFirst().forEach(mostFree::add);
            Set<Integer> region = new HashSet<>();
            long free = 0;
            outerUsed = new HashSet<>();
            for (int k = 0; k < mostFree.size(); k++) {
                int d = mostFree.get(k);
                region.addAll(outer.nodes(d));
                free += outer.freeGpuMilli(d);
                if (k == 0 || free < gpu) {
                    continue;
                }
                List<Binding> b = attempt(region, null);
                if (b != null) {
                    return Placement.of(b);
                }
            }
        }
        List<Binding> b = attempt(null, null);
        if (b != null) {
            return Placement.of(b);
        }
        return closest != null ? Placement.none(UNSATISFIABLE, describe(closest))
                : Placement.none("InsufficientResources", "needs " + BestFitPlacement.total(pods) + " for " + pods.size()
                + " pods; they do not fit in the free capacity");
    }

    /** Every subgroup and loose pod inside {@code region} (null: anywhere); the bindings, or null. Leaves the view as it was. */
    private List<Binding> attempt(Set<Integer> region, String regionName) {
        placedInAttempt = 0;
        try {
            if (!placeChildren(null, region, regionName)) {
                return null;
            }
            if (!loose.isEmpty()) {
                List<Binding> b = BestFitPlacement.tryPlace(gang, loose, candidates(region), view, chooser);
                if (b == null) {
                    return null;
                }
                takeAll(b, loose);
            }
            return List.copyOf(taken);
        } finally {
            giveAll();
        }
    }

    /** The children of {@code parent} that have pods to place, largest first, each into its own domain. */
    private boolean placeChildren(String parent, Set<Integer> region, String regionName) {
        List<SubGroups.Node> children = new ArrayList<>();
        for (SubGroups.Node c : tree.children(parent)) {
            if (gpuOf(c) >= 0) {
                children.add(c);
            }
        }
        children.sort(Comparator.comparingLong(this::gpuOf).reversed());
        for (SubGroups.Node c : children) {
            if (!placeNode(c, region, regionName)) {
                return false;
            }
        }
        return true;
    }

    /** GPU milli the pods to place under {@code n} ask for; -1 when none of them is under it. */
    private long gpuOf(SubGroups.Node n) {
        long gpu = -1;
        for (SubGroups.Node leaf : tree.leavesUnder(n)) {
            List<PodInfo> pods = podsByLeaf.get(leaf.name());
            if (pods != null) {
                gpu = Math.max(gpu, 0) + BestFitPlacement.total(pods).milli(Keys.GPU);
            }
        }
        return gpu;
    }

    private List<PodInfo> podsUnder(SubGroups.Node n) {
        List<PodInfo> out = new ArrayList<>();
        for (SubGroups.Node leaf : tree.leavesUnder(n)) {
            out.addAll(podsByLeaf.getOrDefault(leaf.name(), List.of()));
        }
        return out;
    }

    /** Places the pods under {@code n} inside {@code region}: in one domain of its key when it has one. */
    private boolean placeNode(SubGroups.Node n, Set<Integer> region, String regionName) {
        String key = n.required() != null ? n.required() : n.preferred();
        if (key == null) {
            return placeInside(n, region, regionName);
        }
        TopologyIndex t = view.topology(key);
        List<PodInfo> pods = podsUnder(n);
        int bound = BestFitPlacement.boundDomain(membersUnder(n), view, t);
        for (int d : candidateDomains(t, region, BestFitPlacement.total(pods).milli(Keys.GPU), bound, pods)) {
            int mark = taken.size();
            int placedBefore = placedInAttempt;
            if (placeInside(n, intersect(t.nodes(d), region), regionName)) {
                return true;
            }
            undoTo(mark);
            placedInAttempt = placedBefore;
        }
        if (n.required() == null) {
            return placeInside(n, region, regionName);
        }
        fail(n, regionName, key, region);
        return false;
    }

    /** The leaf's pods onto {@code nodes}, or an inner node's children inside them. */
    private boolean placeInside(SubGroups.Node n, Set<Integer> nodes, String regionName) {
        if (!tree.isLeaf(n)) {
            return placeChildren(n.name(), nodes, regionName);
        }
        List<PodInfo> pods = new ArrayList<>(podsByLeaf.get(n.name()));
        pods.sort(BestFitPlacement.LARGEST_FIRST);
        List<Binding> b = BestFitPlacement.tryPlace(gang, pods, candidates(nodes), view, chooser);
        if (b == null) {
            if (n.required() == null && n.preferred() == null) {
                fail(n, regionName, null, nodes);
            }
            return false;
        }
        takeAll(b, pods);
        placedInAttempt++;
        return true;
    }

    /**
     * Domains of {@code t} inside {@code region} with room for {@code gpu}, least free first; those of the gang's
     * domains already used first when the job spreads; only {@code bound} when the subgroup already runs there.
     */
    private List<Integer> candidateDomains(TopologyIndex t, Set<Integer> region, long gpu, int bound, List<PodInfo> pods) {
        List<long[]> ranked = new ArrayList<>();
        boolean identical = !pods.isEmpty() && BestFitPlacement.identical(pods);
        for (int d : t.leastFreeFirst(gpu)) {
            if (bound >= 0 && d != bound) {
                continue;
            }
            long free = 0;
            int first = -1;
            for (int i : t.nodes(d)) {
                if (region == null || region.contains(i)) {
                    free += view.freeGpuMilli(i);
                    first = first < 0 ? i : first;
                }
            }
            if (first < 0 || free < gpu) {
                continue;
            }
            if (identical && BestFitPlacement.wholeGpuPodsAtMost(pods.get(0), t, d) < pods.size()) {
                continue;
            }
            long spread = outer == null || outerUsed.isEmpty() || outerUsed.contains(outer.domainOf(first)) ? 0 : 1;
            ranked.add(new long[]{spread, free, d});
        }
        ranked.sort(Comparator.<long[]>comparingLong(r -> r[0]).thenComparingLong(r -> r[1]).thenComparingLong(r -> r[2]));
        List<Integer> out = new ArrayList<>(ranked.size());
        ranked.forEach(r -> out.add((int) r[2]));
        return out;
    }

    private void fail(SubGroups.Node n, String regionName, String key, Set<Integer> region) {
        if (closest == null || placedInAttempt > closest.placedBefore()) {
            closest = new Failure(n, placedInAttempt, regionName, key, region);
        }
    }

    /** "segment 3 of 4 needs 72 nvidia.com/gpu (18 pods) in one clique inside spine=s1; 2 of them have that free ...". */
    private String describe(Failure f) {
        List<PodInfo> pods = podsUnder(f.node());
        String need = needOf(pods);
        String inside = f.region() == null ? "" : " inside " + f.region();
        if (f.key() == null) {
            return f.node().describe() + " needs " + need + inside + "; its pods do not fit the free capacity there"
                    + afterChosen(f);
        }
        TopologyIndex t = view.topology(f.key());
        long gpu = BestFitPlacement.total(pods).milli(Keys.GPU);
        int holding = 0, all = 0;
        for (int d = 0; d < t.size(); d++) {
            long free = 0;
            boolean in = false;
            for (int i : t.nodes(d)) {
                if (f.regionNodes() == null || f.regionNodes().contains(i)) {
                    free += view.freeGpuMilli(i);
                    in = true;
                }
            }
            if (in) {
                all++;
                if (free >= gpu && BestFitPlacement.tryPlace(gang, pods, BestFitPlacement.Candidates.of(
                        intersect(t.nodes(d), f.regionNodes()).stream().sorted().toList()), view, chooser) != null) {
                    holding++;
                }
            }
        }
        int needing = 0;
        for (SubGroups.Node n : tree.nodes()) {
            if (f.key().equals(n.required()) && gpuOf(n) >= 0) {
                needing++;
            }
        }
        return f.node().describe() + " needs " + need + " in one " + f.key() + inside + "; " + holding + " of the " + all
                + " " + f.key() + " domains there have room for it alone, and " + needing
                + (needing == 1 ? " subgroup needs one" : " subgroups need one each") + afterChosen(f);
    }

    private static String afterChosen(Failure f) {
        return f.placedBefore() == 0 ? "" : " (" + f.placedBefore() + " placed before it)";
    }

    private static String needOf(List<PodInfo> pods) {
        return BestFitPlacement.describeGpuNeed(pods) + " (" + pods.size() + (pods.size() == 1 ? " pod)" : " pods)");
    }

    private String outerReason(List<PodInfo> pods, String key, int bound) {
        TopologyIndex t = view.topology(key);
        if (t.size() == 0) {
            return "needs " + needOf(pods) + " in one " + key + "; no node has the label " + key;
        }
        if (bound >= 0) {
            return "needs " + needOf(pods) + " in " + key + "=" + t.name(bound) + ", where its members run; it has "
                    + Resources.formatMilli(t.freeGpuMilli(bound)) + " " + Keys.GPU + " free";
        }
        int most = t.mostFreeFirst().iterator().next();
        return "needs " + needOf(pods) + " in one " + key + "; the most free, " + t.name(most) + ", has "
                + Resources.formatMilli(t.freeGpuMilli(most)) + " " + Keys.GPU + " free";
    }

    private List<PodInfo> membersUnder(SubGroups.Node n) {
        Set<String> leaves = new HashSet<>();
        tree.leavesUnder(n).forEach(l -> leaves.add(l.name()));
        List<PodInfo> out = new ArrayList<>();
        for (PodInfo p : gang.members()) {
            if (leaves.contains(tree.leafOf(p))) {
                out.add(p);
            }
        }
        return out;
    }

    private static Set<Integer> intersect(List<Integer> nodes, Set<Integer> region) {
        Set<Integer> out = new HashSet<>();
        for (int i : nodes) {
            if (region == null || region.contains(i)) {
                out.add(i);
            }
        }
        return out;
    }

    private static BestFitPlacement.Candidates candidates(Set<Integer> nodes) {
        return nodes == null ? BestFitPlacement.Candidates.ANYWHERE
                : BestFitPlacement.Candidates.of(nodes.stream().sorted().toList());
    }

    private void takeAll(List<Binding> bindings, List<PodInfo> pods) {
        Map<String, PodInfo> byName = new LinkedHashMap<>();
        pods.forEach(p -> byName.put(p.name(), p));
        for (Binding b : bindings) {
            PodInfo p = byName.get(b.pod());
            int i = view.indexOf(b.node());
            view.take(i, p, b.gpuDevices());
            taken.add(b);
            takenPods.add(p);
            if (outer != null && outerUsed instanceof HashSet<Integer> used && outer.domainOf(i) >= 0) {
                used.add(outer.domainOf(i));
            }
        }
    }

    private void undoTo(int mark) {
        for (int k = taken.size() - 1; k >= mark; k--) {
            Binding b = taken.remove(k);
            view.give(view.indexOf(b.node()), takenPods.remove(k), b.gpuDevices());
        }
        if (outer != null && outerUsed instanceof HashSet<Integer> used) {
            used.clear(); // the domains of the gang's key still used: those of what is still taken
            for (Binding b : taken) {
                int d = outer.domainOf(view.indexOf(b.node()));
                if (d >= 0) {
                    used.add(d);
                }
            }
        }
    }

    private void giveAll() {
        undoTo(0);
    }
}
