package dev.phalanx.queue.status;

import dev.phalanx.core.cycle.CycleReport;
import dev.phalanx.core.cycle.CycleReport.GangReport;
import dev.phalanx.core.cycle.CycleReport.QueueReport;
import dev.phalanx.core.cycle.CycleResult;
import dev.phalanx.core.cycle.FairShares;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.cycle.QueueUsage;
import dev.phalanx.core.cycle.ReportPolicy;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.GangPhase;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.UsageHistory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Step 6, the one status builder, live and in the simulator: each gang's phase ({@link GangLifecycle}),
 * the condition a user reads (why it waits, or where it runs) and each queue's standing. It remembers the
 * phase each gang had in the report before, so phases follow each other as the machine allows.
 */
public final class StatusReporter implements ReportPolicy {
    /**
     * Decisions that leave a gang Pending rather than Admitted: its queue did not admit it, or no room the
     * cluster could ever free would hold it (it fits no node, or not even the empty cluster).
     */
    private static final Set<String> NOT_ADMITTED = Set.of("WaitingForMembers", "QueueOverLimit", "QueueOverQuota",
            "Invalid", "Unschedulable", "NoFeasibleNode");

    /** Decisions that mean a gang waits for room, where its queue's recent use may be what put others first. */
    private static final Set<String> WAITS_FOR_ROOM = Set.of("InsufficientResources", "TopologyUnsatisfiable", "SubGroupUnsatisfiable", "NoRoom");

    private final Map<String, GangPhase> phases = new HashMap<>();

    @Override
    public synchronized CycleReport report(CycleResult result, Snapshot after) {
        Map<String, GangDecision> decisions = new HashMap<>();
        result.decisions().forEach(d -> decisions.put(d.gangKey(), d));
        Map<String, NodeInfo> nodes = new HashMap<>();
        after.nodes().forEach(n -> nodes.put(n.name(), n));
        List<GangReport> gangs = new ArrayList<>();
        Map<String, GangPhase> seen = new HashMap<>();
        QueueUsage usage = new QueueUsage(after);
        for (Gang g : after.gangs()) {
            GangReport r = gang(g, decisions.get(g.key()), phases.get(g.key()), nodes);
            String note = r.waiting() && WAITS_FOR_ROOM.contains(r.reasonCode())
                    ? historyNote(g, result.fairShares(), usage) : null;
            if (note != null) {
                r = r.withMessage(r.message() + "; " + note);
            }
            seen.put(g.key(), r.phase());
            gangs.add(r);
        }
        phases.clear();
        phases.putAll(seen);
        return new CycleReport(after.now(), result, after, gangs, queues(result, after, gangs));
    }

    static GangReport gang(Gang g, GangDecision decision, GangPhase previous, Map<String, NodeInfo> nodes) {
        int bound = 0, running = 0, succeeded = 0, failed = 0;
        for (PodInfo p : g.members()) {
            switch (p.phase()) {
                case BOUND -> bound++;
                case RUNNING -> {
                    bound++;
                    running++;
                }
                case SUCCEEDED -> succeeded++;
                case FAILED -> failed++;
                case PENDING -> { }
            }
        }
        boolean admitted = g.isValid() && decision != null && !NOT_ADMITTED.contains(decision.reasonCode());
        GangPhase phase = GangLifecycle.next(previous, new GangLifecycle.Observation(g.members().size(), g.minMember(),
                bound, running, succeeded, failed, admitted));
        String code;
        String message;
        if (phase.started() && decision != null && SchedulingCycle.RESTARTING.equals(decision.reasonCode())) {
            code = decision.reasonCode(); // it still runs, but is being restarted whole
            message = decision.reason();
        } else if (phase.started()) {
            code = "Scheduled";
            message = phase == GangPhase.SUCCEEDED || phase == GangPhase.FAILED
                    ? "all " + g.members().size() + " members finished" + (failed > 0 ? ", " + failed + " of them failed" : "")
                    : bound + " of " + g.members().size() + " members bound" + (g.topologyRequired() == null ? ""
                    : " inside " + g.topologyRequired() + "=" + String.join(",", domains(g, nodes, g.topologyRequired())))
                    + whereSubGroups(subGroups(g, nodes));
        } else if (!g.isValid()) {
            code = "Invalid";
            message = g.invalidReason();
        } else if (g.members().size() < g.minMember()) {
            code = "WaitingForMembers";
            message = g.members().size() + " of minMember " + g.minMember() + " pods exist";
        } else if (decision != null && decision.reason() != null) {
            code = decision.reasonCode();
            message = decision.reason();
        } else {
            code = "Waiting";
            message = "waiting for the next scheduling cycle";
        }
        Map<String, String> placement = new TreeMap<>();
        for (String key : new String[]{g.topologyRequired(), g.topologyPreferred()}) {
            if (key != null) {
                Set<String> d = domains(g, nodes, key);
                if (!d.isEmpty()) {
                    placement.put(key, String.join(",", d));
                }
            }
        }
        return new GangReport(g.namespace(), g.name(), g.implicit(), g.queue(), g.minMember(), g.members().size(), phase,
                previous, code, message, bound, running, placement, g.topologyRequired(), subGroups(g, nodes));
    }

