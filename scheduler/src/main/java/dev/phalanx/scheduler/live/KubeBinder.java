package dev.phalanx.scheduler.live;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.metrics.SchedulerMetrics;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.VegasLimit;
import com.netflix.concurrency.limits.limiter.BlockingLimiter;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Writes a gang's bindings, one API call per pod: a Binding whose metadata carries the GPU devices
 * annotation, which the API server copies onto the pod as it binds it. Each pod is assumed in the cache
 * before its binding is sent, so the next cycle never offers its room again; a binding that fails for good
 * is forgotten, which makes the pod pending again.
 *
 * <p>How many bindings are in flight follows the API server's latency (a Vegas limit, as TCP Vegas sizes
 * its window: it grows while latency stays near the least seen and shrinks as a queue builds up), between
 * 1 and {@code maxInFlight}; an overloaded answer (429, 5xx, a timeout) counts as a drop and shrinks it.
 * Bindings leave in the order they were queued, one dispatcher handing each to the window as it opens, so a
 * gang's members go out together instead of mixed with the gangs queued before and after it: a gang spends
 * as little time as possible partly bound.
 */
public final class KubeBinder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KubeBinder.class);
    private static final int ATTEMPTS = 3;

    private final KubernetesClient client;
    private final ClusterCache cache;
    private final EventRecorder events;
    private final SchedulerMetrics metrics;
    private final ExecutorService pool = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("phalanx-bind-", 0).factory());
    private final SimpleLimiter<Void> window;
    private final Limiter<Void> limiter;
    private final LinkedBlockingQueue<Queued> queue = new LinkedBlockingQueue<>();
    private final ClaimWriter claims;
    private final VolumeWriter volumes;
    private final Thread dispatcher;
    private volatile boolean closed;

    /** A binding waiting for room in the window, and where its outcome goes. */
    private record Queued(Binding binding, CompletableFuture<Outcome> outcome) {
    }

    public KubeBinder(KubernetesClient client, ClusterCache cache, EventRecorder events, int maxInFlight,
                      SchedulerMetrics metrics) {
        this.client = client;
        this.cache = cache;
        this.events = events;
        this.metrics = metrics;
        this.claims = new ClaimWriter(client, cache, cache::deviceClassObject);
        this.volumes = new VolumeWriter(client);
        this.window = SimpleLimiter.newBuilder().named("phalanx-bind").limit(VegasLimit.newBuilder()
                .initialLimit(Math.min(16, maxInFlight)).maxConcurrency(maxInFlight).build()).build();
        this.limiter = BlockingLimiter.wrap(window);
        this.dispatcher = Thread.ofVirtual().name("phalanx-bind-dispatch").start(this::dispatch);
    }

    /** Hands queued bindings, oldest first, to the window as it opens. */
    private void dispatch() {
        while (!closed) {
            Queued q;
            try {
                q = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            Limiter.Listener slot = limiter.acquire(null).orElse(null); // blocks until the window has room
            try {
                pool.execute(() -> {
                    try {
                        q.outcome().complete(bindOne(q.binding(), slot));
                    } catch (RuntimeException e) {
                        q.outcome().complete(new Outcome(q.binding(), false, e.toString(), 0));
                    }
                });
            } catch (RuntimeException e) { // closed meanwhile
                if (slot != null) {
                    slot.onIgnore();
                }
                q.outcome().complete(new Outcome(q.binding(), false, "the binder was closed", 0));
            }
        }
    }

    /** Bindings allowed in flight now. */
    public int window() {
        return window.getLimit();
    }

    /** What happened to one binding. */
    public record Outcome(Binding binding, boolean bound, String error, int httpCode) {
    }

    /** Binds a gang and waits for every binding's outcome. */
    public List<Outcome> bindAll(List<Binding> bindings) {
        return bindAsync(bindings, true).join();
    }

    /**
     * Assumes the gang's pods at once and queues their bindings behind those already queued, so gangs
     * committed one after another are written in that order while their bindings share the pool: a
     * cycle that places many small gangs keeps every binding slot busy instead of waiting for each gang
     * in turn. A binding that fails for good makes its pod pending again. {@code eventPerPod}: record a
     * Scheduled Event on each pod bound (for pods without a PodGroup; a PodGroup's members are told of once,
     * on their PodGroup).
     */
    public CompletableFuture<List<Outcome>> bindAsync(List<Binding> bindings, boolean eventPerPod) {
        for (Binding b : bindings) {
            cache.assume(b.podKey(), b.node(), b.gpuDevices());
            cache.assumeClaims(b.claims());
            cache.assumeVolumes(b.volumes());
        }
        List<CompletableFuture<Outcome>> futures = new ArrayList<>();
        for (Binding b : bindings) {
            CompletableFuture<Outcome> outcome = new CompletableFuture<>();
            queue.add(new Queued(b, outcome));
            futures.add(outcome.thenApply(o -> settle(o, eventPerPod)));
        }
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(done -> futures.stream().map(CompletableFuture::join).toList());
    }

    private Outcome settle(Outcome o, boolean eventPerPod) {
        if (o.bound()) {
            if (!eventPerPod) {
                return o;
            }
            events.record(EventRecorder.ref("v1", "Pod", o.binding().namespace(), o.binding().pod(),
                    cache.uid("Pod", o.binding().podKey())), false, "Scheduled",
                    "Successfully assigned " + o.binding().podKey() + " to " + o.binding().node());
        } else {
            cache.forget(o.binding().podKey());
            cache.forgetClaims(o.binding().claims());
            cache.forgetVolumes(o.binding().volumes());
            events.record(EventRecorder.ref("v1", "Pod", o.binding().namespace(), o.binding().pod(),
                    cache.uid("Pod", o.binding().podKey())), true, "FailedBinding",
                    "binding to " + o.binding().node() + " failed: " + o.error());
        }
        return o;
    }

    private Outcome bindOne(Binding b, Limiter.Listener firstSlot) {
        long start = System.nanoTime();
        Outcome o = tryBind(b, firstSlot);
        if (o.bound()) {
            metrics.bound(System.nanoTime() - start);
        } else {
            metrics.bindingFailed(o.httpCode(), System.nanoTime() - start);
        }
        metrics.bindingWindow(window.getLimit());
        return o;
    }

    private Outcome tryBind(Binding b, Limiter.Listener firstSlot) {
        io.fabric8.kubernetes.api.model.Binding body = body(b, cache.automaticGroup(b.podKey()));
        String error = null;
        int code = 0;
        List<ClaimWriter.Written> written = List.of();
        if (!b.claims().isEmpty()) {
            try {
                // the claims are allocated and reserved for the pod before it is bound, as the kubelet expects them
                written = claims.reserve(b, cache.uid("Pod", b.podKey()));
            } catch (RuntimeException e) {
                settleSlot(firstSlot, 0);
                int c = e instanceof ClaimWriter.ClaimException ce ? ce.code : 0;
                LOG.warn("claims of {} could not be written: {}", b.podKey(), e.getMessage());
                return new Outcome(b, false, e.getMessage(), c);
            }
        }
        List<dev.phalanx.core.volume.VolumeWrite> volumesWritten = List.of();
        if (!b.volumes().isEmpty()) {
            try {
                // its claims are bound, or their volumes asked for on its node, before the pod is bound there
                volumesWritten = volumes.reserve(b);
            } catch (RuntimeException e) {
                settleSlot(firstSlot, 0);
                if (!written.isEmpty()) {
                    claims.release(b, written);
                }
                int c = e instanceof ClaimWriter.ClaimException ce ? ce.code : 0;
                LOG.warn("volumes of {} could not be written: {}", b.podKey(), e.getMessage());
                return new Outcome(b, false, e.getMessage(), c);
            }
        }
        Outcome o = tryBind(b, body, firstSlot, error, code);
        if (!o.bound() && !written.isEmpty()) {
            claims.release(b, written);
        }
        if (!o.bound() && !volumesWritten.isEmpty()) {
            volumes.release(volumesWritten);
        }
        return o;
    }

    private Outcome tryBind(Binding b, io.fabric8.kubernetes.api.model.Binding body, Limiter.Listener firstSlot, String error,
                            int code) {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            // the first attempt has the slot the dispatcher took for it; a retry waits for one of its own
            Limiter.Listener slot = attempt == 1 ? firstSlot : limiter.acquire(null).orElse(null);
            try {
                client.bindings().inNamespace(b.namespace()).resource(body).create();
                settleSlot(slot, 201);
                return new Outcome(b, true, null, 201);
            } catch (KubernetesClientException e) {
                code = e.getCode();
                settleSlot(slot, code);
                error = code > 0 && e.getStatus() != null ? "HTTP " + code + ": " + e.getStatus().getMessage() : e.getMessage();
                if (code == 409 || code == 404 || code == 422 || code == 403 || code == 400) {
                    break; // retrying cannot help: already bound, gone, refused
                }
            } catch (RuntimeException e) {
                settleSlot(slot, 0);
                error = e.getMessage();
                code = 0;
            }
            if (Thread.currentThread().isInterrupted()) {
                return new Outcome(b, false, "interrupted", 0);
            }
            sleep(100L * attempt);
        }
        LOG.warn("binding {} to {} failed: {}", b.podKey(), b.node(), error);
        return new Outcome(b, false, error, code);
    }

    /** Tells the window how a call went: its latency counts unless the server was overloaded or refused it. */
    private static void settleSlot(Limiter.Listener slot, int code) {
        if (slot == null) {
            return;
        }
        if (code / 100 == 2) {
            slot.onSuccess();
        } else if (code == 0 || code == 429 || code >= 500) {
            slot.onDropped();
        } else {
            slot.onIgnore();
        }
    }

    /**
     * The Binding for {@code b}. Annotations on the Binding itself, which the API server copies onto the pod it
     * binds: the GPU devices the pod was given, and {@code automaticGroup}, the PodGroup the podgrouper formed for
     * it (null when none), so that the pod keeps its gang without a write of its own.
     */
    static io.fabric8.kubernetes.api.model.Binding body(Binding b, String automaticGroup) {
        BindingBuilder builder = new BindingBuilder();
        var md = builder.withNewMetadata().withName(b.pod()).withNamespace(b.namespace());
        if (automaticGroup != null) {
            md.addToAnnotations(Keys.POD_GROUP_LABEL, automaticGroup);
        }
        if (!b.gpuDevices().isEmpty()) {
            md.addToAnnotations(Keys.GPU_DEVICES_ANNOTATION,
                    String.join(",", b.gpuDevices().stream().map(String::valueOf).toList()));
        }
        return md.endMetadata().withNewTarget().withApiVersion("v1").withKind("Node").withName(b.node()).endTarget().build();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        dispatcher.interrupt();
        pool.shutdownNow();
        for (Queued q; (q = queue.poll()) != null; ) {
            q.outcome().complete(new Outcome(q.binding(), false, "the binder was closed", 0));
        }
    }
}
