package dev.phalanx.scheduler.inspect;

import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.api.v1alpha1.QueueResource;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Snapshot;
import io.fabric8.kubernetes.api.model.Condition;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code kubectl phalanx queues}: the queue tree with, for one resource, each queue's quota and limit (its
 * spec), fair share, allocation and request (its status, as the scheduler last wrote it), how much of its fair
 * share it uses, and how many of its gangs wait (from the gangs themselves, a parent's being its children's).
 */
public final class QueueTable {
    private QueueTable() {
    }

    public static String render(ClusterObjects cluster, String schedulerName, String resource, long now) {
        Snapshot s = cluster.snapshot(schedulerName, now);
        Map<String, Queue> byName = new TreeMap<>();
        cluster.queues().forEach(q -> byName.put(q.getMetadata().getName(), q));
        Map<String, List<String>> children = new TreeMap<>();
        List<String> roots = new ArrayList<>();
        for (Queue q : byName.values()) {
            String parent = q.getSpec() == null ? null : q.getSpec().getParent();
            if (parent == null || !byName.containsKey(parent) || parent.equals(q.getMetadata().getName())) {
                roots.add(q.getMetadata().getName());
            } else {
                children.computeIfAbsent(parent, k -> new ArrayList<>()).add(q.getMetadata().getName());
            }
        }
        Map<String, Integer> waiting = new TreeMap<>();
        for (Gang g : s.gangs()) {
            if (g.queue() != null && !g.pending().isEmpty() && g.boundOrFinished() < g.minMember()) {
                waiting.merge(g.queue(), 1, Integer::sum);
            }
        }
        StringBuilder out = new StringBuilder();
        if (byName.isEmpty()) {
            return "No queues.\n";
        }
        Table t = new Table("QUEUE", ">QUOTA", ">LIMIT", ">FAIR SHARE", ">ALLOCATED", ">REQUESTED", ">USE", ">WAITING");
        List<String> notes = new ArrayList<>();
        for (String root : roots) {
            add(t, notes, root, 0, byName, children, waiting, resource, new java.util.HashSet<>());
        }
        t.appendTo(out, "");
        out.append("(").append(resource).append("; USE: allocated ÷ fair share; WAITING: gangs that have not started, a parent's"
                + " counting its children's)\n");
        for (String n : notes) {
            out.append(n).append('\n');
        }
        return out.toString();
    }

    /** Adds {@code name} and its subtree; returns the gangs waiting in it. */
    private static int add(Table t, List<String> notes, String name, int depth, Map<String, Queue> byName,
                           Map<String, List<String>> children, Map<String, Integer> waiting, String resource,
                           java.util.Set<String> seen) {
        if (!seen.add(name)) {
            return 0;
        }
        Queue q = byName.get(name);
        QueueResource r = q.getSpec() == null || q.getSpec().getResources() == null ? null : q.getSpec().getResources().get(resource);
        var st = q.getStatus();
        String fair = st == null || st.getFairShare() == null ? null : st.getFairShare().get(resource);
        String allocated = st == null || st.getAllocated() == null ? null : st.getAllocated().get(resource);
        String requested = st == null || st.getRequested() == null ? null : st.getRequested().get(resource);
        String parent = q.getSpec() == null ? null : q.getSpec().getParent();
        if (parent != null && !byName.containsKey(parent)) {
            notes.add("! queue " + name + ": its parent " + parent + " does not exist");
        }
        if (st != null && st.getConditions() != null) {
            for (Condition c : st.getConditions()) {
                if ("False".equals(c.getStatus())) {
                    notes.add("! queue " + name + ": " + c.getType() + "=False " + c.getReason() + ": " + c.getMessage());
                }
            }
        }
        // the row is added before the children's, so the waiting count of a parent is filled in afterwards
        Object[] row = {"  ".repeat(depth) + name, r == null || r.getQuota() == null ? "0" : r.getQuota().toString(),
                r == null || r.getLimit() == null || r.getLimit().toString().equals("-1") ? "none" : r.getLimit().toString(),
                fair == null ? "-" : fair, allocated == null ? "0" : allocated, requested == null ? "0" : requested,
                use(allocated, fair), 0};
        t.row(row);
        int rowIndex = t.size() - 1;
        int count = waiting.getOrDefault(name, 0);
        for (String child : children.getOrDefault(name, List.of())) {
            count += add(t, notes, child, depth + 1, byName, children, waiting, resource, seen);
        }
        t.set(rowIndex, 7, count);
        return count;
    }

    private static String use(String allocated, String fair) {
        try {
            BigDecimal a = new BigDecimal(Resources.formatMilli(Resources.toMilli(allocated == null ? "0" : allocated)));
            if (fair == null) {
                return "-";
            }
            BigDecimal f = new BigDecimal(Resources.formatMilli(Resources.toMilli(fair)));
            if (f.signum() == 0) {
                return a.signum() == 0 ? "-" : "over";
            }
            return a.multiply(BigDecimal.valueOf(100)).divide(f, 0, java.math.RoundingMode.HALF_UP) + "%";
        } catch (RuntimeException e) {
            return "-";
        }
    }
}
