package dev.phalanx.scheduler.live;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.api.v1alpha1.PodGroupStatus;
import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.api.v1alpha1.QueueStatus;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.cycle.CycleReport;
import dev.phalanx.core.cycle.CycleReport.GangReport;
import dev.phalanx.core.cycle.CycleReport.QueueReport;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.queue.status.StatusBoard;
import dev.phalanx.queue.status.StatusBuilder;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes step 6's report live: each PodGroup's and Queue's status ({@link StatusBuilder}), published on the
 * {@link StatusBoard} for the reconcilers to write, and the Events that say why a gang waits, coalesced so
 * the API server carries what a user sees change and little more:
 * <ul>
 *   <li>a status is published only when it changed, at most once per {@code minInterval} per object; a
 *   deferred one goes out at a later cycle;</li>
 *   <li>a gang that has not started is first written once it has waited {@code minInterval}, so a gang
 *   created and started within that time gets one status write, not one per step on the way;</li>
 *   <li>one Event per change of a gang's condition reason (Scheduled, or why it waits), not per member nor
 *   per change of the numbers in its message, which the status shows;</li>
 *   <li>each waiting member's {@code PodScheduled} condition ({@link PodConditions}), as kube-scheduler keeps it;</li>
 *   <li>the node held for each member of a gang others are evicted for, in its {@code status.nominatedNodeName}, written
 *   at once and cleared once the room is no longer held for it (or it was bound).</li>
 * </ul>
 */
