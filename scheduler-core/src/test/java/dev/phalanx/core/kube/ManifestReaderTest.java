package dev.phalanx.core.kube;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManifestReaderTest {
    @Test
    void readsMultiDocumentYamlAndKindListAsKubectlPrintsThem() {
        String yaml = """
                apiVersion: v1
                kind: List
                items:
                - apiVersion: v1
                  kind: Node
                  metadata: {name: n1}
                  status: {allocatable: {nvidia.com/gpu: "8"}}
                - apiVersion: v1
                  kind: Pod
                  metadata: {name: p1}
                  spec: {containers: [{name: c, image: busybox}]}
                ---
                apiVersion: scheduling.phalanx.dev/v1alpha1
                kind: Queue
                metadata: {name: team-a}
                spec:
                  resources:
                    nvidia.com/gpu: {quota: 16, overQuotaWeight: 2, limit: 64}
                ---
                apiVersion: scheduling.phalanx.dev/v1alpha1
                kind: PodGroup
                metadata: {name: g, namespace: team-a}
                spec: {queue: team-a, minMember: 2, topology: {required: nvidia.com/gpu.clique}}
                """;
        Manifests m = new ManifestReader().read(yaml, "cluster.yaml").manifests();
        assertThat(m.nodes()).hasSize(1);
        assertThat(m.pods().get(0).object().getMetadata().getNamespace()).isEqualTo("default");
        assertThat(m.queues().get(0).object().getSpec().getResources().get("nvidia.com/gpu").getOverQuotaWeight()).isEqualTo(2.0);
        assertThat(m.podGroups().get(0).object().getSpec().getTopology().getRequired()).isEqualTo("nvidia.com/gpu.clique");
        assertThat(m.podGroups().get(0).source()).isEqualTo("cluster.yaml");
    }

    @Test
    void kindsTheSimulatorDoesNotModelAreSkippedAndCountedOncePerKind() {
        String yaml = """
                apiVersion: v1
                kind: List
                items:
                - {apiVersion: apps/v1, kind: Deployment, metadata: {name: web, namespace: shop}}
                - {apiVersion: v1, kind: Service, metadata: {name: web, namespace: shop}}
                - {apiVersion: apps/v1, kind: Deployment, metadata: {name: api, namespace: shop}}
                - {apiVersion: v1, kind: Node, metadata: {name: n1}}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: db, namespace: shop}
                """;
        ManifestReader reader = new ManifestReader().read(yaml, "all.yaml");
        assertThat(reader.manifests().nodes()).hasSize(1);
        assertThat(reader.skipped()).extracting(ManifestReader.Skipped::describe).containsExactly(
                "skipped 3 Deployment (apps/v1): a kind the simulator does not model",
                "skipped 1 Service (v1): a kind the simulator does not model");
    }

    @Test
    void volcanosQueueAndPodGroupAreNotReadAsPhalanxs() {
        String yaml = """
                apiVersion: scheduling.volcano.sh/v1beta1
                kind: Queue
                metadata: {name: team-a}
                spec: {weight: 1, capability: {nvidia.com/gpu: 8}}
                ---
                apiVersion: scheduling.volcano.sh/v1beta1
                kind: PodGroup
                metadata: {name: g, namespace: a}
                spec: {minMember: 2, queue: team-a}
                ---
                apiVersion: scheduling.phalanx.dev/v1alpha1
                kind: Queue
                metadata: {name: team-b}
                """;
        ManifestReader reader = new ManifestReader().read(yaml, "volcano.yaml");
        assertThat(reader.manifests().queues()).extracting(q -> q.object().getMetadata().getName()).containsExactly("team-b");
        assertThat(reader.manifests().podGroups()).isEmpty();
        assertThat(reader.skipped()).extracting(ManifestReader.Skipped::describe).containsExactly(
                "skipped 1 Queue (scheduling.volcano.sh/v1beta1): not Phalanx's Queue, which is scheduling.phalanx.dev/v1alpha1",
                "skipped 1 PodGroup (scheduling.volcano.sh/v1beta1): not Phalanx's PodGroup, which is scheduling.phalanx.dev/v1alpha1");
    }

    @Test
    void unknownFieldsOfQueuesAndPodGroupsAreRefusedAsKubectlsStrictValidationRefusesThem() {
        String queue = """
                apiVersion: scheduling.phalanx.dev/v1alpha1
                kind: Queue
                metadata: {name: team-a, labelz: {a: b}}
                spec:
                  namespaceSelector: {matchExpressions: [{key: a, operator: In, values: [x], extra: 1}]}
                  resources:
                    nvidia.com/gpu: {quota: 16, quotaa: 3, limit: 64}
                  parnet: x
                statuz: 1
                """;
        assertThatThrownBy(() -> new ManifestReader().read(queue, "queues.yaml"))
                .isInstanceOf(ManifestException.class)
                .hasMessage("queues.yaml: Queue team-a: strict decoding error: unknown field \"metadata.labelz\", "
                        + "unknown field \"spec.namespaceSelector.matchExpressions[0].extra\", unknown field \"spec.parnet\", "
                        + "unknown field \"spec.resources.nvidia.com/gpu.quotaa\", unknown field \"statuz\"");
        // a typo that would otherwise drop the NVLink constraint without a word
        String podGroup = """
                apiVersion: scheduling.phalanx.dev/v1alpha1
                kind: PodGroup
                metadata: {name: g, namespace: a}
                spec: {minMember: 2, topology: {require: nvidia.com/gpu.clique}}
                """;
        assertThatThrownBy(() -> new ManifestReader().read(podGroup, "gangs.yaml"))
                .hasMessage("gangs.yaml: PodGroup a/g: strict decoding error: unknown field \"spec.topology.require\"");
    }

    @Test
    void everyFieldPhalanxDefinesIsAcceptedStatusIncluded() {
        String yaml = """
                apiVersion: scheduling.phalanx.dev/v1alpha1
                kind: PodGroup
                metadata: {name: g, namespace: a, labels: {x: y}, annotations: {z: w}, uid: 1, resourceVersion: "9",
                           creationTimestamp: "2026-01-01T00:00:00Z", managedFields: [{manager: kubectl}]}
                spec: {queue: q, minMember: 2, priorityClassName: p, preemptible: false,
                       topology: {required: nvidia.com/gpu.clique, preferred: topology.kubernetes.io/rack}}
                status: {phase: Pending, scheduled: 0, running: 0, placement: {a: b},
                         conditions: [{type: Scheduled, status: "False", reason: R, message: m, lastTransitionTime: t}]}
                """;
        assertThat(new ManifestReader().read(yaml, "g.yaml").manifests().podGroups()).hasSize(1);
    }

    @Test
    void malformedYamlStopsWithTheFileAndTheDocument() {
        String yaml = "apiVersion: v1\nkind: Node\nmetadata: {name: ok}\n---\nkind: Pod\nmetadata: {name: [unclosed\n";
        assertThatThrownBy(() -> new ManifestReader().read(yaml, "broken.yaml"))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("broken.yaml")
                .hasMessageContaining("document 2 is not valid YAML (line 7, column 1): expected ',' or ']', but got <stream end>"
                        + " (while parsing a flow sequence that starts at line 6, column 18)");
    }

    @Test
    void anchorsAliasesAndMergeKeysAreResolvedAsKubectlResolvesThem() {
        // anchors hold within one document, as YAML scopes them: a List shares them among its items
        String yaml = """
                apiVersion: v1
                kind: List
                items:
                - apiVersion: v1
                  kind: Node
                  metadata:
                    name: n1
                    labels: &rack1 {nvidia.com/gpu.clique: nvl-1, topology.kubernetes.io/rack: r1}
                  status:
                    allocatable: &gpu8 {nvidia.com/gpu: "8", cpu: "64"}
                - apiVersion: v1
                  kind: Node
                  metadata: {name: n2, labels: *rack1}
                  status: {allocatable: *gpu8}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: p, namespace: default}
                spec:
                  containers:
                  - &main
                    name: main
                    image: busybox
                    resources: {limits: {nvidia.com/gpu: "1"}}
                  - <<: *main
                    name: sidecar
                """;
        Manifests m = new ManifestReader().read(yaml, "anchors.yaml").manifests();
        var n2 = m.nodes().get(1).object();
        assertThat(n2.getMetadata().getLabels()).containsEntry("nvidia.com/gpu.clique", "nvl-1");
        assertThat(n2.getStatus().getAllocatable().get("nvidia.com/gpu").toString()).isEqualTo("8");
        var containers = m.pods().get(0).object().getSpec().getContainers();
        assertThat(containers).extracting(c -> c.getName()).containsExactly("main", "sidecar");
        assertThat(containers.get(1).getImage()).isEqualTo("busybox");
        assertThat(containers.get(1).getResources().getLimits().get("nvidia.com/gpu").toString()).isEqualTo("1");
    }

    @Test
    void anAliasToNoAnchorNamesTheFileTheDocumentAndTheAlias() {
        // an anchor of one document is not seen from the next
        String yaml = "kind: Node\nmetadata: {name: a, labels: &l {x: y}}\n---\nkind: Node\nmetadata: {name: b, labels: *l}\n";
        assertThatThrownBy(() -> new ManifestReader().read(yaml, "alias.yaml"))
                .isInstanceOf(ManifestException.class)
                .hasMessage("alias.yaml: document 2: alias *l names no anchor &l before it in this document");
    }

    @Test
    void aYamlBombOfAliasesIsRefusedBeforeItFillsTheHeap() {
        StringBuilder yaml = new StringBuilder("kind: Node\nmetadata: {name: bomb}\nx0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n");
        for (int i = 1; i < 9; i++) {
            yaml.append("x").append(i).append(": &a").append(i).append(" [")
                    .append(String.join(", ", java.util.Collections.nCopies(10, "*a" + (i - 1)))).append("]\n");
        }
        assertThatThrownBy(() -> new ManifestReader().read(yaml.toString(), "bomb.yaml"))
                .hasMessageContaining("bomb.yaml: document 1: aliases expand to more than");
    }

    @Test
    void aFieldOfTheWrongTypeNamesTheObject() {
        String yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec: {containers: 7}\n";
        assertThatThrownBy(() -> new ManifestReader().read(yaml, "pods.yaml"))
                .hasMessageContaining("pods.yaml: Pod a/p:");
    }

    @Test
    void anObjectDefinedTwiceIsRefused() {
        String yaml = "kind: Node\nmetadata: {name: n}\n---\nkind: Node\nmetadata: {name: n}\n";
        assertThatThrownBy(() -> new ManifestReader().read(yaml, "twice.yaml")).hasMessageContaining("Node n is defined twice");
    }

    @Test
    void readsEveryYamlFileOfADirectoryInNameOrder(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("b.yaml"), "kind: Node\nmetadata: {name: b}\n");
        Files.writeString(dir.resolve("a.yml"), "kind: Node\nmetadata: {name: a}\n");
        Files.writeString(dir.resolve("notes.txt"), "not yaml: [");
        Manifests m = new ManifestReader().readPaths(List.of(dir)).manifests();
        assertThat(m.nodes()).extracting(s -> s.object().getMetadata().getName()).containsExactly("a", "b");
    }

    @Test
    void aMissingPathIsNamed() {
        assertThatThrownBy(() -> new ManifestReader().readPaths(List.of(Path.of("/nonexistent/x.yaml"))))
                .hasMessage("/nonexistent/x.yaml: no such file or directory");
    }
}
