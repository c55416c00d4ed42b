package dev.phalanx.scheduler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.phalanx.core.model.Keys;
import dev.phalanx.testing.Testing;
import io.fabric8.kubernetes.api.model.HasMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;

/** Pods in the simulator's YAML carry the same constraints as live ones, with the same outcomes and reasons. */
class ConstraintsSimulationTest {
    private static final String NS = "ml";

    @TempDir
    Path dir;

    private static List<HasMetadata> cluster() {
        List<HasMetadata> objs = new ArrayList<>();
        objs.add(namespace(NS, Keys.QUEUE_LABEL, "team"));
        objs.add(queue("team").gpu("64", 1, "-1").build());
        for (String zone : List.of("a", "b")) {
            for (int i = 0; i < 2; i++) {
                objs.add(node(zone + i, 8, Keys.ZONE_LABEL, "zone-" + zone));
            }
        }
        return objs;
    }

    private static List<HasMetadata> trainingGang(String name, int workers) {
        List<HasMetadata> objs = new ArrayList<>();
        objs.add(podGroup(NS, name, workers).build());
        for (int i = 0; i < workers; i++) {
            objs.add(pod(NS, name + "-" + i).group(name).label("job", name).gpus(2)
                    .antiAffinity(Keys.HOSTNAME_LABEL, "job", name).spread(1, Keys.ZONE_LABEL, true, "job", name).build());
        }
        return objs;
    }

    private JsonNode simulate(List<HasMetadata> objs) throws Exception {
        Path f = dir.resolve("constraints.yaml");
        Files.writeString(f, Testing.yaml(objs));
        CliRun run = CliRun.of("simulate", "-f", f.toString(), "-o", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        return run.json();
    }

    private static Map<String, String> nodes(JsonNode root) {
        Map<String, String> out = new TreeMap<>();
        root.get("pods").forEach(p -> out.put(p.get("name").asText(), p.get("node").isNull() ? null : p.get("node").asText()));
        return out;
    }

    private static JsonNode group(JsonNode root, String name) {
        for (JsonNode g : root.get("podGroups")) {
            if (g.get("name").asText().equals(name)) {
                return g;
            }
        }
        throw new AssertionError("no PodGroup " + name);
    }

    @Test
    void aTrainingGangStartsOneWorkerPerNodeSpreadOverZonesAndOneTooWideWaitsNamingItsAntiAffinity() throws Exception {
        List<HasMetadata> objs = cluster();
        objs.addAll(trainingGang("train", 4));
        objs.addAll(trainingGang("wide", 5));
        JsonNode root = simulate(objs);
        Map<String, String> at = nodes(root);
        List<String> train = List.of(at.get("train-0"), at.get("train-1"), at.get("train-2"), at.get("train-3"));
        assertThat(train).doesNotContainNull();
        assertThat(new HashSet<>(train)).hasSize(4);
        assertThat(train.stream().filter(n -> n.startsWith("a")).count()).isEqualTo(2);
        assertThat(at.get("wide-0")).isNull();
        assertThat(group(root, "wide").get("reason").asText()).contains("pod anti-affinity").contains("job=wide per kubernetes.io/hostname")
                .contains("it would not fit even the empty cluster");
    }

    @Test
    void twoPodsAskingForOneHostPortLandOnDifferentNodes() throws Exception {
        List<HasMetadata> objs = new ArrayList<>();
        objs.add(namespace(NS, Keys.QUEUE_LABEL, "team"));
        objs.add(queue("team").gpu("64", 1, "-1").build());
        objs.add(node("n0", 8));
        objs.add(node("n1", 8));
        for (int i = 0; i < 3; i++) {
            objs.add(pod(NS, "exporter-" + i).hostPort(9100, "TCP", null).build());
        }
        Map<String, String> at = nodes(simulate(objs));
        assertThat(at.get("exporter-0")).isNotEqualTo(at.get("exporter-1"));
        assertThat(at.values().stream().filter(n -> n == null).count()).isEqualTo(1); // two nodes, one port each
    }
}
