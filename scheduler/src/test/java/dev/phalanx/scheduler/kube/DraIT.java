package dev.phalanx.scheduler.kube;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.live.SchedulerService;
import dev.phalanx.testing.Dra;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * GPUs through Dynamic Resource Allocation on the real API server, with kube-controller-manager's resourceclaim
 * controller making each pod's claims from their templates and cleaning up after pods that are gone; devices are
 * published as NVIDIA's DRA driver publishes them (no kubelet is needed for scheduling). After every test: no device
 * is allocated to two claims, no gang is half started, no claim is reserved for a pod that is gone.
 */
@Tag("kube")
class DraIT {
    private static final String NS = "dra";
    private static final String GB200 = "NVIDIA GB200";
    private static TestControlPlane.Component controllers;
    private KubernetesClient client;
    private SchedulerService scheduler;

    @BeforeAll
    static void startControllers() throws Exception {
        controllers = TestControlPlane.get().start("kube-controller-manager", List.of("--leader-elect=false",
                "--controllers=resourceclaim-controller,garbagecollector", "--feature-gates=" + TestControlPlane.FEATURE_GATES));
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
        client.resource(Dra.gpuClass()).create();
        client.resource(Dra.channelClass()).create();
        client.resource(Dra.template(NS, "four-gpus", Dra.gpus(4))).create();
    }

    /** GB200 NVL72-like racks: {@code perClique} nodes of 4 GPUs and an IMEX channel in each of two cliques. */
    private void racks(int perClique) {
        for (String clique : List.of("a", "b")) {
            for (int i = 0; i < perClique; i++) {
                String n = clique + i;
                client.resource(node(n, 0, Keys.CLIQUE_LABEL, "clique-" + clique)).create();
                client.resource(Dra.gpuSlice(n, 4, GB200)).create();
                client.resource(Dra.channelSlice(n)).create();
            }
        }
        TestingKubelet.readyNodes(client);
    }

    private void startScheduler() {
        scheduler = new SchedulerService(client, PhalanxConfig.defaults().withCyclePeriod("1s"), Policies.reproducible(),
                Clock.SYSTEM).start();
    }

    @AfterEach
    void tearDown() {
        try {
            checkInvariants();
        } finally {
            if (scheduler != null) {
                scheduler.close();
            }
            client.close();
        }
    }

    /** No device in two claims; no claim reserved for a pod that does not exist or is bound elsewhere. */
    private void checkInvariants() {
        Map<String, String> owner = new HashMap<>();
        Map<String, Pod> pods = new HashMap<>();
        client.pods().inNamespace(NS).list().getItems().forEach(p -> pods.put(p.getMetadata().getName(), p));
        for (ResourceClaim c : client.resources(ResourceClaim.class).inNamespace(NS).list().getItems()) {
            if (c.getStatus() == null || c.getStatus().getAllocation() == null) {
                continue;
            }
            for (var r : c.getStatus().getAllocation().getDevices().getResults()) {
                String device = r.getDriver() + "/" + r.getPool() + "/" + r.getDevice();
                String before = owner.put(device, c.getMetadata().getName());
                assertThat(before).as("device %s allocated to %s and %s", device, before, c.getMetadata().getName()).isNull();
            }
            for (var ref : c.getStatus().getReservedFor() == null ? List.<io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimConsumerReference>of()
                    : c.getStatus().getReservedFor()) {
                assertThat(pods).as("claim %s reserved for pod %s", c.getMetadata().getName(), ref.getName())
                        .containsKey(ref.getName());
            }
        }
    }

