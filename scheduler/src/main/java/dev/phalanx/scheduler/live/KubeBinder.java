package dev.phalanx.scheduler.live;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.core.cycle.Binder;
import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.metrics.SchedulerMetrics;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Commits a gang through the {@code pods/binding} subresource, bindings in parallel up to a bound.
 * Each pod is assumed in the cache before its binding is sent, so the next cycle never offers its
 * room again; a binding that fails for good is forgotten, which makes the pod pending again.
 */
public final class KubeBinder implements Binder, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KubeBinder.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ATTEMPTS = 3;

    private final KubernetesClient client;
    private final ClusterCache cache;
    private final EventRecorder events;
    private final SchedulerMetrics metrics;
    private final ExecutorService pool;
    private final String base;

    public KubeBinder(KubernetesClient client, ClusterCache cache, EventRecorder events, int parallelism,
                      SchedulerMetrics metrics) {
        this.client = client;
        this.cache = cache;
        this.events = events;
        this.metrics = metrics;
        this.pool = Executors.newFixedThreadPool(parallelism, r -> {
            Thread t = new Thread(r, "phalanx-bind");
            t.setDaemon(true);
            return t;
        });
        String master = client.getMasterUrl().toString();
        this.base = master.endsWith("/") ? master.substring(0, master.length() - 1) : master;
    }

    /** What happened to one binding. */
    public record Outcome(Binding binding, boolean bound, String error, int httpCode) {
    }

    @Override
    public void bind(GangDecision decision, List<Binding> bindings) {
        bindAll(bindings);
    }

    /** Binds a gang and waits for every binding's outcome. */
    public List<Outcome> bindAll(List<Binding> bindings) {
        return bindAsync(bindings).join();
    }

    /**
     * Assumes the gang's pods at once and queues their bindings behind those already queued, so gangs
     * committed one after another are written in that order while their bindings share the pool: a
     * cycle that places many small gangs keeps every binding slot busy instead of waiting for each gang
     * in turn. A binding that fails for good makes its pod pending again.
     */
    public CompletableFuture<List<Outcome>> bindAsync(List<Binding> bindings) {
        for (Binding b : bindings) {
            cache.assume(b.podKey(), b.node(), b.gpuDevices());
        }
        List<CompletableFuture<Outcome>> futures = new ArrayList<>();
        for (Binding b : bindings) {
            futures.add(CompletableFuture.supplyAsync(() -> bindOne(b), pool).thenApply(this::settle));
        }
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(done -> futures.stream().map(CompletableFuture::join).toList());
    }

    private Outcome settle(Outcome o) {
        if (o.bound()) {
            events.record(EventRecorder.ref("v1", "Pod", o.binding().namespace(), o.binding().pod(),
                    cache.uid("Pod", o.binding().podKey())), false, "Scheduled",
                    "Successfully assigned " + o.binding().podKey() + " to " + o.binding().node());
        } else {
            cache.forget(o.binding().podKey());
            events.record(EventRecorder.ref("v1", "Pod", o.binding().namespace(), o.binding().pod(),
                    cache.uid("Pod", o.binding().podKey())), true, "FailedBinding",
                    "binding to " + o.binding().node() + " failed: " + o.error());
        }
        return o;
    }

    private Outcome bindOne(Binding b) {
        long start = System.nanoTime();
        Outcome o = tryBind(b);
        if (o.bound()) {
            metrics.bound(System.nanoTime() - start);
        } else {
            metrics.bindingFailed(o.httpCode(), System.nanoTime() - start);
        }
        return o;
    }

    private Outcome tryBind(Binding b) {
        String error = null;
        int code = 0;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                if (!b.gpuDevices().isEmpty()) {
                    annotateDevices(b);
                }
                code = postBinding(b);
                if (code / 100 == 2) {
                    return new Outcome(b, true, null, code);
                }
                error = "HTTP " + code;
                if (code == 409 || code == 404 || code == 422 || code == 403) {
                    break; // retrying cannot help: already bound, gone, refused
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Outcome(b, false, "interrupted", 0);
            } catch (Exception e) {
                error = e.getMessage();
                code = e instanceof io.fabric8.kubernetes.client.KubernetesClientException k ? k.getCode() : 0;
            }
            sleep(100L * attempt);
        }
        LOG.warn("binding {} to {} failed: {}", b.podKey(), b.node(), error);
        return new Outcome(b, false, error, code);
    }

    private void annotateDevices(Binding b) {
        String devices = String.join(",", b.gpuDevices().stream().map(String::valueOf).toList());
        String patch;
        try {
            patch = JSON.writeValueAsString(Map.of("metadata", Map.of("annotations", Map.of(Keys.GPU_DEVICES_ANNOTATION, devices))));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        client.pods().inNamespace(b.namespace()).withName(b.pod()).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    }

    private int postBinding(Binding b) throws Exception {
        io.fabric8.kubernetes.api.model.Binding body = new BindingBuilder()
                .withNewMetadata().withName(b.pod()).withNamespace(b.namespace()).endMetadata()
                .withNewTarget().withApiVersion("v1").withKind("Node").withName(b.node()).endTarget().build();
        HttpClient http = client.getHttpClient();
        HttpRequest request = http.newHttpRequestBuilder()
                .uri(base + "/api/v1/namespaces/" + b.namespace() + "/pods/" + b.pod() + "/binding")
                .post("application/json", JSON.writeValueAsString(body)).build();
        HttpResponse<String> response = http.sendAsync(request, String.class).get(30, TimeUnit.SECONDS);
        return response.code();
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
        pool.shutdownNow();
    }
}
