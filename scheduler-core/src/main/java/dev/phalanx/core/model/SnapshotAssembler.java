package dev.phalanx.core.model;

import dev.phalanx.core.dra.ClaimAccounting;
import dev.phalanx.core.dra.DraState;
import dev.phalanx.core.volume.VolumeAccounting;
import dev.phalanx.core.volume.VolumeState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the immutable {@link Snapshot} from declared objects: validates the queue tree, groups this
 * scheduler's pods into gangs, resolves each gang's queue and priority, and records every object that
 * cannot be honoured as a {@link Problem} (invariant 7: reported on the object, never fatal).
 * Live and simulated clusters both go through here, so both see the same gangs.
 */
public final class SnapshotAssembler {
    private final String schedulerName;

    public SnapshotAssembler(String schedulerName) {
        this.schedulerName = schedulerName;
    }

    public Snapshot assemble(long now, List<NodeInfo> nodes, List<PodInfo> pods, List<PodGroupInfo> podGroups,
                             Map<String, QueueInfo> queues, Map<String, NamespaceInfo> namespaces,
                             Map<String, Integer> priorityClasses) {
        return assemble(now, nodes, pods, podGroups, queues, namespaces, priorityClasses, DraState.NONE);
    }

    /** The snapshot of a cluster with DRA devices, classes and claims: see {@link ClaimAccounting}. */
    public Snapshot assemble(long now, List<NodeInfo> nodes, List<PodInfo> pods, List<PodGroupInfo> podGroups,
                             Map<String, QueueInfo> queues, Map<String, NamespaceInfo> namespaces,
                             Map<String, Integer> priorityClasses, DraState dra) {
        return assemble(now, nodes, pods, podGroups, queues, namespaces, priorityClasses, dra, VolumeState.NONE);
    }

    /** The snapshot of a cluster with storage as well: each pod's volume claims resolved by {@link VolumeAccounting}. */
    public Snapshot assemble(long now, List<NodeInfo> nodes, List<PodInfo> pods, List<PodGroupInfo> podGroups,
                             Map<String, QueueInfo> queues, Map<String, NamespaceInfo> namespaces,
                             Map<String, Integer> priorityClasses, DraState dra, VolumeState volumes) {
        QueueTree tree = QueueTree.build(queues);
        List<Problem> problems = new ArrayList<>(tree.problems());
        ClaimAccounting.Result claims = ClaimAccounting.apply(dra, nodes, pods);
        nodes = claims.nodes();
        pods = volumes.isEmpty() && pods.stream().allMatch(p -> p.constraints().volumes().isEmpty()) ? claims.pods()
                : VolumeAccounting.apply(volumes, claims.pods());
        problems.addAll(claims.problems());

        Map<String, List<PodInfo>> membersByGroup = new TreeMap<>();
        List<Gang> gangs = new ArrayList<>();
        List<PodInfo> relevant = new ArrayList<>();
        Map<String, NodeInfo> nodesByName = new java.util.HashMap<>();
        nodes.forEach(n -> nodesByName.put(n.name(), n));
        java.util.Set<String> nodeNames = nodesByName.keySet();
        for (PodInfo p : pods) {
            boolean ours = schedulerName.equals(p.schedulerName());
            if (p.phase().holdsResources() && !nodeNames.contains(p.nodeName())) {
                // bound to a node that is not there (deleted, or a typo in spec.nodeName): it runs nowhere, so it
                // holds nothing, counts in no queue, and its gang is short of it
                if (ours) {
                    problems.add(new Problem("Pod", p.namespace(), p.name(), "bound to node " + p.nodeName()
                            + ", which does not exist; it runs nowhere and counts in no queue"));
                }
                continue;
            }
            if (p.phase().holdsResources() || ours) {
                relevant.add(p);
            }
            if (!ours) {
                continue;
            }
            if (p.podGroup() != null) {
                membersByGroup.computeIfAbsent(p.namespace() + "/" + p.podGroup(), k -> new ArrayList<>()).add(p);
            } else {
                gangs.add(singleton(p, tree, namespaces));
            }
        }
        Map<String, PodGroupInfo> groupsByKey = new LinkedHashMap<>();
        podGroups.stream().sorted(Comparator.comparing(PodGroupInfo::key)).forEach(g -> groupsByKey.put(g.key(), g));
        for (PodGroupInfo g : groupsByKey.values()) {
            List<PodInfo> members = new ArrayList<>(membersByGroup.getOrDefault(g.key(), List.of()));
            members.sort(Comparator.comparing(PodInfo::name));
            String queue = g.queue() != null ? g.queue() : defaultQueue(g.namespace(), namespaces);
            String reason = g.invalidReason();
            if (reason == null) {
                reason = queueProblem(queue, g.namespace(), tree, namespaces);
            }
            if (reason == null) {
                reason = members.stream().map(PodInfo::invalidReason).filter(r -> r != null).findFirst().orElse(null);
            }
            int priority = g.priorityClassName() == null ? 0 : priorityClasses.getOrDefault(g.priorityClassName(), 0);
            if (reason == null && g.priorityClassName() != null && !priorityClasses.containsKey(g.priorityClassName())) {
                reason = "PriorityClass " + g.priorityClassName() + " does not exist";
            }
            // a ComputeDomain's IMEX channels reach one NVLink clique: its gang is kept inside one
            String required = g.topologyRequired() == null
                    && members.stream().anyMatch(m -> claims.inComputeDomain().contains(m.key())) ? Keys.CLIQUE_LABEL
                    : g.topologyRequired();
            String segmentKey = g.subGroups().segmentRequired();
            SubGroups subGroups = g.subGroups().resolve(members, g.minMember(), p -> {
                NodeInfo n = segmentKey == null || p.nodeName() == null ? null : nodesByName.get(p.nodeName());
                return n == null ? null : n.label(segmentKey);
            });
            if (reason == null) {
                reason = subGroupLabelProblem(g, members);
            }
            gangs.add(new Gang(g.namespace(), g.name(), false, queue, g.minMember(), priority, required,
                    g.topologyPreferred(), g.preemptible(), g.createdAt(), members, reason, subGroups));
        }
        // pods naming a PodGroup that does not exist wait, each reported
        for (Map.Entry<String, List<PodInfo>> e : membersByGroup.entrySet()) {
            if (!groupsByKey.containsKey(e.getKey())) {
                PodInfo first = e.getValue().get(0);
                String reason = "PodGroup " + e.getKey() + " does not exist";
                gangs.add(new Gang(first.namespace(), first.podGroup(), false, null, e.getValue().size(), 0, null, null,
                        true, first.createdAt(), e.getValue(), reason));
            }
        }
        for (Gang g : gangs) {
            if (g.invalidReason() != null) {
                problems.add(new Problem(g.implicit() ? "Pod" : "PodGroup", g.namespace(), g.name(), g.invalidReason()));
            }
        }
        gangs.sort(Comparator.comparing(Gang::key));
        return new Snapshot(now, nodes, tree.queues(), namespaces, relevant, gangs, problems, Planning.NONE, dra, volumes);
    }

