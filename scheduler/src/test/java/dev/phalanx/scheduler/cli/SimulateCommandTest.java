package dev.phalanx.scheduler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.phalanx.core.model.Keys;
import io.fabric8.kubernetes.api.model.HasMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static dev.phalanx.testing.Testing.yaml;
import static org.assertj.core.api.Assertions.assertThat;

class SimulateCommandTest {
    @TempDir
    Path dir;

    private Path write(String name, List<? extends HasMetadata> objects) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, yaml(objects));
        return f;
    }

    private static JsonNode find(JsonNode array, String name) {
        for (JsonNode n : array) {
            if (name.equals(n.path("name").asText())) {
                return n;
            }
        }
        throw new AssertionError(name + " not in " + array);
    }

    /** Two cliques of two 8-GPU nodes, one queue, one namespace. */
    private List<HasMetadata> cluster() {
        List<HasMetadata> objs = new ArrayList<>();
        for (String c : List.of("a", "b")) {
            for (int i = 0; i < 2; i++) {
                objs.add(node(c + i, 8, Keys.CLIQUE_LABEL, "clique-" + c));
            }
        }
        objs.add(namespace("ml", Keys.QUEUE_LABEL, "team"));
        objs.add(queue("team").gpu("16", 1, "-1").build());
        return objs;
    }

    @Test
    void theBundledExampleRunsWithNoArgumentsAndPrintsAReadableReport() {
        CliRun run = CliRun.of("simulate");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Phalanx simulation of bundled example").contains("allocated on average")
                .contains("llm").contains("vision").contains("batch")
                .contains("team-llm/llm-pretrain-64 [queue llm] Unschedulable: needs 64 nvidia.com/gpu for 8 pods in one nvidia.com/gpu.clique")
                .contains("it would not fit even the empty cluster");
    }

    @Test
    void jsonOutputIsExactlyOneObjectWithTheDocumentedFields() throws Exception {
        List<HasMetadata> objs = cluster();
        objs.add(podGroup("ml", "train", 2).required(Keys.CLIQUE_LABEL).build());
        objs.add(pod("ml", "train-0").group("train").gpus(8).runFor("1h").build());
        objs.add(pod("ml", "train-1").group("train").gpus(8).runFor("1h").build());
        objs.add(pod("ml", "late").gpus(1).submitAt("30m").runFor("10m").build());
        CliRun run = CliRun.of("simulate", "-f", write("c.yaml", objs).toString(), "--output", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode root = run.json();
        assertThat(root.fieldNames()).toIterable().contains("summary", "pods", "podGroups", "queues");
        JsonNode s = root.get("summary");
        assertThat(s.fieldNames()).toIterable().contains("simulatedSeconds", "gpuAllocationRatio", "podsBound",
                "podGroupsScheduled", "podGroupsPending", "evictions", "cycles");
        assertThat(s.get("simulatedSeconds").asDouble()).isEqualTo(3600);
        assertThat(s.get("podsBound").asInt()).isEqualTo(3);
        // 16 GPUs for the hour plus 1 GPU for 10 minutes, of 32 GPUs over an hour
        assertThat(s.get("gpuAllocationRatio").asDouble()).isCloseTo((16 * 3600 + 600) / (32.0 * 3600), org.assertj.core.data.Offset.offset(1e-9));
        JsonNode p0 = find(root.get("pods"), "train-0");
        assertThat(p0.fieldNames()).toIterable().contains("namespace", "name", "podGroup", "queue", "node", "boundAt", "evictedAt", "finishedAt");
        assertThat(p0.get("boundAt").asDouble()).isZero();
        assertThat(p0.get("finishedAt").asDouble()).isEqualTo(3600);
        assertThat(p0.get("evictedAt").isArray()).isTrue();
        assertThat(p0.get("queue").asText()).isEqualTo("team");
        JsonNode late = find(root.get("pods"), "late");
        assertThat(late.get("boundAt").asDouble()).isEqualTo(1800);
        assertThat(late.get("podGroup").isNull()).isTrue();
        JsonNode g = find(root.get("podGroups"), "train");
        assertThat(g.fieldNames()).toIterable().contains("namespace", "name", "queue", "phase", "scheduledAt", "waitSeconds", "reason");
        assertThat(g.get("phase").asText()).isEqualTo("Succeeded");
        assertThat(g.get("reason").isNull()).isTrue();
        assertThat(find(root.get("queues"), "team").get("fairShare").isObject()).isTrue();
    }

    @Test
    void aPodAlreadyOnANodeRunsThereAndAPodOfAnotherSchedulerIsLeftAlone() throws Exception {
        List<HasMetadata> objs = cluster();
        objs.add(pod("ml", "pinned").gpus(8).onNode("b1").scheduler("default-scheduler").build());
        objs.add(pod("ml", "theirs").gpus(1).scheduler("default-scheduler").build());
        objs.add(pod("ml", "ours").gpus(8).nodeSelector(Keys.HOSTNAME_LABEL, "b1").build());
        JsonNode root = CliRun.of("simulate", "-f", write("c.yaml", objs).toString(), "-o", "json").json();
        assertThat(find(root.get("pods"), "pinned").get("node").asText()).isEqualTo("b1");
        assertThat(find(root.get("pods"), "theirs").get("node").isNull()).isTrue();
        assertThat(find(root.get("pods"), "ours").get("node").isNull()).isTrue(); // b1 is full
    }

    @Test
    void aGangWaitsWithAReasonAndBindsNothingWhenItCannotFit() throws Exception {
        List<HasMetadata> objs = cluster();
        objs.add(podGroup("ml", "huge", 3).required(Keys.CLIQUE_LABEL).build());
        for (int i = 0; i < 3; i++) {
            objs.add(pod("ml", "huge-" + i).group("huge").gpus(8).build());
        }
        JsonNode root = CliRun.of("simulate", "-f", write("c.yaml", objs).toString(), "-o", "json").json();
        JsonNode g = find(root.get("podGroups"), "huge");
        assertThat(g.get("phase").asText()).isEqualTo("Pending");
        assertThat(g.get("scheduledAt").isNull()).isTrue();
        assertThat(g.get("reason").asText()).isEqualTo("Unschedulable: needs 24 nvidia.com/gpu for 3 pods in one "
                + "nvidia.com/gpu.clique; the best, clique-a, has 16 nvidia.com/gpu free; it would not fit even the empty cluster");
        for (JsonNode p : root.get("pods")) {
            assertThat(p.get("node").isNull()).isTrue();
        }
    }

    @Test
    void invalidObjectsAreReportedWhileEverythingElseRuns() throws Exception {
        List<HasMetadata> objs = cluster();
        objs.add(queue("loop-a").parent("loop-b").build());
        objs.add(queue("loop-b").parent("loop-a").build());
        objs.add(podGroup("ml", "lost", 1).queue("nope").build());
        objs.add(pod("ml", "lost-0").group("lost").gpus(1).build());
        objs.add(podGroup("ml", "zero", 0).build());
        objs.add(pod("ml", "zero-0").group("zero").gpus(1).build());
        objs.add(pod("ml", "fine").gpus(1).build());
        CliRun run = CliRun.of("simulate", "-f", write("c.yaml", objs).toString(), "-o", "json");
        assertThat(run.exitCode()).isZero();
        JsonNode root = run.json();
        assertThat(find(root.get("podGroups"), "lost").get("reason").asText()).isEqualTo("Invalid: queue nope does not exist");
        assertThat(find(root.get("podGroups"), "zero").get("reason").asText()).isEqualTo("Invalid: spec.minMember must be at least 1, got 0");
        assertThat(find(root.get("queues"), "loop-a").get("reason").asText()).contains("loops");
        assertThat(find(root.get("pods"), "fine").get("node").asText()).isNotEmpty();
        assertThat(find(root.get("pods"), "lost-0").get("node").isNull()).isTrue();
        assertThat(root.get("problems").toString()).contains("loop-a").contains("loop-b").contains("lost").contains("zero");
    }

    @Test
    void aMalformedSimulationAnnotationIsReportedOnItsObject() throws Exception {
        List<HasMetadata> objs = cluster();
        objs.add(pod("ml", "when").gpus(1).submitAt("soon").build());
        objs.add(pod("ml", "how-long").gpus(1).runFor("a while").build());
        CliRun run = CliRun.of("simulate", "-f", write("sim.yaml", objs).toString(), "-o", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        String problems = run.json().get("problems").toString();
        assertThat(problems).contains("annotation sim.phalanx.dev/submit-at: 'soon' is not a duration")
                .contains("it is left out")
                .contains("annotation sim.phalanx.dev/run-for: 'a while' is not a duration").contains("it runs until the end");
        assertThat(run.json().get("pods").toString()).doesNotContain("\"when\"");
        assertThat(find(run.json().get("pods"), "how-long").path("node").asText()).isNotEmpty();
    }

    @Test
    void aFileThatCannotBeReadStopsTheRunNamingFileAndObject() throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "apiVersion: v1\nkind: Pod\nmetadata: {name: nightly, namespace: ml}\nspec: {containers: 7}\n");
        CliRun run = CliRun.of("simulate", "-f", f.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains(f.toString() + ": Pod ml/nightly:");
    }

    @Test
    void aClusterDumpWithKindsTheSimulatorDoesNotModelReplaysWithOneWarningPerKind() throws Exception {
        // what 'kubectl get all -A -o yaml' prints: a List of workloads, services and their pods
        String dump = """
                apiVersion: v1
                kind: List
                items:
                - apiVersion: apps/v1
                  kind: Deployment
                  metadata: {name: web, namespace: shop, uid: 5d0c, resourceVersion: "812"}
                  spec: {replicas: 2, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: nginx}]}}}
                  status: {readyReplicas: 2}
                - apiVersion: apps/v1
                  kind: ReplicaSet
                  metadata: {name: web-7d9, namespace: shop}
                - apiVersion: apps/v1
                  kind: ReplicaSet
                  metadata: {name: web-6c1, namespace: shop}
                - apiVersion: v1
                  kind: Service
                  metadata: {name: web, namespace: shop}
                  spec: {ports: [{port: 80}]}
                - apiVersion: v1
                  kind: Pod
                  metadata: {name: trainer, namespace: ml, uid: 77aa, managedFields: [{manager: kubectl, operation: Apply}]}
                  spec:
                    schedulerName: phalanx-scheduler
                    containers: [{name: c, image: trainer, resources: {limits: {nvidia.com/gpu: "4"}}}]
                  status: {phase: Pending, qosClass: BestEffort, conditions: [{type: PodScheduled, status: "False"}]}
                """;
        List<HasMetadata> objs = cluster();
        Path f = write("cluster.yaml", objs);
        Path all = dir.resolve("all.yaml");
        Files.writeString(all, dump);
        CliRun run = CliRun.of("simulate", "-f", f.toString(), all.toString(), "-o", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err().lines().filter(l -> l.contains("warning")).toList()).containsExactly(
                "phalanx simulate: warning: skipped 1 Deployment (apps/v1): a kind the simulator does not model",
                "phalanx simulate: warning: skipped 2 ReplicaSet (apps/v1): a kind the simulator does not model",
                "phalanx simulate: warning: skipped 1 Service (v1): a kind the simulator does not model");
        assertThat(find(run.json().get("pods"), "trainer").path("node").asText()).isNotEmpty();
    }

    @Test
    void dashFReadsStandardInput() throws Exception {
        CliRun run = CliRun.inNewJvmWithStdin(yaml(cluster()) + yaml(List.of(pod("ml", "from-stdin").gpus(1).build())),
                "simulate", "-f", "-", "-o", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(find(run.json().get("pods"), "from-stdin").path("node").asText()).isNotEmpty();
        CliRun broken = CliRun.inNewJvmWithStdin("kind: Node\nmetadata: {name: [\n", "simulate", "-f", "-");
        assertThat(broken.exitCode()).isEqualTo(2);
        assertThat(broken.err()).contains("phalanx simulate: stdin: document 1 is not valid YAML");
    }

    @Test
    void aWorkloadWithoutAPodTemplateStopsTheRunNamingFileAndObject() throws Exception {
        Path f = dir.resolve("job.yaml");
        Files.writeString(f, "apiVersion: batch/v1\nkind: Job\nmetadata: {name: nightly, namespace: ml}\nspec: {parallelism: 2}\n");
        CliRun run = CliRun.of("simulate", "-f", f.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains(f.toString()).contains("Job ml/nightly").contains("no pod template with containers");
    }

    @Test
    void untilStopsTheRunAtThatTimeBeforeLaterObjectsAreCreated() throws Exception {
        List<HasMetadata> objs = cluster();
        objs.add(pod("ml", "later").gpus(1).submitAt("2h").build());
        JsonNode root = CliRun.of("simulate", "-f", write("c.yaml", objs).toString(), "-o", "json", "--until", "1h").json();
        assertThat(root.get("summary").get("simulatedSeconds").asDouble()).isEqualTo(3600);
        assertThat(root.get("pods").toString()).as("a pod created after --until never existed").doesNotContain("later");
    }

    @Test
    void reportWritesMarkdownAndPngCharts() throws Exception {
        Path out = dir.resolve("report");
        CliRun run = CliRun.of("simulate", "--report", out.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Files.readString(out.resolve("report.md"))).contains("![allocated GPUs per queue against fair share](allocation-vs-fair-share.png)");
        for (String png : List.of("allocation-vs-fair-share.png", "gang-wait.png")) {
            byte[] head = Files.readAllBytes(out.resolve(png));
            assertThat(head.length).isGreaterThan(10_000);
            assertThat(new String(head, 1, 3)).isEqualTo("PNG");
        }
    }

    @Test
    void anUnknownOutputFormatIsRefusedWithTheOnesThereAre() {
        CliRun run = CliRun.of("simulate", "-o", "yaml");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--output").contains("[text, json]").contains("'yaml'");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void anUntilThatIsNotADurationIsRefusedWithTheFormOfOne() {
        CliRun run = CliRun.of("simulate", "--until", "soon");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip()).isEqualTo("phalanx simulate: --until: 'soon' is not a duration (expected e.g. 90s, 5m, 2h, 1d)");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void podsWithoutAGroupHeldByTheirQueueSayWhyAndHowLongTheyWaited() throws Exception {
        List<HasMetadata> objs = cluster();
        objs.add(queue("notebooks").gpu("0", 1, "2").build());
        for (int i = 0; i < 5; i++) {
            objs.add(pod("ml", "nb-" + i).gpus(1).queue("notebooks").runFor("1h").build());
        }
        objs.add(pod("ml", "late").gpus(1).queue("notebooks").submitAt("5h").runFor("1h").build());
        Path f = write("nb.yaml", objs);
        JsonNode root = CliRun.of("simulate", "-f", f.toString(), "-o", "json", "--until", "30m").json();
        // two fit the queue's limit of 2 GPUs, three wait for it: each says why, and for how long so far
        List<JsonNode> waiting = new ArrayList<>();
        root.get("pods").forEach(p -> {
            if (!p.get("reason").isNull()) {
                waiting.add(p);
            }
        });
        assertThat(waiting).hasSize(3);
        for (JsonNode p : waiting) {
            assertThat(p.get("reason").asText()).startsWith("QueueOverLimit: needs 1 nvidia.com/gpu, queue notebooks has 2 of its limit 2");
            assertThat(p.get("waitSeconds").asDouble()).isEqualTo(1800.0);
        }
        assertThat(find(root.get("pods"), "nb-0").get("waitSeconds").asDouble()).isZero();

        CliRun text = CliRun.of("simulate", "-f", f.toString(), "--until", "30m");
        assertThat(text.out()).contains("Waiting pods without a pod group (3), by reason:")
                .contains("QueueOverLimit: 3 pods, waiting up to 30m");
        // the queue's mean wait counts the three still waiting: (0 + 0 + 3 x 30m) / 5 = 18m
        assertThat(text.out().lines().filter(l -> l.trim().startsWith("notebooks")).findFirst().orElseThrow()).contains("18m");
    }
}
