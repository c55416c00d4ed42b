package dev.phalanx.queue;

import dev.phalanx.core.cycle.AdmissionPolicy;
import dev.phalanx.core.cycle.FairShares;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.cycle.QueueUsage;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Snapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Step 2, all-or-nothing admission. A gang is ready when it is valid and all minMember members exist;
 * ready gangs are served higher priority first, then first come first served. A gang is admitted only
 * when its whole request fits its queue's limit and every ancestor's (invariant 3).
 */
public final class GangAdmission implements AdmissionPolicy {
    static final Comparator<Gang> SERVICE_ORDER = Comparator.comparingInt(Gang::priority).reversed()
            .thenComparingLong(Gang::createdAt)
            .thenComparing(Gang::key);

    @Override
    public Ranking order(Snapshot snapshot, FairShares fairShares, QueueUsage usage) {
        List<Gang> ready = new ArrayList<>();
        Map<String, GangDecision> notReady = new LinkedHashMap<>();
        for (Gang g : snapshot.gangs()) {
            if (!g.isValid()) {
                notReady.put(g.key(), GangDecision.invalid(g.key(), g.queue(), g.invalidReason()));
            } else if (g.pending().isEmpty()) {
                continue; // nothing to place
            } else if (g.members().size() < g.minMember()) {
                notReady.put(g.key(), GangDecision.waiting(g.key(), g.queue(), "WaitingForMembers",
                        g.members().size() + " of minMember " + g.minMember() + " pods exist"));
            } else {
                ready.add(g);
            }
        }
        ready.sort(SERVICE_ORDER);
        return new Ranking(ready, notReady);
    }

    @Override
    public GangDecision check(Gang gang, QueueUsage usage) {
        String problem = usage.limitProblem(gang.queue(), gang.pendingRequest());
        return problem == null ? null : GangDecision.waiting(gang.key(), gang.queue(), "QueueOverLimit", problem);
    }
}
