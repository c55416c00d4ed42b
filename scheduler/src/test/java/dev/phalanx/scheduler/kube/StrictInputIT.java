package dev.phalanx.scheduler.kube;

import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.cli.CliRun;
import dev.phalanx.scheduler.live.SchedulerService;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Strict input, the same in the simulator and live: what kubectl and the API server refuse, the simulator refuses
 * with the same words; what they accept but Phalanx cannot honour is said on the object, live and in the
 * simulator. Each case is a row of docs/bad-input.md.
 */
@Tag("kube")
class StrictInputIT {
    private static final String NS = "strict";
    private static final Pattern UNKNOWN = Pattern.compile("unknown field \"([^\"]+)\"");
    @TempDir
    Path dir;
    private KubernetesClient client;
    private SchedulerService scheduler;

    @BeforeEach
    void setUp() {
        client = TestControlPlane.get().newClient();
        KubeTests.cleanCluster(client);
        if (client.namespaces().withName(NS).get() == null) {
            KubeTests.teamNamespace(client, NS, "team");
        }
    }

    @AfterEach
    void tearDown() {
        if (scheduler != null) {
            scheduler.close();
        }
        client.close();
    }

    private static Set<String> unknownFields(String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = UNKNOWN.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void unknownFieldsOfPhalanxsKindsAreRefusedByKubectlAndTheSimulatorAlike() throws Exception {
        Map<String, String> files = Map.of(
                "queue.yaml", """
                        apiVersion: scheduling.phalanx.dev/v1alpha1
                        kind: Queue
                        metadata: {name: strict-team, labelz: {a: b}}
                        spec:
                          namespaceSelector: {matchLabels: {team: a}, matchExpresions: []}
                          resources:
                            nvidia.com/gpu: {quota: 16, quotaa: 3, limit: 64}
                          parnet: training
                        """,
                "podgroup.yaml", """
                        apiVersion: scheduling.phalanx.dev/v1alpha1
                        kind: PodGroup
                        metadata: {name: llm, namespace: strict}
                        spec: {minMember: 2, topology: {require: nvidia.com/gpu.clique}}
                        """);
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path file = dir.resolve(f.getKey());
            Files.writeString(file, f.getValue());
            // kubectl validates strictly by default: the API server refuses and names each field
            KubeTests.Run live = KubeTests.kubectl(null, "apply", "-f", file.toString());
            assertThat(live.exit()).as(live.out()).isNotZero();
            assertThat(live.out()).contains("strict decoding error");
            CliRun sim = CliRun.of("simulate", "-f", file.toString());
            assertThat(sim.exitCode()).isEqualTo(2);
            assertThat(sim.err()).contains(file + ": ").contains("strict decoding error");
            assertThat(unknownFields(sim.err())).as(f.getKey()).isNotEmpty().isEqualTo(unknownFields(live.out()));
        }
        assertThat(unknownFields(CliRun.of("simulate", "-f", dir.resolve("podgroup.yaml").toString()).err()))
                .containsExactly("spec.topology.require");
        // what strictness saves: without it the API server drops the field, and with it the NVLink constraint
        KubeTests.Run lax = KubeTests.kubectl(null, "apply", "--validate=false", "-f", dir.resolve("podgroup.yaml").toString());
        assertThat(lax.exit()).as(lax.out()).isZero();
        KubeTests.Run stored = KubeTests.kubectl(null, "get", "podgroups.scheduling.phalanx.dev", "llm", "-n", NS, "-o", "jsonpath={.spec.topology}");
        assertThat(stored.out().strip()).isIn("", "{}");
    }

    @Test
    void requestsTheApiServerRefusesInAPodAreRefusedOnThePodInTheSimulatorToo() throws Exception {
        Map<String, String> refused = Map.of("-1", "must be greater than or equal to 0", "1.5", "must be an integer");
        for (Map.Entry<String, String> e : refused.entrySet()) {
            String name = e.getKey().equals("-1") ? "negative" : "fractional";
            String yaml = """
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: %s, namespace: strict}
                    spec:
                      schedulerName: phalanx-scheduler
                      containers: [{name: c, image: busybox, resources: {limits: {nvidia.com/gpu: "%s"}}}]
                    """.formatted(name, e.getKey());
            Path file = dir.resolve(name + ".yaml");
            Files.writeString(file, yaml);
            KubeTests.Run live = KubeTests.kubectl(null, "apply", "-f", file.toString());
            assertThat(live.exit()).as(live.out()).isNotZero();
            assertThat(live.out()).contains(e.getValue());
            CliRun sim = CliRun.of("simulate", "-f", file.toString(), "-o", "json");
            assertThat(sim.exitCode()).as(sim.err()).isZero();
            assertThat(sim.json().get("problems").toString()).contains(name)
                    .contains(e.getKey().equals("-1") ? "is negative" : "is not a whole number");
            assertThat(sim.json().get("pods").get(0).path("node").isNull()).isTrue();
        }
    }

