package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Snapshot;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Gang atomicity after a commit cut short (invariant 2): a gang that holds some members bound but fewer
 * than minMember (a failed binding, a restart, a member deleted) first gets the members it lacks, like any
 * gang. When it still has not started {@code graceMillis} after its first member was bound, its bound
 * members are evicted, so no half gang holds GPUs for good; it then starts over, whole.
 *
 * <p>A gang loses a member to a failed node too: when a node it runs on has been down, unreachable or had its GPUs
 * reported unhealthy for {@code graceMillis} (a kubelet restarting comes back sooner), and fewer than minMember of its
 * members run elsewhere, every bound member is evicted and the gang starts over, whole, on nodes that take pods.
 */
final class StaleGangs {
    private final long graceMillis;

    StaleGangs(long graceMillis) {
        this.graceMillis = graceMillis;
    }

    /** A gang restarted because a node it ran on failed: its evictions and why, in words. */
    record Restart(Gang gang, String message, List<Eviction> evictions) {
    }

    /**
     * The gangs to restart whole because a member runs on a node that failed at least the grace period ago, and fewer
     * than minMember members run or ran elsewhere. Pods already being evicted or deleted are left alone.
     */
    List<Restart> afterNodeFailures(Snapshot snapshot, List<Eviction> already) {
        java.util.Map<String, dev.phalanx.core.model.NodeInfo> failed = new java.util.HashMap<>();
        for (var n : snapshot.nodes()) {
            var u = n.unavailable();
            if (u != null && u.runningPodsLost()) {
                long since = u.since() <= 0 || u.since() > snapshot.now() ? Long.MIN_VALUE : u.since();
                if (since == Long.MIN_VALUE || snapshot.now() - since >= graceMillis) {
                    failed.put(n.name(), n);
                }
            }
        }
        if (failed.isEmpty()) {
            return List.of();
        }
        Set<String> evicting = new HashSet<>();
        already.forEach(e -> evicting.add(e.podKey()));
        List<Restart> out = new ArrayList<>();
        for (Gang g : snapshot.gangs()) {
            List<PodInfo> bound = g.bound();
            PodInfo lost = bound.stream().filter(p -> failed.containsKey(p.nodeName())).findFirst().orElse(null);
            if (g.implicit() || lost == null) {
                continue;
            }
            long elsewhere = bound.stream().filter(p -> !failed.containsKey(p.nodeName())).count() + g.finishedCount();
            if (elsewhere >= g.minMember()) {
                continue; // an elastic member was lost: the gang runs on without it
            }
            var u = failed.get(lost.nodeName()).unavailable();
            String message = "gang " + g.key() + " lost member " + lost.key() + ": node " + lost.nodeName() + " "
                    + switch (u.code()) {
                        case "unreachable" -> "is unreachable";
                        case "gpuUnhealthy" -> "reports unhealthy GPUs";
                        default -> "is not ready";
                    } + " (" + u.message() + "); with " + elsewhere + " of its minMember " + g.minMember()
                    + " members left it is restarted whole";
            List<Eviction> evictions = new ArrayList<>();
            for (PodInfo p : bound) {
                if (!snapshot.planning().terminating().contains(p.key()) && evicting.add(p.key())) {
                    evictions.add(new Eviction(p.namespace(), p.name(), p.nodeName(), g.key(), Eviction.NODE_FAILED, g.key(),
                            message));
                }
            }
            out.add(new Restart(g, message, evictions));
        }
        return out;
    }

    /** Evictions of the bound members of gangs stale for longer than the grace period and not completed this cycle. */
    List<Eviction> evictions(Snapshot snapshot, List<GangDecision> decisions, List<Eviction> already) {
        Set<String> placed = new HashSet<>();
        decisions.stream().filter(d -> d.outcome() == GangDecision.Outcome.PLACED).forEach(d -> placed.add(d.gangKey()));
        Set<String> evicting = new HashSet<>();
        already.forEach(e -> evicting.add(e.podKey()));
        List<Eviction> out = new ArrayList<>();
        for (Gang g : snapshot.gangs()) {
            List<PodInfo> bound = g.bound();
            if (g.implicit() || bound.isEmpty() || g.missingToStart() == 0 || placed.contains(g.key())) {
                continue;
            }
            long first = Long.MAX_VALUE;
            for (PodInfo p : bound) {
                first = Math.min(first, snapshot.planning().startedAt().getOrDefault(p.key(), snapshot.now()));
            }
            long held = snapshot.now() - first;
            if (held < graceMillis) {
                continue;
            }
            for (PodInfo p : bound) {
                if (!snapshot.planning().terminating().contains(p.key()) && evicting.add(p.key())) {
                    out.add(new Eviction(p.namespace(), p.name(), p.nodeName(), g.key(), Eviction.STALE_GANG, g.key(),
                            "gang " + g.key() + " has held " + bound.size() + " of its minMember " + g.minMember()
                                    + " members for " + (held / 1000) + "s without starting; its bound "
                                    + "members are evicted so it can start over whole"));
                }
            }
        }
        return out;
    }
}
