package dev.phalanx.scheduler.live;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.PodGroupStatus;
import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.api.v1alpha1.QueueStatus;
import dev.phalanx.core.cycle.CycleResult;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.cycle.QueueUsage;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Snapshot;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Step 6, report: PodGroup and Queue status and the Events that say why a gang waits. A status is
 * written only when it changed, and at most once per {@code minInterval} per object; a deferred write
 * happens at a later cycle.
 */
public final class StatusWriter {
    private static final Logger LOG = LoggerFactory.getLogger(StatusWriter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final ClusterCache cache;
    private final EventRecorder events;
    private final long minIntervalMillis;
    private final Map<String, String> written = new HashMap<>();
    private final Map<String, Long> writtenAt = new HashMap<>();
    private final Map<String, PodGroupStatus> lastGroupStatus = new HashMap<>();
    private final Map<String, GangDecision> lastDecision = new HashMap<>();

    public StatusWriter(KubernetesClient client, ClusterCache cache, EventRecorder events, long minIntervalMillis) {
        this.client = client;
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
            if (uid == null) {
                continue; // pods naming a PodGroup that does not exist: reported on the pods
            }
            PodGroupStatus s = GangStatus.of(g, d, cache::isRunning, nodes, lastGroupStatus.get(g.key()), now);
            if (g.queue() != null) {
                phasesByQueue.computeIfAbsent(g.queue(), k -> new TreeMap<>()).merge(s.getPhase(), 1, Integer::sum);
            }
            var ref = EventRecorder.ref(Queue.GROUP + "/" + Queue.VERSION, "PodGroup", g.namespace(), g.name(), uid);
            var c = s.getConditions().get(0);
            events.record(ref, "False".equals(c.getStatus()) && !"Waiting".equals(c.getReason()), c.getReason(), c.getMessage());
            if (shouldWrite("PodGroup/" + g.key(), s, nowMillis)) {
                PodGroup pg = new PodGroup();
                pg.setMetadata(meta(g.namespace(), g.name()));
                pg.setStatus(s);
                if (patch(pg)) {
                    lastGroupStatus.put(g.key(), s);
                }
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
            s.setConditions(List.of(new ConditionBuilder().withType("Valid")
                    .withStatus(q.invalidReason() == null ? "True" : "False")
                    .withReason(q.invalidReason() == null ? "Valid" : "Invalid")
                    .withMessage(q.invalidReason() == null ? "the queue takes part in fair share" : q.invalidReason())
                    .withLastTransitionTime(now).build()));
            if (q.invalidReason() != null) {
                events.record(EventRecorder.ref(Queue.GROUP + "/" + Queue.VERSION, "Queue", null, q.name(), null), true,
                        "Invalid", q.invalidReason());
            }
            QueueStatus comparable = JSON.convertValue(s, QueueStatus.class);
            comparable.setConditions(List.of());
            if (shouldWrite("Queue/" + q.name(), comparable, nowMillis)) {
                Queue obj = new Queue();
                obj.setMetadata(meta(null, q.name()));
                obj.setStatus(s);
                patch(obj);
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

    private static ObjectMeta meta(String namespace, String name) {
        ObjectMeta m = new ObjectMeta();
        m.setName(name);
        m.setNamespace(namespace);
        return m;
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

    private boolean patch(io.fabric8.kubernetes.client.CustomResource<?, ?> obj) {
        try {
            client.resource(obj).patchStatus();
            return true;
        } catch (RuntimeException e) {
            LOG.debug("status of {} {} not written: {}", obj.getKind(), obj.getMetadata().getName(), e.getMessage());
            written.remove(obj.getKind() + "/" + (obj.getMetadata().getNamespace() == null ? "" : obj.getMetadata().getNamespace() + "/")
                    + obj.getMetadata().getName());
            return false;
        }
    }
}
