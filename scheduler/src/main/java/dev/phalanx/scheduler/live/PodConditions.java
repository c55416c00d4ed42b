package dev.phalanx.scheduler.live;

import dev.phalanx.core.cycle.Clock;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Tells a waiting pod why, where every tool looks: its {@code PodScheduled} condition, False, as kube-scheduler
 * sets it. The reason is {@value #UNSCHEDULABLE} when no room or node the cluster has now can take its gang
 * (what cluster autoscalers act on), else Phalanx's own (waiting for members, over its queue's limit, room being
 * made by preemption...), which autoscalers leave alone. The binding itself sets the condition True.
 *
 * <p>A member of a gang others are evicted for also shows the node held for it in {@code status.nominatedNodeName}, as
 * kube-scheduler shows where a preemptor will go (so kube-scheduler, and cluster autoscalers, leave that room to it);
 * it is cleared once the pod is bound (the API server clears it at binding from 1.35 on) or the room is no longer
 * held for it ({@link #clearNomination}).
 *
 * <p>Written off the scheduling thread by server-side apply of the status alone (no read first), one write
 * per pod when its reason or nominated node changes, and when only the numbers of its message changed at most once
 * per {@link #REFRESH_MILLIS}; newer news replaces older news of the same pod still waiting to be written.
 */
public final class PodConditions implements AutoCloseable {
    public static final String UNSCHEDULABLE = "Unschedulable";
    /** Reasons a bigger cluster would help with: the gang found no room or no node that may take it. */
    private static final Set<String> CAPACITY = Set.of("InsufficientResources", "TopologyUnsatisfiable", "SubGroupUnsatisfiable", "NoFeasibleNode",
            "Unschedulable", "NoRoom", "ConstraintsUnsatisfied");
    static final long REFRESH_MILLIS = 60_000;
    private static final Logger LOG = LoggerFactory.getLogger(PodConditions.class);
    /** Server-side apply of what is given, owned by the scheduler; the pod is not read first. */
    private static final PatchContext APPLY = new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY)
            .withFieldManager(EventRecorder.COMPONENT).withForce(true).build();
    private static final PatchContext CLEAR = new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE)
            .withFieldManager(EventRecorder.COMPONENT).build();

    private final KubernetesClient client;
    private final Clock clock;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "phalanx-pod-conditions");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Written> written = new LinkedHashMap<>();
    private final Map<String, Pending> queued = new LinkedHashMap<>();

    private record Written(String reason, String message, String nominated, long at) {
    }

    /** {@code reason} null: only the nominated node is to be cleared. */
    private record Pending(String namespace, String name, String reason, String message, String nominated) {
    }

    public PodConditions(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    /** The condition reason a pod of a gang waiting with {@code code} gets. */
    public static String podReason(String code) {
        return CAPACITY.contains(code) ? UNSCHEDULABLE : code;
    }

    /** Says why {@code namespace/name} waits, unless it already says so. */
    public void waiting(String namespace, String name, String code, String message) {
        waiting(namespace, name, code, message, null);
    }

    /** Says why {@code namespace/name} waits and the node held for it ({@code nominated}, null: none). */
    public void waiting(String namespace, String name, String code, String message, String nominated) {
        String key = namespace + "/" + name;
        String reason = podReason(code);
        String text = code.equals(reason) ? message : code + ": " + message;
        long now = clock.now();
        synchronized (written) {
            Written w = written.get(key);
            if (w != null && w.reason().equals(reason) && java.util.Objects.equals(w.nominated(), nominated)
                    && (w.message().equals(text) || now - w.at() < REFRESH_MILLIS)) {
                return;
            }
            written.put(key, new Written(reason, text, nominated, now));
        }
        enqueue(key, new Pending(namespace, name, reason, text, nominated));
    }

    /** Clears the node {@code namespace/name}'s status names as nominated for it: it was bound, or its room is no longer held. */
    public void clearNomination(String namespace, String name) {
        String key = namespace + "/" + name;
        synchronized (written) {
            Written w = written.get(key);
            if (w != null && w.nominated() != null) {
                written.put(key, new Written(w.reason(), w.message(), null, w.at()));
            }
        }
        enqueue(key, new Pending(namespace, name, null, null, null));
    }

    private void enqueue(String key, Pending p) {
        boolean first;
        synchronized (queued) {
            Pending before = queued.get(key);
            if (p.reason() == null && before != null && before.reason() != null) {
                // a condition still to be written: written without a nominated node, the apply clears it as well
                p = new Pending(before.namespace(), before.name(), before.reason(), before.message(), null);
            }
            first = queued.put(key, p) == null;
        }
        if (first) {
            writer.execute(() -> flush(key));
        }
    }

    /** Forgets pods no longer waiting (bound, gone): a later wait is written afresh. */
    public void keepOnly(Set<String> waitingPods) {
        synchronized (written) {
            written.keySet().retainAll(waitingPods);
        }
    }

    private void flush(String key) {
        Pending p;
        synchronized (queued) {
            p = queued.remove(key);
        }
        if (p == null) {
            return;
        }
        try {
            if (p.reason() == null) {
                client.pods().inNamespace(p.namespace()).withName(p.name()).subresource("status")
                        .patch(CLEAR, "{\"status\":{\"nominatedNodeName\":null}}");
                return;
            }
            // the apply owns the nominated node too: applied without one, one it wrote before is removed
            Pod status = new PodBuilder().withNewMetadata().withName(p.name()).withNamespace(p.namespace()).endMetadata()
                    .withNewStatus().withNominatedNodeName(p.nominated()).addNewCondition().withType("PodScheduled")
                    .withStatus("False").withReason(p.reason()).withMessage(p.message())
                    .withLastTransitionTime(Instant.ofEpochMilli(clock.now()).toString()).endCondition().endStatus().build();
            client.pods().resource(status).subresource("status").patch(APPLY);
        } catch (KubernetesClientException e) {
            synchronized (written) {
                written.remove(key); // to be written again next time
            }
            if (e.getCode() != 404 && e.getCode() != 409) {
                LOG.debug("could not write why {} waits: {}", key, e.getMessage());
            }
        } catch (RuntimeException e) { // the client closed under us: the scheduler is stopping
            LOG.debug("could not write why {} waits: {}", key, e.getMessage());
        }
    }

    @Override
    public void close() {
        writer.shutdownNow(); // what is left is written by whoever leads next
    }
}
