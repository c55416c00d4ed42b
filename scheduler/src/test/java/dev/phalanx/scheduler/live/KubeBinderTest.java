package dev.phalanx.scheduler.live;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.phalanx.core.cycle.Binding;
import dev.phalanx.scheduler.metrics.SchedulerMetrics;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the binder queues gangs, against a stub HTTP endpoint that holds every binding until released (the
 * binder's wire format is covered by the API-server tests).
 */
class KubeBinderTest {
    private HttpServer server;
    private final BlockingQueue<String> arrived = new LinkedBlockingQueue<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private KubernetesClient client;
    private ClusterCache cache;
    private KubeBinder binder;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            boolean binding = path.endsWith("/bindings");
            if (binding) {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                arrived.add(new ObjectMapper().readTree(body).path("metadata").path("name").asText());
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(binding ? 201 : 200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        Config config = new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + server.getAddress().getPort())
                .withRequestRetryBackoffLimit(0).build();
        client = new KubernetesClientBuilder().withConfig(config).build();
        cache = new ClusterCache("phalanx-scheduler", () -> 0);
        binder = new KubeBinder(client, cache, new EventRecorder(client, () -> 0), 4,
                new SchedulerMetrics(SchedulerMetrics.prometheusRegistry()));
    }

    @AfterEach
    void stop() {
        release.countDown();
        binder.close();
        client.close();
        server.stop(0);
    }

    @Test
    void gangsQueuedOneAfterAnotherAreBoundTogether() throws Exception {
        CompletableFuture<List<KubeBinder.Outcome>> first = binder.bindAsync(List.of(binding("a-0")), true);
        CompletableFuture<List<KubeBinder.Outcome>> second = binder.bindAsync(List.of(binding("b-0"), binding("b-1")), true);

        // the second gang's bindings are on the wire while the first gang's is still unanswered
        assertThat(List.of(arrived.poll(10, TimeUnit.SECONDS), arrived.poll(10, TimeUnit.SECONDS),
                arrived.poll(10, TimeUnit.SECONDS))).containsExactlyInAnyOrder("a-0", "b-0", "b-1");
        assertThat(first).isNotDone();

        release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS)).allMatch(KubeBinder.Outcome::bound);
        assertThat(second.get(10, TimeUnit.SECONDS)).allMatch(KubeBinder.Outcome::bound);
    }

    @Test
    void bindingsLeaveInTheOrderTheyWereQueuedSoAGangsMembersGoOutTogether() throws Exception {
        release.countDown(); // answer at once
        KubeBinder oneAtATime = new KubeBinder(client, cache, new EventRecorder(client, () -> 0), 1,
                new SchedulerMetrics(SchedulerMetrics.prometheusRegistry()));
        try {
            List<CompletableFuture<List<KubeBinder.Outcome>>> gangs = new java.util.ArrayList<>();
            for (String gang : List.of("a", "b", "c")) {
                gangs.add(oneAtATime.bindAsync(List.of(binding(gang + "-0"), binding(gang + "-1"), binding(gang + "-2")), false));
            }
            for (var g : gangs) {
                assertThat(g.get(10, TimeUnit.SECONDS)).allMatch(KubeBinder.Outcome::bound);
            }
            List<String> order = new java.util.ArrayList<>(arrived);
            assertThat(order).containsExactly("a-0", "a-1", "a-2", "b-0", "b-1", "b-2", "c-0", "c-1", "c-2");
        } finally {
            oneAtATime.close();
        }
    }

    private static Binding binding(String pod) {
        return new Binding("team", pod, "node-1", List.of());
    }
}