    private List<Pod> gang(String name, int size, String template, String channelTemplate) {
        client.resource(podGroup(NS, name, size).build()).create();
        List<Pod> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            var p = pod(NS, name + "-" + i).group(name).claimFromTemplate("gpus", template);
            if (channelTemplate != null) {
                p.claimFromTemplate("channel", channelTemplate);
            }
            out.add(client.resource(p.build()).create());
        }
        return out;
    }

    /** The claims made for {@code pod}, by the name it uses them under. */
    private Map<String, ResourceClaim> claimsOf(Pod pod) {
        Pod now = client.pods().inNamespace(NS).withName(pod.getMetadata().getName()).get();
        Map<String, ResourceClaim> out = new HashMap<>();
        for (var s : now.getStatus().getResourceClaimStatuses()) {
            out.put(s.getName(), client.resources(ResourceClaim.class).inNamespace(NS).withName(s.getResourceClaimName()).get());
        }
        return out;
    }

    private static String allocatedNode(ResourceClaim c) {
        return c.getStatus().getAllocation().getNodeSelector().getNodeSelectorTerms().get(0).getMatchFields().get(0)
                .getValues().get(0);
    }

    private PodGroup podGroupNamed(String name) {
        return client.resources(PodGroup.class).inNamespace(NS).withName(name).get();
    }

    @Test
    void aSixteenPodComputeDomainGangLandsWholeInOneCliqueWithEveryClaimOnItsPodsNode() {
        racks(18);
        client.resource(queue("team").gpu("256", 1, "-1").build()).create();
        client.resource(Dra.channelTemplate(NS, "imex-channel", "domain-1")).create();
        // three nodes of clique a are taken by a pod already running there: the gang fits clique b only whole
        for (int i = 0; i < 3; i++) {
            client.resource(pod(NS, "resident-" + i).claimFromTemplate("gpus", "four-gpus").build()).create();
        }
        startScheduler();
        await().atMost(Duration.ofSeconds(60)).until(() -> client.pods().inNamespace(NS).list().getItems().stream()
                .filter(p -> p.getMetadata().getName().startsWith("resident")).allMatch(p -> p.getSpec().getNodeName() != null));
        List<Pod> members = gang("train", 16, "four-gpus", "imex-channel");
        await().atMost(Duration.ofSeconds(90)).until(() -> members.stream().allMatch(m ->
                client.pods().inNamespace(NS).withName(m.getMetadata().getName()).get().getSpec().getNodeName() != null));

        Set<String> cliques = new HashSet<>();
        Set<String> devices = new HashSet<>();
        Set<String> nodes = new HashSet<>();
        for (Pod m : members) {
            Pod p = client.pods().inNamespace(NS).withName(m.getMetadata().getName()).get();
            String node = p.getSpec().getNodeName();
            nodes.add(node);
            cliques.add(client.nodes().withName(node).get().getMetadata().getLabels().get(Keys.CLIQUE_LABEL));
            Map<String, ResourceClaim> claims = claimsOf(p);
            assertThat(claims).containsOnlyKeys("gpus", "channel");
            for (ResourceClaim c : claims.values()) {
                assertThat(allocatedNode(c)).as("claim %s", c.getMetadata().getName()).isEqualTo(node);
                assertThat(c.getStatus().getReservedFor()).extracting(r -> r.getName()).containsExactly(p.getMetadata().getName());
                assertThat(c.getMetadata().getFinalizers()).contains("resource.kubernetes.io/delete-protection");
                c.getStatus().getAllocation().getDevices().getResults().forEach(r -> assertThat(devices.add(
                        r.getDriver() + "/" + r.getPool() + "/" + r.getDevice())).isTrue());
            }
            assertThat(claims.get("gpus").getStatus().getAllocation().getDevices().getResults()).hasSize(4)
                    .allSatisfy(r -> assertThat(r.getPool()).isEqualTo(node));
            // the driver finds the ComputeDomain in the allocation's configuration
            assertThat(claims.get("channel").getStatus().getAllocation().getDevices().getConfig()).anySatisfy(cfg ->
                    assertThat(cfg.getSource()).isEqualTo("FromClaim"));
        }
        assertThat(nodes).hasSize(16);
        assertThat(cliques).containsExactly("clique-b");
        assertThat(podGroupNamed("train").getStatus().getPhase()).isIn("Scheduled", "Running");
    }

    @Test
    void aQueueAtItsGpuLimitCannotStartAGangAskingThroughClaimsAndNothingIsAllocatedForIt() {
        racks(2);
        client.resource(queue("team").gpu("8", 1, "8").build()).create();
        startScheduler();
        List<Pod> first = gang("first", 2, "four-gpus", null);
        await().atMost(Duration.ofSeconds(60)).until(() -> first.stream().allMatch(m ->
                client.pods().inNamespace(NS).withName(m.getMetadata().getName()).get().getSpec().getNodeName() != null));
        List<Pod> second = gang("second", 1, "four-gpus", null);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            var status = podGroupNamed("second").getStatus();
            assertThat(status).isNotNull();
            assertThat(status.getConditions()).anySatisfy(c -> assertThat(c.getReason()).isEqualTo("QueueOverLimit"));
        });
        Map<String, ResourceClaim> claims = claimsOf(second.get(0));
        assertThat(claims.get("gpus").getStatus() == null || claims.get("gpus").getStatus().getAllocation() == null).isTrue();
    }

    @Test
    void aClaimSharedByTwoMembersIsAllocatedOnceAndBothRunWhereItsDevicesAre() {
        racks(2);
        client.resource(queue("team").gpu("64", 1, "-1").build()).create();
        client.resource(Dra.claim(NS, "shared", Dra.gpus(2))).create();
        client.resource(podGroup(NS, "pair", 2).build()).create();
        for (int i = 0; i < 2; i++) {
            client.resource(pod(NS, "pair-" + i).group("pair").claim("gpus", "shared").build()).create();
        }
        startScheduler();
        await().atMost(Duration.ofSeconds(60)).until(() -> client.pods().inNamespace(NS).list().getItems().stream()
                .allMatch(p -> p.getSpec().getNodeName() != null));
        ResourceClaim shared = client.resources(ResourceClaim.class).inNamespace(NS).withName("shared").get();
        String node = allocatedNode(shared);
        assertThat(client.pods().inNamespace(NS).list().getItems()).extracting(p -> p.getSpec().getNodeName())
                .containsOnly(node);
        assertThat(shared.getStatus().getReservedFor()).extracting(r -> r.getName()).containsExactlyInAnyOrder("pair-0", "pair-1");
        assertThat(shared.getStatus().getAllocation().getDevices().getResults()).hasSize(2);
    }

    @Test
    void aClaimAllocatedBeforeARestartBindsItsPodWhereItsDevicesAreAndIsGivenToNoOneElse() {
        racks(2);
        client.resource(queue("team").gpu("64", 1, "-1").build()).create();
        // as a scheduler that died after writing the claim and before the binding leaves it
        client.resource(Dra.claim(NS, "held", Dra.gpus(4))).create();
        Pod held = client.resource(pod(NS, "held").claim("gpus", "held").build()).create();
        client.resources(ResourceClaim.class).inNamespace(NS).withName("held").edit(c -> {
            c.getMetadata().setFinalizers(List.of("resource.kubernetes.io/delete-protection"));
            return c;
        });
        client.resources(ResourceClaim.class).inNamespace(NS).withName("held").editStatus(c -> {
            var results = new ArrayList<io.fabric8.kubernetes.api.model.resource.v1.DeviceRequestAllocationResult>();
            for (int i = 0; i < 4; i++) {
                var r = new io.fabric8.kubernetes.api.model.resource.v1.DeviceRequestAllocationResult();
                r.setRequest("gpus");
                r.setDriver(Dra.GPU_DRIVER);
                r.setPool("b1");
                r.setDevice("gpu-" + i);
                results.add(r);
            }
            var alloc = new io.fabric8.kubernetes.api.model.resource.v1.AllocationResult();
            alloc.setDevices(new io.fabric8.kubernetes.api.model.resource.v1.DeviceAllocationResult(List.of(), results));
            alloc.setNodeSelector(new io.fabric8.kubernetes.api.model.NodeSelectorBuilder().addNewNodeSelectorTerm()
                    .addNewMatchField().withKey("metadata.name").withOperator("In").withValues("b1").endMatchField()
                    .endNodeSelectorTerm().build());
            var status = new io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimStatus();
            status.setAllocation(alloc);
            status.setReservedFor(List.of(new io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimConsumerReference(
                    "", "held", "pods", held.getMetadata().getUid())));
            c.setStatus(status);
            return c;
        });
        // three more pods of four GPUs: with b1's GPUs held, exactly the other three nodes hold them
        for (int i = 0; i < 3; i++) {
            client.resource(pod(NS, "other-" + i).claimFromTemplate("gpus", "four-gpus").build()).create();
        }
        startScheduler();
        await().atMost(Duration.ofSeconds(60)).until(() -> client.pods().inNamespace(NS).list().getItems().stream()
                .allMatch(p -> p.getSpec().getNodeName() != null));
        assertThat(client.pods().inNamespace(NS).withName("held").get().getSpec().getNodeName()).isEqualTo("b1");
        assertThat(client.pods().inNamespace(NS).list().getItems()).filteredOn(p -> p.getMetadata().getName().startsWith("other"))
                .extracting(p -> p.getSpec().getNodeName()).containsExactlyInAnyOrder("a0", "a1", "b0");
    }

    @Test
    void aClaimReservedForAPodThatIsDeletedIsReleasedAndItsDevicesGoToTheNextGang() {
        racks(1);
        client.resource(queue("team").gpu("64", 1, "-1").build()).create();
        startScheduler();
        List<Pod> first = gang("first", 2, "four-gpus", null);
        await().atMost(Duration.ofSeconds(60)).until(() -> first.stream().allMatch(m ->
                client.pods().inNamespace(NS).withName(m.getMetadata().getName()).get().getSpec().getNodeName() != null));
        List<Pod> second = gang("second", 2, "four-gpus", null);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(podGroupNamed("second").getStatus()).isNotNull());
        assertThat(second).allSatisfy(m -> assertThat(client.pods().inNamespace(NS).withName(m.getMetadata().getName()).get()
                .getSpec().getNodeName()).isNull());
        client.pods().inNamespace(NS).withName("first-0").withGracePeriod(0).delete();
        client.pods().inNamespace(NS).withName("first-1").withGracePeriod(0).delete();
        await().atMost(Duration.ofSeconds(90)).until(() -> second.stream().allMatch(m ->
                client.pods().inNamespace(NS).withName(m.getMetadata().getName()).get().getSpec().getNodeName() != null));
    }
}
