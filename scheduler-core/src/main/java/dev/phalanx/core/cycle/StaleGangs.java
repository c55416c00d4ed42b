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
 */
final class StaleGangs {
    private final long graceMillis;

    StaleGangs(long graceMillis) {
        this.graceMillis = graceMillis;
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
