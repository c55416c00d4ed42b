package dev.phalanx.core.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A gang's subgroups: a tree whose leaves are sets of pods that start together, each complete, and whose inner nodes
 * start when {@code minSubGroups} of their children do. The gang (the root) starts when {@link #rootMinSubGroups} of
 * its top-level subgroups do. Each subgroup may keep its pods inside one domain of a node label ({@code required}) or
 * prefer one ({@code preferred}); the gang's own topology holds for all of them together.
 *
 * <p>Declared form (from a PodGroup): {@code nodes} as written, or a {@code segmentSize} with its
 * {@code segmentRequired} key: the gang's pods, ordered by their index label (else their name), cut into segments of
 * that many, each a leaf inside one domain of the key. {@link #resolve} turns either into leaves with pods.
 */
public record SubGroups(List<Node> nodes, int rootMinSubGroups, int segmentSize, String segmentRequired,
                        Map<String, String> leafOfPod) {
    /** The pod label that puts a pod into a leaf subgroup. */
    public static final String SUBGROUP_LABEL = "scheduling.phalanx.dev/subgroup";
    /** Index labels, in the order they are read, that give a pod its place in its workload. */
    public static final List<String> INDEX_LABELS = List.of("batch.kubernetes.io/job-completion-index",
            "training.kubeflow.org/replica-index", "leaderworkerset.sigs.k8s.io/worker-index", "apps.kubernetes.io/pod-index");
    /** A JobSet's index of the Job a pod belongs to: its pods count from 0 in each Job. */
    static final String JOBSET_JOB_INDEX = "jobset.sigs.k8s.io/job-index";

    /** The most subgroups one PodGroup declares (the CRD's bound, which keeps its validation rules cheap). */
    public static final int MAX_SUBGROUPS = 32;

    public static final SubGroups NONE = new SubGroups(List.of(), 0, 0, null, Map.of());

    /**
     * One subgroup: a leaf ({@code minMember} pods) or an inner node ({@code minSubGroups} children); {@code parent}
     * null for a top-level one.
     */
    public record Node(String name, String parent, int minMember, int minSubGroups, String required, String preferred,
                       String label) {
        /** How the subgroup is named in messages: "subgroup decode", "segment 2 of 4". */
        public String describe() {
            return label != null ? label : "subgroup " + name;
        }
    }

    public SubGroups {
        nodes = List.copyOf(nodes);
        leafOfPod = Map.copyOf(leafOfPod);
    }

    /** As a PodGroup declares them: explicit subgroups, or segments. */
    public static SubGroups declared(List<Node> nodes, int rootMinSubGroups, int segmentSize, String segmentRequired) {
        return new SubGroups(nodes, rootMinSubGroups, segmentSize, segmentRequired, Map.of());
    }

    public boolean isEmpty() {
        return nodes.isEmpty() && segmentSize == 0;
    }

    /**
     * Why the declaration cannot be honoured, or null: an unknown parent, a loop, a name given twice, a leaf without a
     * minimum, an inner subgroup asking for more children than it has, segments without a key.
     */
    public String problem() {
        if (segmentSize > 0 && !nodes.isEmpty()) {
            return "spec.topology.segmentSize and spec.subGroups cannot both be set";
        }
        if (segmentSize > 0 && segmentRequired == null) {
            return "spec.topology.segmentSize needs spec.topology.segmentRequired, the node label each segment stays inside";
        }
        Map<String, Node> byName = new HashMap<>();
        for (Node n : nodes) {
            if (byName.put(n.name(), n) != null) {
                return "spec.subGroups names " + n.name() + " twice";
            }
        }
        if (nodes.size() > MAX_SUBGROUPS) {
            return "spec.subGroups has " + nodes.size() + " subgroups; at most " + MAX_SUBGROUPS;
        }
        for (Node n : nodes) {
            if (n.parent() != null && !byName.containsKey(n.parent())) {
                return "subgroup " + n.name() + " names parent " + n.parent() + ", which is not in spec.subGroups";
            }
            Node p = n.parent() == null ? null : byName.get(n.parent());
            Node q = p == null || p.parent() == null ? null : byName.get(p.parent());
            if (q != null && q.parent() != null) {
                return "subgroup " + n.name() + " is more than three deep (its parent " + p.name() + " is the child of "
                        + q.name() + ", itself a child); subgroups nest at most three deep, so the parents never loop";
            }
            int children = children(n.name()).size();
            if (children == 0 && n.minMember() < 1) {
                return "subgroup " + n.name() + " has no child subgroups, so it needs minMember (at least 1)";
            }
            if (children > 0 && n.minMember() > 0) {
                return "subgroup " + n.name() + " has child subgroups, so it takes minSubGroups, not minMember";
            }
            if (children > 0 && n.minSubGroups() > children) {
                return "subgroup " + n.name() + " asks for minSubGroups " + n.minSubGroups() + " but has " + children
                        + " child subgroups";
            }
        }
        if (!nodes.isEmpty() && rootMinSubGroups > children(null).size()) {
            return "spec.minSubGroups is " + rootMinSubGroups + " but there are " + children(null).size()
                    + " top-level subgroups";
        }
        return null;
    }

    /** The subgroups whose parent is {@code parent} (null: the top-level ones), in declared order. */
    public List<Node> children(String parent) {
        if (segmentSize > 0) { // segments: all top-level leaves
            return parent == null ? nodes : List.of();
        }
        List<Node> out = new ArrayList<>();
        for (Node n : nodes) {
            if (java.util.Objects.equals(n.parent(), parent)) {
                out.add(n);
            }
        }
        return out;
    }

    public Node node(String name) {
        if (segmentSize > 0 && name.startsWith("segment-")) {
            try {
                int k = Integer.parseInt(name.substring("segment-".length()));
                return k >= 0 && k < nodes.size() ? nodes.get(k) : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        for (Node n : nodes) {
            if (n.name().equals(name)) {
                return n;
            }
        }
        return null;
    }

    public boolean isLeaf(Node n) {
        return segmentSize > 0 || children(n.name()).isEmpty();
    }

    /** How many children of {@code parent} must start: its minSubGroups, all of them when unset (0). */
    public int minChildren(String parent) {
        int declared = parent == null ? rootMinSubGroups : node(parent).minSubGroups();
        int all = children(parent).size();
        return declared <= 0 ? all : Math.min(declared, all);
    }

    /** As {@link #resolve(List, int, Function)} for pods not bound anywhere yet. */
    public SubGroups resolve(List<PodInfo> members, int gangMinMember) {
        return resolve(members, gangMinMember, p -> null);
    }

    /**
     * Leaves with pods: each member put into the leaf its {@value #SUBGROUP_LABEL} label names, or cut into segments. A
     * member without a leaf belongs to none (it is placed as an elastic member of the gang, never needed to start it).
     * A declaration {@link #problem} refuses resolves to {@link #NONE}: its gang is invalid and never placed.
     *
     * <p>Segments stay put as pods come and go: when every member has an index (a Job's completion index, within a
     * JobSet's job index; a LeaderWorkerSet's or StatefulSet's pod index), index {@code i} is in segment
     * {@code i / segmentSize}; otherwise the members bound or done, grouped by the domain of {@code segmentRequired}
     * they ran in ({@code domainOf}), fill segments of their own first, and the others fill what is left, by name.
     */
    public SubGroups resolve(List<PodInfo> members, int gangMinMember, Function<PodInfo, String> domainOf) {
        if (isEmpty()) {
            return this;
        }
        if (problem() != null) {
            return NONE;
        }
        Map<String, String> leafOf = new LinkedHashMap<>();
        if (segmentSize == 0) {
            for (PodInfo p : members) {
                String leaf = p.constraints().labels().get(SUBGROUP_LABEL);
                Node n = leaf == null ? null : node(leaf);
                if (n != null && isLeaf(n)) {
                    leafOf.put(p.name(), leaf);
                }
            }
            return new SubGroups(nodes, rootMinSubGroups, 0, null, leafOf);
        }
        int total = Math.max(gangMinMember, members.size());
        int count = Math.max((total + segmentSize - 1) / segmentSize, 1);
        if (count > MAX_SEGMENTS) {
            return NONE;
        }
        int needed = (gangMinMember + segmentSize - 1) / segmentSize;
        List<Node> segments = new ArrayList<>();
        for (int s = 0; s < count; s++) {
            int size = Math.min(segmentSize, total - s * segmentSize);
            segments.add(new Node("segment-" + s, null, size, 0, segmentRequired, null,
                    "segment " + (s + 1) + " of " + count));
        }
        Map<String, Long> indexes = indexes(members);
        if (indexes != null && indexes.values().stream().allMatch(i -> i < (long) count * segmentSize)) {
            indexes.forEach((pod, i) -> leafOf.put(pod, "segment-" + (i / segmentSize)));
        } else {
            int[] room = new int[count];
            java.util.Arrays.fill(room, segmentSize);
            Map<String, List<PodInfo>> byDomain = new java.util.TreeMap<>();
            List<PodInfo> rest = new ArrayList<>();
            for (PodInfo p : members) {
                String d = p.phase().holdsResources() || p.phase().finished() ? domainOf.apply(p) : null;
                if (d != null) {
                    byDomain.computeIfAbsent(d, k -> new ArrayList<>()).add(p);
                } else {
                    rest.add(p);
                }
            }
            for (List<PodInfo> together : byDomain.values()) {
                together.sort(Comparator.comparing(PodInfo::name));
                int at = 0;
                for (int s = 0; s < count && at < together.size(); s++) {
                    if (room[s] == segmentSize) { // a segment of their own, as many as they fill
                        while (room[s] > 0 && at < together.size()) {
                            leafOf.put(together.get(at++).name(), "segment-" + s);
                            room[s]--;
                        }
                    }
                }
                rest.addAll(together.subList(at, together.size()));
            }
            rest.sort(Comparator.comparingLong(SubGroups::index).thenComparing(PodInfo::name));
            int s = 0;
            for (PodInfo p : rest) {
                while (s < count && room[s] == 0) {
                    s++;
                }
                if (s == count) {
                    break; // more pods than segments hold: the rest belong to none
                }
                leafOf.put(p.name(), "segment-" + s);
                room[s]--;
            }
        }
        return new SubGroups(segments, Math.max(needed, 1), segmentSize, segmentRequired, leafOf);
    }

    /** The most segments a gang is cut into. */
    public static final int MAX_SEGMENTS = 1024;

    /**
     * Each member's place in its workload's order, when every member has one and no two share it: a JobSet's job index
     * times the pods per job, plus the pod's own index. Null when some member has none, or two have the same (a
     * Kubeflow job's replica types each count from 0).
     */
    static Map<String, Long> indexes(List<PodInfo> members) {
        Map<String, long[]> raw = new LinkedHashMap<>();
        long maxLocal = 0;
        for (PodInfo p : members) {
            long local = index(p);
            if (local == Long.MAX_VALUE || local < 0) {
                return null;
            }
            long job = 0;
            String j = p.constraints().labels().get(JOBSET_JOB_INDEX);
            if (j != null) {
                try {
                    job = Long.parseLong(j.trim());
                } catch (NumberFormatException e) {
                    return null;
                }
            }
            raw.put(p.name(), new long[]{job, local});
            maxLocal = Math.max(maxLocal, local);
        }
        Map<String, Long> out = new LinkedHashMap<>();
        Set<Long> seen = new HashSet<>();
        for (Map.Entry<String, long[]> e : raw.entrySet()) {
            long global = e.getValue()[0] * (maxLocal + 1) + e.getValue()[1];
            if (!seen.add(global)) {
                return null;
            }
            out.put(e.getKey(), global);
        }
        return out;
    }

    /** The index a pod's controller gave it within its Job or group (its first index label), else Long.MAX_VALUE. */
    static long index(PodInfo p) {
        for (String label : INDEX_LABELS) {
            String v = p.constraints().labels().get(label);
            if (v != null) {
                try {
                    return Long.parseLong(v.trim());
                } catch (NumberFormatException e) {
                    // not a number: the next label, or the name, orders it
                }
            }
        }
        return Long.MAX_VALUE;
    }

    /** The leaf a member belongs to, or null. */
    public String leafOf(PodInfo p) {
        return leafOfPod.get(p.name());
    }

    /** The members of {@code leaf} among {@code pods}, in their order. */
    public List<PodInfo> membersOf(String leaf, List<PodInfo> pods) {
        List<PodInfo> out = new ArrayList<>();
        for (PodInfo p : pods) {
            if (leaf.equals(leafOfPod.get(p.name()))) {
                out.add(p);
            }
        }
        return out;
    }

    /** Every leaf under {@code n} (itself for a leaf). */
    public List<Node> leavesUnder(Node n) {
        if (isLeaf(n)) {
            return List.of(n);
        }
        List<Node> out = new ArrayList<>();
        for (Node c : children(n.name())) {
            out.addAll(leavesUnder(c));
        }
        return out;
    }

}
