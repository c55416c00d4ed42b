package dev.phalanx.core.model;

import dev.phalanx.core.dra.DraState;
import dev.phalanx.core.volume.VolumeState;

import java.util.List;
import java.util.Map;

/**
 * Everything one scheduling cycle reads, frozen at {@code now} (epoch milliseconds live, simulated
 * milliseconds in a simulation). Every step of the cycle is a pure function of a snapshot.
 * {@code pods} are all pods holding node resources or waiting for this scheduler; {@code gangs} group
 * the ones this scheduler places; {@code dra} the devices, classes and claims of Dynamic Resource Allocation;
 * {@code volumes} the PersistentVolumeClaims, PersistentVolumes, StorageClasses and attach limits.
 */
public record Snapshot(long now, List<NodeInfo> nodes, Map<String, QueueInfo> queues,
                       Map<String, NamespaceInfo> namespaces, List<PodInfo> pods, List<Gang> gangs,
                       List<Problem> problems, Planning planning, DraState dra, VolumeState volumes) {
    public Snapshot(long now, List<NodeInfo> nodes, Map<String, QueueInfo> queues, Map<String, NamespaceInfo> namespaces,
                    List<PodInfo> pods, List<Gang> gangs, List<Problem> problems, Planning planning, DraState dra) {
        this(now, nodes, queues, namespaces, pods, gangs, problems, planning, dra, VolumeState.NONE);
    }

    public Snapshot(long now, List<NodeInfo> nodes, Map<String, QueueInfo> queues, Map<String, NamespaceInfo> namespaces,
                    List<PodInfo> pods, List<Gang> gangs, List<Problem> problems, Planning planning) {
        this(now, nodes, queues, namespaces, pods, gangs, problems, planning, DraState.NONE);
    }

    public Snapshot {
        dra = dra == null ? DraState.NONE : dra;
        volumes = volumes == null ? VolumeState.NONE : volumes;
        nodes = List.copyOf(nodes);
        queues = Sorted.map(queues);
        namespaces = Sorted.map(namespaces);
        pods = List.copyOf(pods);
        gangs = List.copyOf(gangs);
        problems = List.copyOf(problems);
        planning = planning == null ? Planning.NONE : planning;
    }

    public Snapshot withPlanning(Planning p) {
        return new Snapshot(now, nodes, queues, namespaces, pods, gangs, problems, p, dra, volumes);
    }

    /**
     * The same snapshot with each queue's usage history the later of what its status says and {@code carried}
     * (what the last cycle of this scheduler concluded, which its status may not show yet).
     */
    public Snapshot withHistory(Map<String, UsageHistory> carried) {
        if (carried.isEmpty()) {
            return this;
        }
        Map<String, QueueInfo> next = new java.util.TreeMap<>();
        queues.forEach((name, q) -> {
            UsageHistory later = UsageHistory.later(q.history(), carried.get(name));
            next.put(name, later == q.history() ? q : q.withHistory(later));
        });
        return new Snapshot(now, nodes, next, namespaces, pods, gangs, problems, planning, dra, volumes);
    }

    /**
     * What the nodes that take new pods offer: the size of the cluster fair shares divide. A cordoned node, one not
     * ready or unreachable, or one whose GPUs are reported unhealthy ({@link NodeInfo#takesNewPods}) is left out.
     */
    public Resources totalAllocatable() {
        Resources r = Resources.NONE;
        for (NodeInfo n : nodes) {
            if (n.takesNewPods()) {
                r = r.add(n.allocatable());
            }
        }
        return r;
    }
}
