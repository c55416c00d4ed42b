package dev.phalanx.scheduler.cli;

import dev.phalanx.scheduler.kube.TestControlPlane;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code phalanx run} as a user starts it: it serves /metrics, /healthz and /readyz on the configured
 * port, leads, and exits with code 1 when it loses the leader Lease, so that a restart rejoins.
 */
@Tag("kube")
class RunCommandIT {
    @TempDir
    Path dir;

    @Test
    void servesMetricsAndProbesWhileItLeadsAndExitsWithOneWhenItLosesTheLease() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String ns = "run-" + System.nanoTime() % 100_000;
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                cyclePeriod: 1s
                metricsPort: %d
                leaderElection: {enabled: true, leaseName: run-test, leaseNamespace: %s, leaseDuration: 4s, renewDeadline: 3s, retryPeriod: 500ms}
                """.formatted(port, ns));
        HttpClient http = HttpClient.newHttpClient();
        try (KubernetesClient admin = TestControlPlane.get().newClient()) {
            admin.resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
            CompletableFuture<CliRun> run = CompletableFuture.supplyAsync(() -> CliRun.of("run", "--kubeconfig",
                    TestControlPlane.get().kubeconfigFile().toString(), "--config", config.toString()));
            try {
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                    assertThat(run).isNotDone();
                    HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
                    String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    assertThat(metrics).contains("phalanx_leader 1.0").contains("phalanx_cycle_seconds_count")
                            .contains("jvm_memory_used_bytes");
                });
            } finally {
                // whatever happened above, the scheduler must not outlive the test: it would go on scheduling every
                // namespace of the shared API server for the tests after this one
                takeLease(admin, ns, run);
            }
            CliRun done = run.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(done.exitCode()).isEqualTo(1);
            assertThat(done.err()).contains("lost the leader lease; exiting, so that a restart rejoins");
        }
    }

    /**
     * Gives the lease to someone else until the scheduler has exited. The leader renews it every retry period, so an
     * edit may meet a newer version (409): it is made again on the version it meets.
     */
    private static void takeLease(KubernetesClient admin, String ns, CompletableFuture<CliRun> run) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
            if (!run.isDone()) {
                ZonedDateTime now = ZonedDateTime.now();
                admin.leases().inNamespace(ns).withName("run-test").edit((Lease l) -> {
                    l.getSpec().setHolderIdentity("someone-else");
                    l.getSpec().setRenewTime(now);
                    return l;
                });
            }
            return run.isDone() || waitBriefly(run);
        });
    }

    private static boolean waitBriefly(CompletableFuture<CliRun> run) {
        try {
            run.get(2, java.util.concurrent.TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return run.isDone();
        }
    }
}
