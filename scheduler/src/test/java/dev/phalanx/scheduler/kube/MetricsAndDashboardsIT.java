package dev.phalanx.scheduler.kube;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.live.SchedulerService;
import dev.phalanx.scheduler.metrics.Dashboards;
import dev.phalanx.scheduler.metrics.Metrics;
import dev.phalanx.scheduler.metrics.OpsHttpServer;
import dev.phalanx.scheduler.metrics.SchedulerMetrics;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A running scheduler (against the real API server, with a queue tree, a gang bound and one that cannot
 * start) scraped over HTTP: the scrape says what the cycle concluded, every metric a dashboard panel
 * queries is in it, every panel's PromQL parses with promtool, and a real Prometheus scraping the
 * scheduler answers every panel's query with data.
 */
@Tag("kube")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsAndDashboardsIT {
    private static final Path CHART = TestControlPlane.repoRoot().resolve("charts/phalanx");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private KubernetesClient client;
    private SchedulerService scheduler;
    private OpsHttpServer ops;
    private String ns;

    @BeforeAll
    void startASchedulerWithWorkDoneAndWorkWaiting() throws IOException {
        client = TestControlPlane.get().newClient();
        KubeTests.cleanCluster(client);
        ns = "metrics-" + System.nanoTime() % 100_000;
        KubeTests.teamNamespace(client, ns, "team");
        client.resource(queue("org").gpu("16", 1, "-1").build()).create();
        client.resource(queue("team").parent("org").gpu("16", 1, "32").build()).create();
        client.resource(node("n-0", 8)).create();
        client.resource(node("n-1", 8)).create();
        client.resource(podGroup(ns, "pair", 2).build()).create();
        client.resource(pod(ns, "pair-0").group("pair").gpus(2).build()).create();
        client.resource(pod(ns, "pair-1").group("pair").gpus(2).build()).create();
        // 3 x 8 GPUs never fit two 8-GPU nodes: it waits, and its wait shows
        client.resource(podGroup(ns, "huge", 3).build()).create();
        for (int i = 0; i < 3; i++) {
            client.resource(pod(ns, "huge-" + i).group("huge").gpus(8).build()).create();
        }
        TestingKubelet.readyNodes(client);

        PrometheusMeterRegistry registry = SchedulerMetrics.prometheusRegistry();
        SchedulerMetrics metrics = new SchedulerMetrics(registry);
        scheduler = new SchedulerService(client, PhalanxConfig.defaults().withCyclePeriod("1s"), Policies.live(metrics),
                Clock.SYSTEM, metrics).start();
        ops = new OpsHttpServer(0, registry, scheduler::health, scheduler::readiness);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                "Scheduled".equals(client.resources(PodGroup.class).inNamespace(ns).withName("pair").get().getStatus().getPhase()));
        await().atMost(Duration.ofSeconds(15)).until(() -> scheduler.readiness() == null);
    }

    @AfterAll
    void stop() {
        if (ops != null) {
            ops.close();
        }
        if (scheduler != null) {
            scheduler.close();
        }
        client.close();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ops.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String scrape() throws IOException, InterruptedException {
        HttpResponse<String> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        return r.body();
    }

    /** Sample name to the label sets and values it has in the scrape. */
    private static Map<String, List<Map.Entry<Map<String, String>, Double>>> samples(String scrape) {
        Map<String, List<Map.Entry<Map<String, String>, Double>>> out = new TreeMap<>();
        for (String line : scrape.lines().toList()) {
            Matcher m = SAMPLE.matcher(line);
            if (line.startsWith("#") || !m.find()) {
                continue;
            }
            Map<String, String> labels = new TreeMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            out.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(Map.entry(labels, Double.parseDouble(m.group(4))));
        }
        return out;
    }

    private static double value(Map<String, List<Map.Entry<Map<String, String>, Double>>> samples, String name, String... labels) {
        Map<String, String> want = new LinkedHashMap<>();
        for (int i = 0; i + 1 < labels.length; i += 2) {
            want.put(labels[i], labels[i + 1]);
        }
        return samples.getOrDefault(name, List.of()).stream()
                .filter(e -> e.getKey().entrySet().containsAll(want.entrySet())).mapToDouble(Map.Entry::getValue)
                .reduce(Double::sum).orElseThrow(() -> new AssertionError("no sample " + name + want + " in the scrape"));
    }

    @Test
    void probesSayOkWhenTheInformersHaveSyncedAndTheLeaderCycles() throws Exception {
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
        HttpResponse<String> ready = get("/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).isEqualTo("ok\n");
        assertThat(get("/nothing-here").statusCode()).isEqualTo(404);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ops.port() + "/metrics"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void theScrapeSaysWhatTheCyclesConcludedPerQueueAndResourceInBaseUnits() throws Exception {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            var s = samples(scrape());
            String gpu = Keys.GPU;
            assertThat(value(s, "phalanx_queue_allocated", "queue", "team", "resource", gpu, "leaf", "true")).isEqualTo(4.0);
            assertThat(value(s, "phalanx_queue_allocated", "queue", "org", "resource", gpu, "leaf", "false")).isEqualTo(4.0);
            assertThat(value(s, "phalanx_queue_requested", "queue", "team", "resource", gpu)).isEqualTo(28.0);
            assertThat(value(s, "phalanx_queue_quota", "queue", "team", "resource", gpu)).isEqualTo(16.0);
            assertThat(value(s, "phalanx_queue_limit", "queue", "team", "resource", gpu)).isEqualTo(32.0);
            assertThat(s.get("phalanx_queue_limit")).noneMatch(e -> "org".equals(e.getKey().get("queue"))); // no limit, no series
            assertThat(value(s, "phalanx_queue_fair_share", "queue", "team", "resource", gpu)).isEqualTo(16.0);
            // usage history is on by default: the team has held 4 GPUs for a few seconds of a half-life of hours
            assertThat(value(s, "phalanx_queue_decayed_usage", "queue", "team", "resource", gpu)).isBetween(0.0, 4.0);
            assertThat(value(s, "phalanx_queue_effective_weight", "queue", "team", "resource", gpu)).isGreaterThan(0.0);
            assertThat(value(s, "phalanx_queue_allocated", "queue", "team", "resource", "cpu")).isEqualTo(2.0); // cores
            assertThat(value(s, "phalanx_queue_pod_groups", "queue", "team", "phase", "Scheduled")).isEqualTo(1.0);
            assertThat(value(s, "phalanx_queue_pod_groups", "queue", "team", "phase", "Pending")).isEqualTo(1.0);
            assertThat(value(s, "phalanx_queue_pod_groups", "queue", "team", "phase", "Running")).isEqualTo(0.0);
            assertThat(value(s, "phalanx_queue_longest_wait_seconds", "queue", "team")).isGreaterThan(0.0);
            assertThat(value(s, "phalanx_gang_wait_seconds_count", "queue", "team")).isEqualTo(1.0);
            assertThat(value(s, "phalanx_bindings_total")).isEqualTo(2.0);
            assertThat(value(s, "phalanx_binding_seconds_count")).isEqualTo(2.0);
            for (String reason : Metrics.BINDING_ERROR_REASONS) {
                assertThat(value(s, "phalanx_binding_errors_total", "reason", reason)).isZero();
            }
            for (String reason : Metrics.EVICTION_REASONS) {
                assertThat(value(s, "phalanx_evictions_total", "reason", reason)).isZero();
            }
            for (String step : Metrics.STEPS) {
                assertThat(value(s, "phalanx_cycle_step_seconds_count", "step", step)).as(step).isGreaterThanOrEqualTo(1.0);
            }
            assertThat(value(s, "phalanx_cycle_seconds_count")).isEqualTo((double) scheduler.cycles());
            assertThat(value(s, "phalanx_placement_seconds_count", "outcome", "placed")).isGreaterThanOrEqualTo(1.0);
            assertThat(value(s, "phalanx_placement_seconds_count", "outcome", "unplaced")).isGreaterThanOrEqualTo(1.0);
            assertThat(value(s, "phalanx_leader")).isEqualTo(1.0);
            assertThat(value(s, "phalanx_last_cycle_timestamp_seconds")).isCloseTo(System.currentTimeMillis() / 1000.0,
                    org.assertj.core.data.Offset.offset(30.0));
        });
    }

    @Test
    void everyMetricOfTheMetricsClassIsInTheScrapeUnderItsNameAndPromtoolFindsNoProblem() throws Exception {
        String scrape = scrape();
        Set<String> names = samples(scrape).keySet();
        for (Metrics.Metric m : Metrics.ALL) {
            if (m.type().equals("histogram")) {
                assertThat(names).as(m.name()).contains(m.prometheusName() + "_bucket", m.prometheusName() + "_count",
                        m.prometheusName() + "_sum");
            } else {
                assertThat(names).as(m.name()).contains(m.prometheusName());
            }
            assertThat(m.prometheusName()).startsWith("phalanx_");
        }
        String ours = scrape.lines().filter(l -> l.contains("phalanx_")).collect(Collectors.joining("\n", "", "\n"));
        KubeTests.Run lint = KubeTests.run(List.of(promtool(), "check", "metrics"), ours, null);
        assertThat(lint.exit()).as(lint.out()).isZero();
    }

    @Test
    void everyMetricThatADashboardQueriesIsInTheScrape() throws Exception {
        Set<String> scraped = samples(scrape()).keySet();
        List<Dashboards.Query> queries = Dashboards.queries(CHART);
        assertThat(queries).hasSizeGreaterThan(20);
        Set<String> queried = new TreeSet<>(Dashboards.variableMetrics(CHART));
        for (Dashboards.Query q : queries) {
            Set<String> names = Dashboards.metricNames(q.expr());
            assertThat(names).as("metrics of " + q).isNotEmpty();
            queried.addAll(names);
            assertThat(scraped).as("the metrics of " + q).containsAll(names);
        }
        assertThat(queried).as("the dashboards show every kind of metric the issue asks for").contains(
                "phalanx_queue_fair_share", "phalanx_queue_allocated", "phalanx_queue_quota", "phalanx_queue_limit",
                "phalanx_queue_decayed_usage", "phalanx_queue_effective_weight",
                "phalanx_queue_requested", "phalanx_queue_pod_groups", "phalanx_gang_wait_seconds_bucket",
                "phalanx_evictions_total", "phalanx_cycle_step_seconds_bucket", "phalanx_bindings_total",
                "phalanx_binding_errors_total", "phalanx_leader", "phalanx_placement_seconds_bucket");
    }

    @Test
    void everyPanelExpressionParsesWithPromtool() throws Exception {
        Path rules = Files.createTempFile("phalanx-panels", ".yml");
        ObjectMapper yaml = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        List<Map<String, String>> list = new ArrayList<>();
        List<Dashboards.Query> queries = Dashboards.queries(CHART);
        for (int i = 0; i < queries.size(); i++) {
            // promtool parses rules, not bare expressions: one recording rule per panel expression
            list.add(Map.of("record", "phalanx_panel_" + i, "expr", queries.get(i).resolved("5m", Keys.GPU)));
        }
        yaml.writeValue(rules.toFile(), Map.of("groups", List.of(Map.of("name", "dashboard-panels", "rules", list))));
        KubeTests.Run check = KubeTests.run(List.of(promtool(), "check", "rules", rules.toString()), null, null);
        Files.deleteIfExists(rules);
        assertThat(check.exit()).as(check.out()).isZero();
        assertThat(check.out()).contains("SUCCESS: " + queries.size() + " rules found");
    }

    @Test
    void aRealPrometheusScrapingTheSchedulerAnswersEveryPanelWithData() throws Exception {
        Path prometheus = Path.of(promtool()).resolveSibling("prometheus");
        Path dir = Files.createTempDirectory("phalanx-prometheus");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("prometheus.yml"), """
                global: {scrape_interval: 1s, evaluation_interval: 1s}
                scrape_configs:
                  - job_name: phalanx
                    static_configs: [{targets: ['127.0.0.1:%d']}]
                """.formatted(ops.port()));
        Process p = new ProcessBuilder(prometheus.toString(), "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        try {
            String api = "http://127.0.0.1:" + port;
            ObjectMapper json = new ObjectMapper();
            // enough scrapes for a rate over 10s
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                JsonNode r = json.readTree(http.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/query?query="
                        + URLEncoder.encode("count_over_time(phalanx_leader[1m])", StandardCharsets.UTF_8))).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                return r.at("/data/result/0/value/1").asDouble() >= 8;
            });
            List<String> empty = new ArrayList<>();
            for (Dashboards.Query q : Dashboards.queries(CHART)) {
                String expr = q.resolved("10s", Keys.GPU);
                JsonNode r = json.readTree(http.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/query?query="
                        + URLEncoder.encode(expr, StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString()).body());
                assertThat(r.path("status").asText()).as(q + " -> " + r).isEqualTo("success");
                if (r.at("/data/result").isEmpty()) {
                    empty.add(q.toString());
                }
            }
            assertThat(empty).as("panels whose query found no data").isEmpty();
        } finally {
            p.destroy();
            p.waitFor();
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static String promtool() throws IOException, InterruptedException {
        return KubeTests.tool("tools/promtool/install.sh");
    }
}