    @Test
    void whatTheApiServerAcceptsButPhalanxCannotHonourIsSaidOnTheObjectAndNothingElseSuffers() throws Exception {
        client.resource(node("strict-0", 8)).create();
        client.resource(queue("team").gpu("0", 1, "4").build()).create();
        // a fraction of a device next to whole GPUs: the kubelet would give whole GPUs
        Pod both = pod(NS, "both").gpus(1).gpuFraction("0.5").build();
        client.resource(both).create();
        // bound by hand to a node that does not exist: it runs nowhere, so it holds none of the queue's limit
        client.resource(pod(NS, "ghost").gpus(4).onNode("no-such-node").build()).create();
        client.resource(pod(NS, "real").gpus(4).build()).create();
        // Volcano's PodGroup has the same kind name in another API group: not Phalanx's
        CustomResourceDefinition volcano = new CustomResourceDefinitionBuilder().withNewMetadata()
                .withName("podgroups.scheduling.volcano.sh").endMetadata().withNewSpec().withGroup("scheduling.volcano.sh")
                .withScope("Namespaced").withNewNames().withKind("PodGroup").withPlural("podgroups").withSingular("podgroup")
                .endNames().addNewVersion().withName("v1beta1").withServed(true).withStorage(true).withNewSchema()
                .withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true).endOpenAPIV3Schema()
                .endSchema().endVersion().endSpec().build();
        KubeTests.createIfAbsent(client, volcano);
        client.apiextensions().v1().customResourceDefinitions().withName("podgroups.scheduling.volcano.sh")
                .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null
                        && c.getStatus().getConditions().stream()
                        .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())), 60, TimeUnit.SECONDS);
        ResourceDefinitionContext vpg = new ResourceDefinitionContext.Builder().withGroup("scheduling.volcano.sh")
                .withVersion("v1beta1").withKind("PodGroup").withPlural("podgroups").withNamespaced(true).build();
        client.genericKubernetesResources(vpg).inNamespace(NS).resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("scheduling.volcano.sh/v1beta1").withKind("PodGroup").withNewMetadata().withName("volcano")
                .withNamespace(NS).endMetadata().withAdditionalProperties(Map.of("spec", Map.of("minMember", 1))).build()).create();
        client.resource(pod(NS, "volcano-0").group("volcano").gpus(1).build()).create();
        TestingKubelet.readyNodes(client);

        scheduler = new SchedulerService(client, PhalanxConfig.defaults().withCyclePeriod("1s").withStatusPeriod("200ms"),
                Policies.reproducible(), Clock.SYSTEM).start();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(condition("both")).isEqualTo("False Invalid");
            assertThat(condition("volcano-0")).isEqualTo("False Invalid");
            assertThat(client.pods().inNamespace(NS).withName("real").get().getSpec().getNodeName()).isEqualTo("strict-0");
            Queue team = client.resources(Queue.class).withName("team").get();
            assertThat(team.getStatus()).isNotNull();
            assertThat(team.getStatus().getAllocated()).containsEntry(Keys.GPU, "4");
            assertThat(events("both")).anySatisfy(e -> assertThat(e.getMessage()).contains("keep one of the two"));
            assertThat(events("volcano-0")).anySatisfy(e -> assertThat(e.getMessage())
                    .contains("PodGroup " + NS + "/volcano does not exist"));
        });
        assertThat(client.pods().inNamespace(NS).withName("both").get().getSpec().getNodeName()).isNull();
        client.apiextensions().v1().customResourceDefinitions().withName("podgroups.scheduling.volcano.sh").delete();
    }

    private String condition(String pod) {
        Pod p = client.pods().inNamespace(NS).withName(pod).get();
        PodCondition c = p == null || p.getStatus() == null || p.getStatus().getConditions() == null ? null
                : p.getStatus().getConditions().stream().filter(x -> "PodScheduled".equals(x.getType())).findFirst().orElse(null);
        return c == null ? null : c.getStatus() + " " + c.getReason();
    }

    private List<Event> events(String pod) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> "Pod".equals(e.getInvolvedObject().getKind()) && pod.equals(e.getInvolvedObject().getName())
                        && "Invalid".equals(e.getReason()))
                .toList();
    }
}
