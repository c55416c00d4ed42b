package dev.phalanx.scheduler.inspect;

import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Snapshot;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a cluster's GPUs go, from the scheduler's own snapshot: per node what bound pods request against what
 * the node can allocate, summed per value of a node label (an NVLink domain, a rack), and per queue.
 */
final class GpuUse {
    /** The nodes of one value of a label ({@code value} null: nodes without the label), in thousandths of a GPU. */
    record Domain(String value, int nodes, long allocatableMilli, long usedMilli) {
        long freeMilli() {
            return Math.max(0, allocatableMilli - usedMilli);
        }
    }

    private GpuUse() {
    }

    /** GPU requested by pods bound to each node. */
    static Map<String, Long> usedPerNode(Snapshot s) {
        Map<String, Long> used = new HashMap<>();
        for (PodInfo p : s.pods()) {
            if (p.phase().holdsResources() && p.nodeName() != null) {
                used.merge(p.nodeName(), p.requests().milli(Keys.GPU), Long::sum);
            }
        }
        return used;
    }

    /** The domains of label {@code key} (nodes without it last), largest allocatable first, then by name. */
    static List<Domain> byLabel(Snapshot s, String key) {
        Map<String, Long> used = usedPerNode(s);
        Map<String, long[]> sums = new TreeMap<>();
        long[] unlabelled = new long[3];
        for (NodeInfo n : s.nodes()) {
            String v = n.label(key);
            long[] sum = v == null ? unlabelled : sums.computeIfAbsent(v, k -> new long[3]);
            sum[0]++;
            sum[1] += n.allocatable().milli(Keys.GPU);
            sum[2] += used.getOrDefault(n.name(), 0L);
        }
        List<Domain> out = new ArrayList<>();
        sums.forEach((v, sum) -> out.add(new Domain(v, (int) sum[0], sum[1], sum[2])));
        out.sort((a, b) -> a.allocatableMilli() != b.allocatableMilli() ? Long.compare(b.allocatableMilli(), a.allocatableMilli())
                : a.value().compareTo(b.value()));
        if (unlabelled[0] > 0) {
            out.add(new Domain(null, (int) unlabelled[0], unlabelled[1], unlabelled[2]));
        }
        return out;
    }

    /** GPU requested by the bound pods of each queue's gangs; pods of other schedulers under "". */
    static Map<String, Long> byQueue(Snapshot s) {
        Map<String, Long> out = new TreeMap<>();
        long total = 0;
        for (PodInfo p : s.pods()) {
            if (p.phase().holdsResources()) {
                total += p.requests().milli(Keys.GPU);
            }
        }
        long ours = 0;
        for (Gang g : s.gangs()) {
            long used = 0;
            for (PodInfo p : g.bound()) {
                used += p.requests().milli(Keys.GPU);
            }
            if (g.queue() != null && used > 0) {
                out.merge(g.queue(), used, Long::sum);
                ours += used;
            }
        }
        if (total > ours) {
            out.put("", total - ours);
        }
        return out;
    }

    /** Bound pods per queue (pods of other schedulers under ""), to go with {@link #byQueue}. */
    static Map<String, Integer> podsByQueue(Snapshot s) {
        Map<String, Integer> out = new TreeMap<>();
        int total = 0;
        for (PodInfo p : s.pods()) {
            if (p.phase().holdsResources() && p.requests().milli(Keys.GPU) > 0) {
                total++;
            }
        }
        int ours = 0;
        for (Gang g : s.gangs()) {
            int n = (int) g.bound().stream().filter(p -> p.requests().milli(Keys.GPU) > 0).count();
            if (g.queue() != null && n > 0) {
                out.merge(g.queue(), n, Integer::sum);
                ours += n;
            }
        }
        if (total > ours) {
            out.put("", total - ours);
        }
        return out;
    }
}
