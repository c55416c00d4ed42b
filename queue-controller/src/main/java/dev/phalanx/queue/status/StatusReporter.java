package dev.phalanx.queue.status;

import dev.phalanx.core.cycle.CycleReport;
import dev.phalanx.core.cycle.CycleReport.GangReport;
import dev.phalanx.core.cycle.CycleReport.QueueReport;
import dev.phalanx.core.cycle.CycleResult;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.cycle.QueueUsage;
import dev.phalanx.core.cycle.ReportPolicy;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.GangPhase;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.Snapshot;

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

    private final Map<String, GangPhase> phases = new HashMap<>();

    @Override
    public synchronized CycleReport report(CycleResult result, Snapshot after) {
        Map<String, GangDecision> decisions = new HashMap<>();
        result.decisions().forEach(d -> decisions.put(d.gangKey(), d));
        Map<String, NodeInfo> nodes = new HashMap<>();
        after.nodes().forEach(n -> nodes.put(n.name(), n));
        List<GangReport> gangs = new ArrayList<>();
        Map<String, GangPhase> seen = new HashMap<>();
        for (Gang g : after.gangs()) {
            GangReport r = gang(g, decisions.get(g.key()), phases.get(g.key()), nodes);
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
                    : " inside " + g.topologyRequired() + "=" + String.join(",", domains(g, nodes, g.topologyRequired())));
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
                previous, code, message, bound, running, placement, g.topologyRequired());
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
            out.add(new QueueReport(q.name(), q.parent(), result.fairShares().byQueue().getOrDefault(q.name(), Map.of()),
                    usage.allocated(q.name()).asUnitMap(), usage.requested(q.name()).asUnitMap(), byPhase, q.invalidReason()));
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
