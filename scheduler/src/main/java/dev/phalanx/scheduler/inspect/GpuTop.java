package dev.phalanx.scheduler.inspect;

import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.api.v1alpha1.QueueResource;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Snapshot;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code kubectl phalanx top}: where the GPUs are, now. By queue: what the bound pods of each queue's gangs
 * request, next to its quota, limit and fair share. By domain of a node label (the NVLink domain,
 * {@code nvidia.com/gpu.clique}, unless another is asked for): what the nodes can allocate, what bound pods
 * request on them, and what is free. Pods of other schedulers count where they run.
 */
public final class GpuTop {
    private GpuTop() {
    }

    public static String render(ClusterObjects cluster, String schedulerName, String label, long now) {
        Snapshot s = cluster.snapshot(schedulerName, now);
        StringBuilder out = new StringBuilder();
        long allocatable = 0;
        for (NodeInfo n : s.nodes()) {
            allocatable += n.allocatable().milli(Keys.GPU);
        }
        Map<String, Long> byQueue = GpuUse.byQueue(s);
        Map<String, Integer> pods = GpuUse.podsByQueue(s);
        Map<String, Queue> queues = new TreeMap<>();
        cluster.queues().forEach(q -> queues.put(q.getMetadata().getName(), q));
        long used = byQueue.values().stream().mapToLong(Long::longValue).sum();

        out.append(Keys.GPU).append(" by queue (what bound pods request)\n");
        Table t = new Table("QUEUE", ">IN USE", ">PODS", ">FAIR SHARE", ">QUOTA", ">LIMIT", ">OF CLUSTER");
        for (Map.Entry<String, Long> e : byQueue.entrySet()) {
            if (e.getKey().isEmpty()) {
                continue;
            }
            Queue q = queues.get(e.getKey());
            QueueResource r = q == null || q.getSpec() == null || q.getSpec().getResources() == null ? null
                    : q.getSpec().getResources().get(Keys.GPU);
            String fair = q == null || q.getStatus() == null || q.getStatus().getFairShare() == null ? null
                    : q.getStatus().getFairShare().get(Keys.GPU);
            t.row(e.getKey(), Resources.formatMilli(e.getValue()), pods.getOrDefault(e.getKey(), 0), fair,
                    r == null || r.getQuota() == null ? "0" : r.getQuota().toString(),
                    r == null || r.getLimit() == null || r.getLimit().toString().equals("-1") ? "none" : r.getLimit().toString(),
                    percent(e.getValue(), allocatable));
        }
        if (byQueue.containsKey("")) {
            t.row("(other schedulers)", Resources.formatMilli(byQueue.get("")), pods.getOrDefault("", 0), null, null, null,
                    percent(byQueue.get(""), allocatable));
        }
        t.row("total", Resources.formatMilli(used), pods.values().stream().mapToInt(Integer::intValue).sum(), null, null, null,
                percent(used, allocatable));
        t.appendTo(out, "  ");

        out.append('\n').append(Keys.GPU).append(" by ").append(label).append('\n');
        Table d = new Table("DOMAIN", ">NODES", ">ALLOCATABLE", ">IN USE", ">FREE", ">USE");
        List<GpuUse.Domain> domains = GpuUse.byLabel(s, label);
        long free = 0;
        for (GpuUse.Domain x : domains) {
            d.row(x.value() == null ? "(no " + label + ")" : x.value(), x.nodes(), Resources.formatMilli(x.allocatableMilli()),
                    Resources.formatMilli(x.usedMilli()), Resources.formatMilli(x.freeMilli()), percent(x.usedMilli(), x.allocatableMilli()));
            free += x.freeMilli();
        }
        d.row("total", s.nodes().size(), Resources.formatMilli(allocatable), Resources.formatMilli(used), Resources.formatMilli(free),
                percent(used, allocatable));
        d.appendTo(out, "  ");
        return out.toString();
    }

    private static String percent(long part, long whole) {
        return whole <= 0 ? "-" : Math.round(100.0 * part / whole) + "%";
    }
}
