package dev.phalanx.scheduler.live;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.api.v1alpha1.PodGroupStatus;
import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.api.v1alpha1.QueueStatus;
import dev.phalanx.core.cycle.CycleResult;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.cycle.QueueUsage;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.queue.status.StatusBoard;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Step 6, report: the PodGroup and Queue status the cycle concluded, published on the
 * {@link StatusBoard} for the reconcilers to write, and the Events that say why a gang waits. A status
 * is published only when it changed, and at most once per {@code minInterval} per object; a deferred
 * one goes out at a later cycle.
 */
public final class StatusWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StatusBoard board;
    private final ClusterCache cache;
    private final EventRecorder events;
    private final long minIntervalMillis;
    private final Map<String, String> written = new HashMap<>();
    private final Map<String, Long> writtenAt = new HashMap<>();
    private final Map<String, PodGroupStatus> lastGroupStatus = new HashMap<>();
    private final Map<String, GangDecision> lastDecision = new HashMap<>();

    public StatusWriter(StatusBoard board, ClusterCache cache, EventRecorder events, long minIntervalMillis) {
        this.board = board;
        this.cache = cache;
        this.events = events;
        this.minIntervalMillis = minIntervalMillis;
    }

    public void report(CycleResult result, Snapshot after) {
        for (GangDecision d : result.decisions()) {
            lastDecision.put(d.gangKey(), d);
        }
        String now = Instant.now().toString();
        long nowMillis = System.currentTimeMillis();
        Map<String, NodeInfo> nodes = new HashMap<>();
        after.nodes().forEach(n -> nodes.put(n.name(), n));
        Map<String, Map<String, Integer>> phasesByQueue = new TreeMap<>();
        for (Gang g : after.gangs()) {
            GangDecision d = lastDecision.get(g.key());
            if (g.implicit()) {
                if (d != null && d.reason() != null) {
                    events.record(EventRecorder.ref("v1", "Pod", g.namespace(), g.name(), cache.uid("Pod", g.key())),
                            true, d.reasonCode(), d.reason());
                }
                continue;
            }
            String uid = cache.uid("PodGroup", g.key());
            if (uid == null) { // pods naming a PodGroup that does not exist: reported on the pods
                String why = g.invalidReason() != null ? g.invalidReason() : d != null ? d.reason() : null;
                if (why != null) {
                    for (PodInfo m : g.members()) {
                        events.record(EventRecorder.ref("v1", "Pod", m.namespace(), m.name(), cache.uid("Pod", m.key())),
                                true, "Invalid", why);
                    }
                }
                continue;
            }
            PodGroupStatus s = GangStatus.of(g, d, cache::isRunning, nodes, lastGroupStatus.get(g.key()), now);
            if (g.queue() != null) {
                phasesByQueue.computeIfAbsent(g.queue(), k -> new TreeMap<>()).merge(s.getPhase(), 1, Integer::sum);
            }
            var ref = EventRecorder.ref(Queue.GROUP + "/" + Queue.VERSION, "PodGroup", g.namespace(), g.name(), uid);
            var c = s.getConditions().get(0);
            events.record(ref, "False".equals(c.getStatus()) && !"Waiting".equals(c.getReason()), c.getReason(), c.getMessage());
            if (shouldWrite("PodGroup/" + g.key(), s, nowMillis)) {
                board.publish(g.namespace(), g.name(), s);
                lastGroupStatus.put(g.key(), s);
            }
        }
        QueueUsage usage = new QueueUsage(after);
        for (QueueInfo q : after.queues().values()) {
            QueueStatus s = new QueueStatus();
            s.setFairShare(format(result.fairShares().byQueue().getOrDefault(q.name(), Map.of())));
            s.setAllocated(format(usage.allocated(q.name()).asUnitMap()));
            s.setRequested(format(usage.requested(q.name()).asUnitMap()));
            Map<String, Integer> phases = new TreeMap<>();
            for (String member : descendantsAndSelf(usage, q.name())) {
                phasesByQueue.getOrDefault(member, Map.of()).forEach((k, v) -> phases.merge(k, v, Integer::sum));
            }
            s.setPodGroups(phases);
            if (q.invalidReason() != null) {
                events.record(EventRecorder.ref(Queue.GROUP + "/" + Queue.VERSION, "Queue", null, q.name(), null), true,
                        "Invalid", q.invalidReason());
            }
            if (shouldWrite("Queue/" + q.name(), s, nowMillis)) {
                board.publish(q.name(), s);
            }
        }
    }

    private static List<String> descendantsAndSelf(QueueUsage usage, String queue) {
        List<String> out = new java.util.ArrayList<>(List.of(queue));
        for (String child : usage.tree().children(queue)) {
            out.addAll(descendantsAndSelf(usage, child));
        }
        return out;
    }

    private static Map<String, String> format(Map<String, Double> units) {
        Map<String, String> out = new TreeMap<>();
        units.forEach((k, v) -> out.put(k, Resources.formatMilli(Math.round(v * 1000))));
        return out;
    }

    /** True when {@code status} differs from what was last written and the object was not written too recently. */
    private boolean shouldWrite(String key, Object status, long nowMillis) {
        String json;
        try {
            json = JSON.writeValueAsString(status instanceof PodGroupStatus p ? withoutTimes(p) : status);
        } catch (Exception e) {
            return true;
        }
        if (json.equals(written.get(key))) {
            return false;
        }
        Long at = writtenAt.get(key);
        if (at != null && nowMillis - at < minIntervalMillis) {
            return false;
        }
        written.put(key, json);
        writtenAt.put(key, nowMillis);
        return true;
    }

    private static PodGroupStatus withoutTimes(PodGroupStatus s) {
        PodGroupStatus copy = JSON.convertValue(s, PodGroupStatus.class);
        copy.getConditions().forEach(c -> c.setLastTransitionTime(null));
        return copy;
    }
}