public final class StatusWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StatusBoard board;
    private final ClusterCache cache;
    private final EventRecorder events;
    private final Clock clock;
    private final long minIntervalMillis;
    /** How often a Queue's status is written when only its usage history changed. */
    static final long HISTORY_WRITE_MILLIS = 60_000;

    private final Map<String, Object> written = new HashMap<>();
    private final Map<String, String> writtenCore = new HashMap<>();
    private final Map<String, Long> writtenAt = new HashMap<>();
    private final Map<String, PodGroupStatus> lastGroupStatus = new HashMap<>();
    private final Map<String, Long> firstSeen = new HashMap<>();
    private final Map<String, String> lastReason = new HashMap<>();
    private volatile boolean deferred;
    /** Pods whose nominated node was asked to be cleared, until the informer shows it cleared. */
    private final java.util.Set<String> clearing = new java.util.HashSet<>();

    private final PodConditions pods;

    public StatusWriter(StatusBoard board, ClusterCache cache, EventRecorder events, PodConditions pods, Clock clock,
                        long minIntervalMillis) {
        this.board = board;
        this.cache = cache;
        this.events = events;
        this.pods = pods;
        this.clock = clock;
        this.minIntervalMillis = minIntervalMillis;
    }

    /** True when the last report left a write for later: a gang not yet waiting long enough to be written. */
    public boolean deferred() {
        return deferred;
    }

    public void write(CycleReport report) {
        deferred = false;
        long nowMillis = clock.now();
        String now = Instant.ofEpochMilli(nowMillis).toString();
        Map<String, Gang> gangs = new HashMap<>();
        report.after().gangs().forEach(g -> gangs.put(g.key(), g));
        firstSeen.keySet().retainAll(gangs.keySet());
        lastReason.keySet().retainAll(gangs.keySet());
        java.util.Set<String> waitingPods = new java.util.HashSet<>();
        Map<String, String> nominations = report.result().nominatedNodes();
        java.util.Set<String> placedNow = new java.util.HashSet<>();
        report.result().decisions().stream().filter(d -> d.outcome() == dev.phalanx.core.cycle.GangDecision.Outcome.PLACED)
                .forEach(d -> placedNow.add(d.gangKey()));
        for (GangReport g : report.gangs()) {
            long seen = firstSeen.computeIfAbsent(g.key(), k -> nowMillis);
            boolean nominated = gangs.containsKey(g.key())
                    && gangs.get(g.key()).pending().stream().anyMatch(m -> nominations.containsKey(m.key()));
            boolean settled = !g.waiting() || "Invalid".equals(g.reasonCode()) || nominated
                    || nowMillis - seen >= minIntervalMillis;
            deferred |= !settled;
            if (!lastReason.containsKey(g.key()) && !g.waiting() && !placedNow.contains(g.key())) {
                // it started before this scheduler saw it (under another leader, or before a restart): told already
                lastReason.put(g.key(), g.reasonCode());
            }
            boolean newReason = settled && !g.reasonCode().equals(lastReason.get(g.key()));
            if (newReason) {
                lastReason.put(g.key(), g.reasonCode());
            }
            if (g.waiting() && settled && gangs.containsKey(g.key())) {
                for (PodInfo m : gangs.get(g.key()).pending()) {
                    waitingPods.add(m.key());
                    pods.waiting(m.namespace(), m.name(), g.reasonCode(), g.message(), nominations.get(m.key()));
                }
            }
            if (g.implicit()) {
                if (g.waiting() && newReason) {
                    events.record(EventRecorder.ref("v1", "Pod", g.namespace(), g.name(), cache.uid("Pod", g.key())),
                            true, g.reasonCode(), g.message());
                }
                continue;
            }
            String uid = cache.uid("PodGroup", g.key());
            String apiVersion = Queue.GROUP + "/" + Queue.VERSION;
            boolean nativeGroup = false;
            if (uid == null && cache.uid("NativePodGroup", g.key()) != null) {
                uid = cache.uid("NativePodGroup", g.key()); // a native gang: told in Events; its status is the API's own
                apiVersion = KubeObjects.NATIVE_POD_GROUP_API;
                nativeGroup = true;
            }
            if (uid == null) { // pods naming a PodGroup that does not exist: reported on the pods
                if ("Invalid".equals(g.reasonCode())) {
                    for (PodInfo m : gangs.get(g.key()).members()) {
                        events.record(EventRecorder.ref("v1", "Pod", m.namespace(), m.name(), cache.uid("Pod", m.key())),
                                true, "Invalid", g.message());
                    }
                }
                continue;
            }
            if (!settled) {
                continue; // it may start before it has waited long enough to be worth a write
            }
            PodGroupStatus s = StatusBuilder.podGroup(g, lastGroupStatus.get(g.key()), now);
            if (newReason) {
                var ref = EventRecorder.ref(apiVersion, "PodGroup", g.namespace(), g.name(), uid);
                events.record(ref, g.waiting() && !"Waiting".equals(g.reasonCode()), g.reasonCode(), g.message());
            }
            if (!nativeGroup && shouldWrite("PodGroup/" + g.key(), s, nowMillis)) {
                board.publish(g.namespace(), g.name(), s);
                lastGroupStatus.put(g.key(), s);
            }
        }
        pods.keepOnly(waitingPods);
        Map<String, String> shown = cache.nominatedNodes();
        clearing.retainAll(shown.keySet());
        for (Map.Entry<String, String> e : shown.entrySet()) {
            if (!nominations.containsKey(e.getKey()) && clearing.add(e.getKey())) {
                int slash = e.getKey().indexOf('/');
                pods.clearNomination(e.getKey().substring(0, slash), e.getKey().substring(slash + 1));
            }
        }
        for (QueueReport q : report.queues()) {
            QueueStatus s = StatusBuilder.queue(q);
            if (q.invalidReason() != null) {
                events.record(EventRecorder.ref(Queue.GROUP + "/" + Queue.VERSION, "Queue", null, q.name(), null), true,
                        "Invalid", q.invalidReason());
            }
            if (shouldWriteQueue(q.name(), s, nowMillis)) {
                board.publish(q.name(), s);
            }
        }
    }

    /**
     * As {@link #shouldWrite}, but a change of the usage history alone (decayed usage, its time, effective weights,
     * which drift a little every cycle) is written at most once per {@link #HISTORY_WRITE_MILLIS}: what a successor
     * continues from is then at most that old, and a queue's status is not rewritten every status period for it.
     */
    private boolean shouldWriteQueue(String queue, QueueStatus status, long nowMillis) {
        String key = "Queue/" + queue;
        String core;
        try {
            core = JSON.writeValueAsString(StatusBuilder.withoutHistory(status));
        } catch (Exception e) {
            core = null;
        }
        Long at = writtenAt.get(key);
        if (core != null && core.equals(writtenCore.get(key)) && at != null && nowMillis - at < HISTORY_WRITE_MILLIS) {
            return false;
        }
        boolean write = shouldWrite(key, status, nowMillis);
        if (write) {
            writtenCore.put(key, core);
        }
        return write;
    }

    /** True when {@code status} differs from what was last written and the object was not written too recently. */
    private boolean shouldWrite(String key, Object status, long nowMillis) {
        Object shown;
        if (status instanceof PodGroupStatus p) {
            shown = shown(p); // every gang, every cycle: compared field by field, not through JSON
        } else {
            try {
                shown = JSON.writeValueAsString(status);
            } catch (Exception e) {
                return true;
            }
        }
        if (shown.equals(written.get(key))) {
            return false;
        }
        Long at = writtenAt.get(key);
        if (at != null && nowMillis - at < minIntervalMillis) {
            return false;
        }
        written.put(key, shown);
        writtenAt.put(key, nowMillis);
        return true;
    }

    /** What a user sees of a PodGroup status, its conditions' transition times left out. */
    static java.util.List<Object> shown(PodGroupStatus s) {
        java.util.List<Object> conditions = new java.util.ArrayList<>();
        for (var c : s.getConditions()) {
            conditions.add(java.util.Arrays.asList(c.getType(), c.getStatus(), c.getReason(), c.getMessage()));
        }
        return java.util.Arrays.asList(s.getPhase(), s.getScheduled(), s.getRunning(), conditions, s.getPlacement(),
                s.getSubGroups());
    }
}
