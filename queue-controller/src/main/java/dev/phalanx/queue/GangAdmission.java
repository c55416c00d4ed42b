package dev.phalanx.queue;

import dev.phalanx.core.cycle.AdmissionPolicy;
import dev.phalanx.core.cycle.FairShares;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.cycle.QueueUsage;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Snapshot;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Step 2, all-or-nothing admission. A gang is ready when it is valid and all minMember members exist.
 * Within a queue, ready gangs are served higher priority first, then first come first served. Across
 * queues, the queue furthest below its fair share on its dominant resource goes next: the ranking
 * takes one gang at a time from the queue whose (allocated ÷ fair share) is lowest, counting the
 * gangs ranked before it as allocated. A gang is admitted only when its whole request fits its
 * queue's limit and every ancestor's (invariant 3), and its quota when it may not be preempted.
 */
public final class GangAdmission implements AdmissionPolicy {
    /** How gangs of one queue are served: higher priority first, then first come first served. */
    public static final Comparator<Gang> SERVICE_ORDER = Comparator.comparingInt(Gang::priority).reversed()
            .thenComparingLong(Gang::createdAt)
            .thenComparing(Gang::key);

    private final boolean fairOrder;

    /** Fair ordering across queues. */
    public GangAdmission() {
        this(true);
    }

    /** {@code fairOrder} false: one first-come-first-served line for all queues (the FIFO baseline). */
    public GangAdmission(boolean fairOrder) {
        this.fairOrder = fairOrder;
    }

    @Override
    public Ranking order(Snapshot snapshot, FairShares fairShares, QueueUsage usage) {
        Map<String, List<Gang>> byQueue = new TreeMap<>();
        Map<String, GangDecision> notReady = new LinkedHashMap<>();
        for (Gang g : snapshot.gangs()) {
            String shortOf;
            if (!g.isValid()) {
                notReady.put(g.key(), GangDecision.invalid(g.key(), g.queue(), g.invalidReason()));
            } else if (g.pending().isEmpty() && (g.held().isEmpty() || g.missingToStart() == 0)) {
                continue; // nothing to place (a started gang's held members join it when they are ready)
            } else if (g.members().size() < g.minMember()) {
                notReady.put(g.key(), GangDecision.waiting(g.key(), g.queue(), "WaitingForMembers",
                        g.members().size() + " of minMember " + g.minMember() + " pods exist"));
            } else if ((shortOf = subGroupsShort(g)) != null) {
                notReady.put(g.key(), !g.held().isEmpty() ? held(g) : GangDecision.waiting(g.key(), g.queue(),
                        "WaitingForMembers", shortOf));
            } else if (g.pending().size() < g.missingToStart()) {
                notReady.put(g.key(), held(g));
            } else {
                byQueue.computeIfAbsent(g.queue(), k -> new ArrayList<>()).add(g);
            }
        }
        byQueue.values().forEach(l -> l.sort(SERVICE_ORDER));
        if (!fairOrder) {
            List<Gang> all = new ArrayList<>();
            byQueue.values().forEach(all::addAll);
            all.sort(Comparator.comparingLong(Gang::createdAt).thenComparing(Gang::key));
            return new Ranking(all, notReady);
        }
        return new Ranking(fairRanking(byQueue, fairShares, usage), notReady);
    }

    /** Why a gang with subgroups cannot start yet for want of pods in them, or null. */
    private static String subGroupsShort(Gang g) {
        if (!g.hasSubGroups()) {
            return null;
        }
        dev.phalanx.core.model.SubGroupStart start = dev.phalanx.core.model.SubGroupStart.of(g);
        return start.started() || start.pods() != null ? null : start.shortOf();
    }

    /** A gang that cannot start because members are held back: the first one's reason, and how many are held. */
    private static GangDecision held(Gang g) {
        List<PodInfo> held = g.held();
        PodInfo first = held.get(0);
        String others = held.size() == 1 ? "" : " (" + held.size() + " pods held back, this one first)";
        String start = g.implicit() ? "" : (g.members().size() - held.size()) + " of minMember " + g.minMember()
                + " pods are ready or started; ";
        return GangDecision.waiting(g.key(), g.queue(), first.hold().code(), start + "pod " + first.name() + ": "
                + first.hold().message() + others);
    }

    private static List<Gang> fairRanking(Map<String, List<Gang>> byQueue, FairShares shares, QueueUsage usage) {
        Map<String, Deque<Gang>> lines = new TreeMap<>();
        Map<String, Resources> projected = new HashMap<>();
        byQueue.forEach((q, gangs) -> {
            lines.put(q, new ArrayDeque<>(gangs));
            projected.put(q, usage.allocated(q));
        });
        List<Gang> ranking = new ArrayList<>();
        while (!lines.isEmpty()) {
            String next = null;
            double best = 0;
            for (Map.Entry<String, Deque<Gang>> e : lines.entrySet()) {
                double d = dominantShare(e.getKey(), projected.get(e.getKey()), e.getValue().peek().pendingRequest(), shares);
                if (next == null || d < best || (d == best
                        && SERVICE_ORDER.compare(e.getValue().peek(), lines.get(next).peek()) < 0)) {
                    next = e.getKey();
                    best = d;
                }
            }
            Gang g = lines.get(next).poll();
            ranking.add(g);
            projected.merge(next, g.pendingRequest(), Resources::add);
            if (lines.get(next).isEmpty()) {
                lines.remove(next);
            }
        }
        return ranking;
    }

    /**
     * How far over its fair share a queue is on the resource where it is most over: allocated ÷ fair
     * share, the largest over the resources its next gang asks for. A queue with nothing allocated is
     * at 0 whatever its share; one holding a resource it has no share of is at infinity.
     */
    static double dominantShare(String queue, Resources allocated, Resources nextRequest, FairShares shares) {
        double worst = 0;
        for (String r : nextRequest.names()) {
            double held = allocated.units(r);
            double share = shares.of(queue, r);
            double s = held == 0 ? 0 : share <= 0 ? Double.POSITIVE_INFINITY : held / share;
            worst = Math.max(worst, s);
        }
        return worst;
    }

    @Override
    public GangDecision check(Gang gang, QueueUsage usage) {
        String problem = usage.limitProblem(gang.queue(), gang.pendingRequest());
        if (problem != null) {
            return GangDecision.waiting(gang.key(), gang.queue(), "QueueOverLimit", problem);
        }
        if (!gang.preemptible()) {
            String quota = usage.quotaProblem(gang.queue(), gang.pendingRequest());
            if (quota != null) {
                return GangDecision.waiting(gang.key(), gang.queue(), "QueueOverQuota", quota);
            }
        }
        return null;
    }
}