    /** "; segment-0 in nvidia.com/gpu.clique=a, segment-1 in ..." for the subgroups placed with a key of their own. */
    static String whereSubGroups(List<CycleReport.SubGroupReport> subGroups) {
        List<String> parts = new ArrayList<>();
        for (CycleReport.SubGroupReport r : subGroups) {
            if (!r.placement().isEmpty()) {
                parts.add(r.name() + " in " + r.placement());
            }
        }
        int shown = Math.min(parts.size(), 8);
        return parts.isEmpty() ? "" : "; " + String.join(", ", parts.subList(0, shown))
                + (parts.size() > shown ? " and " + (parts.size() - shown) + " more" : "");
    }

    /** Each subgroup of {@code g}: its members, how many are bound, whether it started, and where. */
    static List<CycleReport.SubGroupReport> subGroups(Gang g, Map<String, NodeInfo> nodes) {
        if (!g.hasSubGroups()) {
            return List.of();
        }
        dev.phalanx.core.model.SubGroups tree = g.subGroups();
        dev.phalanx.core.model.SubGroupStart.Progress progress = dev.phalanx.core.model.SubGroupStart.progress(g);
        Map<String, List<PodInfo>> byLeaf = new HashMap<>();
        for (PodInfo p : g.members()) {
            if (tree.leafOf(p) != null) {
                byLeaf.computeIfAbsent(tree.leafOf(p), k -> new ArrayList<>()).add(p);
            }
        }
        List<CycleReport.SubGroupReport> out = new ArrayList<>();
        for (dev.phalanx.core.model.SubGroups.Node n : tree.nodes()) {
            List<PodInfo> members = new ArrayList<>();
            for (dev.phalanx.core.model.SubGroups.Node leaf : tree.leavesUnder(n)) {
                members.addAll(byLeaf.getOrDefault(leaf.name(), List.of()));
            }
            String key = n.required() != null ? n.required() : n.preferred();
            Set<String> where = new TreeSet<>();
            int bound = 0;
            for (PodInfo p : members) {
                if (p.phase().holdsResources()) {
                    bound++;
                    NodeInfo node = nodes.get(p.nodeName());
                    if (key != null && node != null && node.label(key) != null) {
                        where.add(node.label(key));
                    }
                }
            }
            out.add(new CycleReport.SubGroupReport(n.name(), n.parent(), n.minMember(),
                    tree.isLeaf(n) ? 0 : tree.minChildren(n.name()), members.size(), bound, progress.started(n.name()),
                    where.isEmpty() ? "" : key + "=" + String.join(",", where)));
        }
        return out;
    }

