package dev.phalanx.scheduler.kube;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.SubGroupStatus;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.SubGroups;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.live.SchedulerService;
import dev.phalanx.testing.Workloads;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Jobs larger than one NVLink domain on the real API server: 4 GB200 NVL72 racks (18 nodes of 4 GPUs, one
 * {@value Keys#CLIQUE_LABEL} each), two under each of two spines. A 144-GPU Indexed Job whose pods the real Job
 * controller creates asks, by annotation, for segments of 18 pods (one rack each) under one spine; one node of the
 * first spine is busy, so only the second spine holds the job.
 */
@Tag("kube")
class SegmentedJobIT {
    private static final String NS = "segments";
    private static TestControlPlane.Component controllers;
    private KubernetesClient client;
    private SchedulerService scheduler;

    @BeforeAll
    static void startControllers() throws Exception {
        controllers = TestControlPlane.get().start("kube-controller-manager", List.of("--leader-elect=false",
                "--controllers=job", "--feature-gates=" + TestControlPlane.FEATURE_GATES));
    }

    @AfterAll
    static void stopControllers() {
        if (controllers != null) {
            controllers.close();
        }
    }

    @BeforeEach
    void setUp() {
        client = TestControlPlane.get().newClient();
        KubeTests.cleanCluster(client);
        KubeTests.createIfAbsent(client, namespace(NS, Keys.QUEUE_LABEL, "team"));
        KubeTests.serviceAccount(client, NS);
        client.resource(queue("team").gpu("288", 1, "-1").build()).create();
        for (String rack : List.of("a", "b", "c", "d")) {
            String spine = rack.equals("a") || rack.equals("b") ? "spine-0" : "spine-1";
            for (int i = 0; i < 18; i++) {
                client.resource(node(rack + String.format("%02d", i), 4, Keys.CLIQUE_LABEL, "nvl72-" + rack,
                        Keys.SPINE_LABEL, spine)).create();
            }
        }
        TestingKubelet.readyNodes(client);
        client.resource(pod(NS, "busy").queue("team").gpus(4).onNode("b00").build()).create();
        scheduler = new SchedulerService(client, PhalanxConfig.defaults().withCyclePeriod("1s"), Policies.reproducible(),
                Clock.SYSTEM).start();
    }

    @AfterEach
    void tearDown() {
        scheduler.close();
        client.close();
    }

    private Map<String, Pod> podsOf(String prefix) {
        Map<String, Pod> out = new TreeMap<>();
        for (Pod p : client.pods().inNamespace(NS).list().getItems()) {
            if (p.getMetadata().getName().startsWith(prefix)) {
                out.put(p.getMetadata().getName(), p);
            }
        }
        return out;
    }

    @Test
    void a144GpuJobInTwoSegmentsStartsWithEachSegmentInItsOwnRackBothUnderOneSpine() {
        client.resource(Workloads.job(NS, "pretrain", 36, 4, Keys.SEGMENT_SIZE_ANNOTATION, "18",
                Keys.TOPOLOGY_REQUIRED_ANNOTATION, Keys.SPINE_LABEL)).create();

        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(podsOf("pretrain-").values()).hasSize(36)
                .allSatisfy(p -> assertThat(p.getSpec().getNodeName()).isNotNull()));

        Map<String, Set<String>> racksBySegment = new TreeMap<>();
        Set<String> spines = new HashSet<>();
        for (Pod p : podsOf("pretrain-").values()) {
            int index = Integer.parseInt(p.getMetadata().getLabels().get("batch.kubernetes.io/job-completion-index"));
            String node = p.getSpec().getNodeName();
            racksBySegment.computeIfAbsent("segment-" + index / 18, k -> new HashSet<>()).add(node.substring(0, 1));
            spines.add(node.startsWith("a") || node.startsWith("b") ? "spine-0" : "spine-1");
        }
        assertThat(racksBySegment).containsOnlyKeys("segment-0", "segment-1")
                .allSatisfy((segment, racks) -> assertThat(racks).as("%s in one rack", segment).hasSize(1));
        assertThat(racksBySegment.get("segment-0")).as("each segment in a rack of its own")
                .doesNotContainAnyElementsOf(racksBySegment.get("segment-1"));
        assertThat(spines).as("both under the one spine that holds the whole job").containsExactly("spine-1");

        PodGroup g = client.resources(PodGroup.class).inNamespace(NS).withName("job-pretrain").get();
        assertThat(g.getSpec().getTopology().getSegmentSize()).isEqualTo(18);
        assertThat(g.getSpec().getTopology().getSegmentRequired()).isEqualTo(Keys.CLIQUE_LABEL);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            PodGroup now = client.resources(PodGroup.class).inNamespace(NS).withName("job-pretrain").get();
            assertThat(now.getStatus().getSubGroups()).extracting(SubGroupStatus::getName)
                    .containsExactly("segment-0", "segment-1");
            assertThat(now.getStatus().getSubGroups()).allSatisfy(s -> {
                assertThat(s.getStarted()).isTrue();
                assertThat(s.getScheduled()).isEqualTo(18);
                assertThat(s.getPlacement()).matches(java.util.regex.Pattern.quote(Keys.CLIQUE_LABEL) + "=nvl72-[cd]");
            });
            assertThat(now.getStatus().getConditions()).anySatisfy(c -> assertThat(c.getMessage())
                    .startsWith("36 of 36 members bound inside " + Keys.SPINE_LABEL + "=spine-1; segment-0 in "));
        });
    }

    @Test
    void aSubGroupWithoutARackWaitsNamingItAndBindsNothing() {
        // racks a, c and d are half busy: spine-1 has 72 GPUs free, spine-0 108 (36 in a, 72 less b00's 4 in b)
        for (String rack : List.of("a", "c", "d")) {
            for (int i = 0; i < 9; i++) {
                client.resource(pod(NS, "busy-" + rack + i).queue("team").gpus(4).onNode(rack + String.format("%02d", i))
                        .build()).create();
            }
        }
        // a router and two decode groups of 10 pods (40 GPUs), each group in one rack, the job under one spine
        client.resource(podGroup(NS, "serve", 21).queue("team").required(Keys.SPINE_LABEL)
                .subGroup("router", null, 1, null, null).subGroup("decode", null, null, null, null)
                .subGroup("d0", "decode", 10, null, Keys.CLIQUE_LABEL).subGroup("d1", "decode", 10, null, Keys.CLIQUE_LABEL)
                .build()).create();
        client.resource(pod(NS, "serve-router").group("serve").label(SubGroups.SUBGROUP_LABEL, "router").cpu("1").build()).create();
        for (String d : List.of("d0", "d1")) {
            for (int i = 0; i < 10; i++) {
                client.resource(pod(NS, "serve-" + d + "-" + i).group("serve").label(SubGroups.SUBGROUP_LABEL, d).gpus(4).build())
                        .create();
            }
        }

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            PodGroup g = client.resources(PodGroup.class).inNamespace(NS).withName("serve").get();
            assertThat(g.getStatus()).isNotNull();
            assertThat(g.getStatus().getConditions()).anySatisfy(c -> {
                assertThat(c.getReason()).isEqualTo("SubGroupUnsatisfiable");
                assertThat(c.getMessage()).startsWith("subgroup d1 needs 40 " + Keys.GPU + " (10 pods) in one "
                        + Keys.CLIQUE_LABEL + " inside " + Keys.SPINE_LABEL + "=spine-0; 1 of the 2 " + Keys.CLIQUE_LABEL
                        + " domains there have room for it alone, and 2 subgroups need one each (1 placed before it)");
            });
            assertThat(g.getStatus().getSubGroups()).extracting(SubGroupStatus::getName)
                    .containsExactly("router", "decode", "d0", "d1");
            assertThat(g.getStatus().getSubGroups()).allSatisfy(s -> assertThat(s.getScheduled()).isZero());
        });
        assertThat(podsOf("serve-").values()).hasSize(21).allSatisfy(p -> assertThat(p.getSpec().getNodeName()).isNull());
    }
}
