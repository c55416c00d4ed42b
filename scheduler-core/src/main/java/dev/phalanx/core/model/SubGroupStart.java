package dev.phalanx.core.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a gang with subgroups needs to start, read from its members now: {@code started} once enough subgroups run,
 * each complete, and at least {@code minMember} pods; else {@code pods}, the pending members to place together (the
 * missing pods of the subgroups chosen, the first ready ones in declared order, then more of their pods up to the
 * gang's minMember), or null with {@code shortOf} saying which subgroup lacks pods.
 */
public record SubGroupStart(boolean started, List<PodInfo> pods, String shortOf) {

    public static SubGroupStart of(Gang gang) {
        SubGroups tree = gang.subGroups();
        Counter c = new Counter(gang);
        boolean treeDone = c.satisfied(null);
        if (treeDone && gang.boundOrFinished() >= gang.minMember()) {
            return new SubGroupStart(true, List.of(), null);
        }
        Set<String> chosen = new LinkedHashSet<>();
        List<PodInfo> pods = new ArrayList<>();
        String shortOf = c.select(null, chosen, pods);
        if (shortOf != null) {
            return new SubGroupStart(false, null, shortOf);
        }
        // up to minMember: more pods of the leaves started or chosen and of no leaf, then further subgroups, each
        // complete, in declared order
        int missing = gang.minMember() - gang.boundOrFinished() - pods.size();
        Set<String> taken = new HashSet<>();
        pods.forEach(p -> taken.add(p.name()));
        for (PodInfo p : gang.pending()) {
            String leaf = tree.leafOf(p);
            if (missing > 0 && !taken.contains(p.name()) && (leaf == null || chosen.contains(leaf) || c.satisfied(leaf))) {
                pods.add(p);
                taken.add(p.name());
                missing--;
            }
        }
        for (SubGroups.Node leaf : tree.nodes()) {
            if (missing <= 0) {
                break;
            }
            if (!tree.isLeaf(leaf) || chosen.contains(leaf.name()) || c.satisfied(leaf.name())) {
                continue;
            }
            Set<String> more = new LinkedHashSet<>();
            List<PodInfo> morePods = new ArrayList<>();
            if (c.select(leaf.name(), more, morePods) == null) {
                chosen.addAll(more);
                pods.addAll(morePods);
                missing -= morePods.size();
            }
        }
        if (missing > 0) {
            return new SubGroupStart(false, null, "its subgroups hold too few pods for its minMember " + gang.minMember());
        }
        return new SubGroupStart(false, List.copyOf(pods), null);
    }

    /**
     * The pending members beyond those that start the gang, in the units they may join it by: the missing pods of a
     * subgroup not started (complete, or not at all), then single pods of subgroups that run or start with the gang,
     * and of no subgroup. Pods beyond the minimum of a subgroup that has not started wait for it to run.
     */
    public static List<List<PodInfo>> elasticUnits(Gang gang, List<PodInfo> mustPlace) {
        Set<String> placing = new HashSet<>();
        mustPlace.forEach(p -> placing.add(p.name()));
        List<PodInfo> rest = gang.pending().stream().filter(p -> !placing.contains(p.name())).toList();
        if (!gang.hasSubGroups()) {
            return rest.stream().map(List::of).toList();
        }
        SubGroups tree = gang.subGroups();
        Counter c = new Counter(gang);
        Set<String> startingLeaves = new HashSet<>();
        mustPlace.forEach(p -> {
            if (tree.leafOf(p) != null) {
                startingLeaves.add(tree.leafOf(p));
            }
        });
        List<List<PodInfo>> whole = new ArrayList<>();
        List<List<PodInfo>> singles = new ArrayList<>();
        for (SubGroups.Node leaf : tree.nodes()) {
            if (!tree.isLeaf(leaf)) {
                continue;
            }
            List<PodInfo> mine = tree.membersOf(leaf.name(), rest);
            if (c.satisfied(leaf.name()) || startingLeaves.contains(leaf.name())) {
                mine.forEach(p -> singles.add(List.of(p)));
            } else {
                int missing = leaf.minMember() - c.done(leaf.name());
                if (mine.size() >= missing) {
                    whole.add(mine.subList(0, missing)); // its further pods join once it runs, in a later cycle
                }
            }
        }
        rest.stream().filter(p -> tree.leafOf(p) == null).forEach(p -> singles.add(List.of(p)));
        List<List<PodInfo>> out = new ArrayList<>(whole);
        out.addAll(singles);
        return out;
    }

    /** Which subgroups of a gang have started, read from its members now. */
    public static Progress progress(Gang gang) {
        return new Progress(new Counter(gang));
    }

    /** Whether each subgroup has started. */
    public static final class Progress {
        private final Counter counter;

        private Progress(Counter counter) {
            this.counter = counter;
        }

        public boolean started(String subGroup) {
            return counter.satisfied(subGroup);
        }
    }

    /** Counts over one gang's members, read once: pods bound or finished, and pending ones, per leaf. */
    private static final class Counter {
        private final Gang gang;
        private final SubGroups tree;

        private final java.util.Map<String, Integer> doneByLeaf = new java.util.HashMap<>();
        private final java.util.Map<String, List<PodInfo>> pendingByLeaf = new java.util.HashMap<>();

        Counter(Gang gang) {
            this.gang = gang;
            this.tree = gang.subGroups();
            for (PodInfo p : gang.members()) {
                String leaf = tree.leafOf(p);
                if (leaf != null && (p.phase().holdsResources() || p.phase().finished())) {
                    doneByLeaf.merge(leaf, 1, Integer::sum);
                }
            }
            for (PodInfo p : gang.pending()) {
                String leaf = tree.leafOf(p);
                if (leaf != null) {
                    pendingByLeaf.computeIfAbsent(leaf, k -> new ArrayList<>()).add(p);
                }
            }
        }

        /** Members of {@code leaf} bound, running or finished. */
        int done(String leaf) {
            return doneByLeaf.getOrDefault(leaf, 0);
        }

        /** Whether the subgroup (null: the gang's tree) has started: its pods, or enough of its children. */
        boolean satisfied(String name) {
            SubGroups.Node n = name == null ? null : tree.node(name);
            if (n != null && tree.isLeaf(n)) {
                return done(name) >= n.minMember();
            }
            int started = 0;
            for (SubGroups.Node child : tree.children(name)) {
                if (satisfied(child.name())) {
                    started++;
                }
            }
            return started >= tree.minChildren(name);
        }

        /**
         * Chooses under {@code name} the subgroups to start and adds their missing pods; returns why it cannot, or null.
         * A subgroup already started counts; others are taken in declared order when they have the pods.
         */
        String select(String name, Set<String> chosen, List<PodInfo> pods) {
            SubGroups.Node n = name == null ? null : tree.node(name);
            if (n != null && tree.isLeaf(n)) {
                int missing = n.minMember() - done(name);
                if (missing <= 0) {
                    return null;
                }
                List<PodInfo> pending = pendingByLeaf.getOrDefault(name, List.of());
                if (pending.size() < missing) {
                    return n.describe() + " has " + (done(name) + pending.size()) + " of its minMember " + n.minMember()
                            + " pods ready";
                }
                chosen.add(name);
                pods.addAll(pending.subList(0, missing));
                return null;
            }
            int need = tree.minChildren(name);
            int have = 0;
            String firstShort = null;
            for (SubGroups.Node child : tree.children(name)) {
                if (have < need && satisfied(child.name())) {
                    have++;
                }
            }
            for (SubGroups.Node child : tree.children(name)) {
                if (have >= need) {
                    break;
                }
                if (satisfied(child.name())) {
                    continue;
                }
                Set<String> tryChosen = new LinkedHashSet<>();
                List<PodInfo> tryPods = new ArrayList<>();
                String why = select(child.name(), tryChosen, tryPods);
                if (why == null) {
                    chosen.addAll(tryChosen);
                    pods.addAll(tryPods);
                    have++;
                } else if (firstShort == null) {
                    firstShort = why;
                }
            }
            if (have < need) {
                String what = n == null ? "the gang" : n.describe();
                return what + " needs " + need + " subgroups started, " + have + " can be"
                        + (firstShort == null ? "" : " (" + firstShort + ")");
            }
            return null;
        }
    }
}