    /** A member whose subgroup label names no leaf subgroup of its PodGroup; null when every label names one. */
    private static String subGroupLabelProblem(PodGroupInfo g, List<PodInfo> members) {
        SubGroups declared = g.subGroups();
        for (PodInfo p : members) {
            String leaf = p.constraints().labels().get(SubGroups.SUBGROUP_LABEL);
            if (leaf == null) {
                continue;
            }
            SubGroups.Node n = declared.node(leaf);
            if (declared.nodes().isEmpty()) {
                return "pod " + p.name() + " has the label " + SubGroups.SUBGROUP_LABEL + "=" + leaf
                        + " but PodGroup " + g.name() + " declares no spec.subGroups";
            }
            if (n == null || !declared.isLeaf(n)) {
                return "pod " + p.name() + " has the label " + SubGroups.SUBGROUP_LABEL + "=" + leaf + ", which is "
                        + (n == null ? "not a subgroup" : "a subgroup with child subgroups, not a leaf") + " of PodGroup "
                        + g.name();
            }
        }
        return null;
    }

    private Gang singleton(PodInfo p, QueueTree tree, Map<String, NamespaceInfo> namespaces) {
        String queue = p.queueLabel() != null ? p.queueLabel() : defaultQueue(p.namespace(), namespaces);
        String reason = p.invalidReason() != null ? p.invalidReason() : queueProblem(queue, p.namespace(), tree, namespaces);
        return new Gang(p.namespace(), p.name(), true, queue, 1, p.priority(), null, null, true, p.createdAt(), List.of(p),
                reason);
    }

    private static String defaultQueue(String namespace, Map<String, NamespaceInfo> namespaces) {
        NamespaceInfo ns = namespaces.get(namespace);
        return ns == null ? Keys.DEFAULT_QUEUE : ns.defaultQueue();
    }

    /** Why a gang in {@code namespace} may not use {@code queue}, or null when it may. */
    static String queueProblem(String queue, String namespace, QueueTree tree, Map<String, NamespaceInfo> namespaces) {
        QueueInfo q = tree.get(queue);
        if (q == null) {
            return "queue " + queue + " does not exist";
        }
        if (q.invalidReason() != null) {
            return "queue " + queue + " is invalid: " + q.invalidReason();
        }
        if (!tree.isLeaf(queue)) {
            return "queue " + queue + " has child queues; only leaf queues take work";
        }
        NamespaceInfo ns = namespaces.get(namespace);
        Map<String, String> labels = ns == null ? Map.of() : ns.labels();
        if (!LabelSelectors.matches(q.namespaceSelector(), labels)) {
            return "namespace " + namespace + " may not use queue " + queue + " (its namespaceSelector does not match)";
        }
        return null;
    }
}
