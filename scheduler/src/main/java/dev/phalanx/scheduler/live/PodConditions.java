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
 * <p>Written off the scheduling thread by server-side apply of the status alone (no read first), one write
 * per pod when its reason changes, and when only the numbers of its message changed at most once per
 * {@link #REFRESH_MILLIS}; newer news replaces older news of the same pod still waiting to be written.
 */
public final class PodConditions implements AutoCloseable {
    public static final String UNSCHEDULABLE = "Unschedulable";
    /** Reasons a bigger cluster would help with: the gang found no room or no node that may take it. */
    private static final Set<String> CAPACITY = Set.of("InsufficientResources", "TopologyUnsatisfiable", "NoFeasibleNode",
            "Unschedulable", "NoRoom", "ConstraintsUnsatisfied");
    static final long REFRESH_MILLIS = 60_000;
    private static final Logger LOG = LoggerFactory.getLogger(PodConditions.class);
    /** Server-side apply of what is given, owned by the scheduler; the pod is not read first. */
    private static final PatchContext APPLY = new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY)
            .withFieldManager(EventRecorder.COMPONENT).withForce(true).build();

    private final KubernetesClient client;
    private final Clock clock;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "phalanx-pod-conditions");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Written> written = new LinkedHashMap<>();
    private final Map<String, Pending> queued = new LinkedHashMap<>();

    private record Written(String reason, String message, long at) {
    }

    private record Pending(String namespace, String name, String reason, String message) {
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
        String key = namespace + "/" + name;
        String reason = podReason(code);
        String text = code.equals(reason) ? message : code + ": " + message;
        long now = clock.now();
        synchronized (written) {
            Written w = written.get(key);
            if (w != null && w.reason().equals(reason) && (w.message().equals(text) || now - w.at() < REFRESH_MILLIS)) {
                return;
            }
            written.put(key, new Written(reason, text, now));
        }
        boolean first;
        synchronized (queued) {
            first = queued.put(key, new Pending(namespace, name, reason, text)) == null;
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
        Pod status = new PodBuilder().withNewMetadata().withName(p.name()).withNamespace(p.namespace()).endMetadata()
                .withNewStatus().addNewCondition().withType("PodScheduled").withStatus("False").withReason(p.reason())
                .withMessage(p.message()).withLastTransitionTime(Instant.ofEpochMilli(clock.now()).toString()).endCondition()
                .endStatus().build();
        try {
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