    /**
     * Why a gang's queue stands behind others because of its recent use, with the numbers, or null when it does not:
     * the queue used more than its part of the surplus lately, so its over-quota weight and its fair share are lower
     * than its configured weight alone would make them, and it holds at least that lower share already. Numbers are
     * rounded (whole units, two digits of weight), so the message changes when they do, not with every cycle's drift.
     */
    static String historyNote(Gang g, FairShares shares, QueueUsage usage) {
        if (!shares.keepsHistory() || g.queue() == null || usage.tree().get(g.queue()) == null) {
            return null;
        }
        Resources asked = g.pendingRequest();
        String r = asked.milli(Keys.GPU) > 0 ? Keys.GPU : asked.names().stream().findFirst().orElse(null);
        if (r == null) {
            return null;
        }
        QueueInfo q = usage.tree().get(g.queue());
        Double weight = shares.effectiveWeight(q.name(), r);
        double configured = q.share(r).overQuotaWeight();
        double share = shares.of(q.name(), r), alone = shares.byWeightsAlone(q.name(), r);
        double held = usage.allocated(q.name()).units(r);
        if (weight == null || weight >= configured || share >= alone || held + asked.units(r) <= share) {
            return null;
        }
        double decayed = shares.decayed(q.name(), r);
        double quota = q.share(r).quotaMilli() / 1000.0;
        return String.format(java.util.Locale.ROOT, "queue %s used %s %s on average lately (decayed usage, half-life %s), %s above "
                        + "its quota, more than its part of the surplus: its over-quota weight is %s instead of %s, so its fair share is "
                        + "%s instead of %s and queues that used less go first", q.name(), whole(decayed), r,
                dev.phalanx.core.kube.Durations.format(shares.halfLifeMillis()), whole(Math.max(0, decayed - quota)),
                trim(weight), trim(configured), whole(share), whole(alone));
    }

    private static String whole(double v) {
        return String.valueOf(Math.round(v));
    }

    private static String trim(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private static Set<String> domains(Gang gang, Map<String, NodeInfo> nodes, String key) {
        Set<String> out = new TreeSet<>();
        for (PodInfo p : gang.bound()) {
            NodeInfo n = nodes.get(p.nodeName());
            if (n != null && n.label(key) != null) {
                out.add(n.label(key));
            }
        }
        return out;
    }

    private static List<QueueReport> queues(CycleResult result, Snapshot after, List<GangReport> gangs) {
        QueueUsage usage = new QueueUsage(after);
        Map<String, Map<String, Integer>> phasesByQueue = new TreeMap<>();
        for (GangReport g : gangs) {
            if (!g.implicit() && g.queue() != null) {
                phasesByQueue.computeIfAbsent(g.queue(), k -> new TreeMap<>()).merge(g.phase().display(), 1, Integer::sum);
            }
        }
        List<QueueReport> out = new ArrayList<>();
        for (QueueInfo q : after.queues().values()) {
            Map<String, Integer> byPhase = new TreeMap<>();
            for (String member : descendantsAndSelf(usage, q.name())) {
                phasesByQueue.getOrDefault(member, Map.of()).forEach((k, v) -> byPhase.merge(k, v, Integer::sum));
            }
            FairShares shares = result.fairShares();
            Map<String, Double> held = usage.allocated(q.name()).asUnitMap();
            // what the queue holds after this cycle's commit is what it holds from now on, until the next report
            UsageHistory history = shares.keepsHistory() ? new UsageHistory(result.at(),
                    shares.decayedUsage().getOrDefault(q.name(), Map.of()), held) : null;
            out.add(new QueueReport(q.name(), q.parent(), shares.byQueue().getOrDefault(q.name(), Map.of()), held,
                    usage.requested(q.name()).asUnitMap(), byPhase, q.invalidReason(), history,
                    shares.effectiveWeight().getOrDefault(q.name(), Map.of())));
        }
        return out;
    }

    private static List<String> descendantsAndSelf(QueueUsage usage, String queue) {
        List<String> out = new ArrayList<>(List.of(queue));
        for (String child : usage.tree().children(queue)) {
            out.addAll(descendantsAndSelf(usage, child));
        }
        return out;
    }
}
