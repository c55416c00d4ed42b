package dev.phalanx.scheduler.kube;

import com.fasterxml.jackson.databind.JsonNode;
import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.cli.CliRun;
import dev.phalanx.scheduler.live.SchedulerService;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * "What if I change this quota" in two commands: {@code phalanx snapshot} of a cluster the scheduler has been
 * working on replays in the simulator to the same state, every bound pod on its node and every waiting gang
 * waiting for the same reason; and what {@code kubectl get all -A -o yaml} prints replays too.
 */
@Tag("kube")
class SnapshotReplayIT {
    private static final String NS = "replay";

    @TempDir
    Path dir;

    @Test
    void aSnapshotOfALiveClusterReplaysToTheSamePlacementsAndTheSameWaits() throws Exception {
        Map<String, String> liveNodes = new TreeMap<>();
        Map<String, String> liveWaits = new TreeMap<>();
        try (KubernetesClient client = TestControlPlane.get().newClient()) {
            cleanCluster(client);
            for (String clique : List.of("nvl-1", "nvl-2")) {
                for (int i = 0; i < 2; i++) {
                    client.resource(node(clique + "-" + i, 8, Keys.CLIQUE_LABEL, clique)).create();
                }
            }
            client.resource(queue("team").gpu("24", 1, "-1").build()).create();
            client.resource(queue("capped").gpu("0", 1, "4").build()).create();
            client.resource(podGroup(NS, "llm", 3).required(Keys.CLIQUE_LABEL).build()).create();
            client.resource(podGroup(NS, "vision", 2).preferred(Keys.CLIQUE_LABEL).build()).create();
            client.resource(podGroup(NS, "huge", 3).required(Keys.CLIQUE_LABEL).build()).create();
            client.resource(podGroup(NS, "short", 3).build()).create();
            for (int i = 0; i < 3; i++) {
                client.resource(pod(NS, "llm-" + i).group("llm").gpus(4).build()).create();
                client.resource(pod(NS, "huge-" + i).group("huge").gpus(8).build()).create();
            }
            for (int i = 0; i < 2; i++) {
                client.resource(pod(NS, "vision-" + i).group("vision").gpus(4).build()).create();
                client.resource(pod(NS, "nb-" + i).gpus(1).build()).create();
            }
            client.resource(pod(NS, "short-0").group("short").gpus(1).build()).create();
            client.resource(pod(NS, "cap-0").gpus(4).queue("capped").build()).create();
            client.resource(pod(NS, "cap-1").gpus(2).queue("capped").build()).create();
            // not Phalanx's: runs where it was put, and takes room there
            client.resource(pod(NS, "other").gpus(1).scheduler("default-scheduler").onNode("nvl-2-1").build()).create();
            readyNodes(client);

            try (SchedulerService scheduler = new SchedulerService(client, PhalanxConfig.defaults().withCyclePeriod("1s")
                    .withStatusPeriod("200ms"), Policies.reproducible(), Clock.SYSTEM).start()) {
                await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                    Map<String, String> bound = new TreeMap<>();
                    for (Pod p : client.pods().inNamespace(NS).list().getItems()) {
                        bound.put(p.getMetadata().getName(), p.getSpec().getNodeName());
                    }
                    for (String placed : List.of("llm-0", "llm-1", "llm-2", "vision-0", "vision-1", "nb-0", "nb-1", "cap-0")) {
                        assertThat(bound.get(placed)).as(placed).isNotNull();
                    }
                    assertThat(waitReason(client, "huge")).isEqualTo("Unschedulable");
                    assertThat(waitReason(client, "short")).isEqualTo("WaitingForMembers");
                    assertThat(podReason(client.pods().inNamespace(NS).withName("cap-1").get())).isEqualTo("QueueOverLimit");
                });
            }
            for (Pod p : client.pods().inNamespace(NS).list().getItems()) {
                liveNodes.put(p.getMetadata().getName(), p.getSpec().getNodeName());
            }
            for (String g : List.of("huge", "short")) {
                liveWaits.put(g, waitReason(client, g));
            }
            liveWaits.put("cap-1", podReason(client.pods().inNamespace(NS).withName("cap-1").get()));
        }

        Path snapshot = dir.resolve("cluster.yaml");
        CliRun snap = CliRun.of("snapshot", "--kubeconfig", TestControlPlane.get().kubeconfigFile().toString(),
                "-o", snapshot.toString());
        assertThat(snap.exitCode()).as(snap.err()).isZero();
        assertThat(snap.err()).contains("wrote 4 nodes").contains("to " + snapshot);
        String yaml = Files.readString(snapshot);
        assertThat(yaml).startsWith("# phalanx snapshot of https://").doesNotContain("managedFields", "resourceVersion")
                .contains("nodeName: \"nvl-2-1\"");

        CliRun replay = CliRun.of("simulate", "-f", snapshot.toString(), "-o", "json");
        assertThat(replay.exitCode()).as(replay.err()).isZero();
        JsonNode root = replay.json();
        Map<String, String> simNodes = new TreeMap<>();
        for (JsonNode p : root.get("pods")) {
            if (p.path("namespace").asText().equals(NS)) {
                simNodes.put(p.path("name").asText(), p.path("node").isNull() ? null : p.path("node").asText());
            }
        }
        assertThat(simNodes).isEqualTo(liveNodes);
        assertThat(root.path("summary").path("evictions").asInt()).isZero();
        Map<String, String> simWaits = new TreeMap<>();
        for (JsonNode g : root.get("podGroups")) {
            if (liveWaits.containsKey(g.path("name").asText())) {
                simWaits.put(g.path("name").asText(), g.path("reason").asText().replaceAll(":.*", ""));
            }
        }
        for (JsonNode p : root.get("pods")) {
            if (p.path("name").asText().equals("cap-1")) {
                simWaits.put("cap-1", p.path("reason").asText().replaceAll(":.*", ""));
            }
        }
        assertThat(simWaits).isEqualTo(liveWaits);
    }

    @Test
    void whatKubectlGetAllPrintsReplaysWithAWarningPerKindItDoesNotModel() throws Exception {
        List<String> kubectl = List.of("kubectl", "--kubeconfig", TestControlPlane.get().kubeconfigFile().toString(),
                "get", "all", "-A", "-o", "yaml");
        Process p = new ProcessBuilder(kubectl).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String all = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(all).contains("kind: Service"); // the API server's own "kubernetes" Service at least
        CliRun replay = CliRun.inNewJvmWithStdin(all, "simulate", "-f", "-", "-o", "json");
        assertThat(replay.exitCode()).as(replay.err()).isZero();
        assertThat(replay.err()).containsPattern("warning: skipped \\d+ Service \\(v1\\): a kind the simulator does not model");
        assertThat(replay.json().has("summary")).isTrue();
    }

    private static String waitReason(KubernetesClient client, String group) {
        PodGroup g = client.resources(PodGroup.class).inNamespace(NS).withName(group).get();
        return g == null || g.getStatus() == null ? null : g.getStatus().getConditions().stream()
                .filter(c -> "Scheduled".equals(c.getType())).map(c -> c.getReason()).findFirst().orElse(null);
    }

    private static String podReason(Pod p) {
        return p == null || p.getStatus() == null || p.getStatus().getConditions() == null ? null
                : p.getStatus().getConditions().stream().filter(c -> "PodScheduled".equals(c.getType()))
                .map(c -> c.getReason()).findFirst().orElse(null);
    }

    private static void cleanCluster(KubernetesClient client) {
        KubeTests.cleanCluster(client);
        if (client.namespaces().withName(NS).get() == null) {
            KubeTests.teamNamespace(client, NS, "team");
        }
    }

    private static void readyNodes(KubernetesClient client) {
        TestingKubelet.readyNodes(client);
    }
}
