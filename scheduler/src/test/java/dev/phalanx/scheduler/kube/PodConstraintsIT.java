package dev.phalanx.scheduler.kube;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.live.SchedulerService;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.pv;
import static dev.phalanx.testing.Testing.pvc;
import static dev.phalanx.testing.Testing.queue;
import static dev.phalanx.testing.Testing.storageClass;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Gangs whose members ask things of the pods around them, scheduled live against a real kube-apiserver: a training gang
 * with one worker per node and a zone spread starts whole and spread; a gang whose anti-affinity no cluster of this size
 * can serve waits, its PodGroup and its pods naming the rule; a gang that loses a member to a node gone down is
 * restarted whole and says so; a gang whose members each have a claim that waits for its first consumer starts with
 * each claim's node selected (or a local volume reserved for it), and one whose claim does not exist waits naming it.
 */
@Tag("kube")
class PodConstraintsIT {
    private static final AtomicInteger RUN = new AtomicInteger();
    private KubernetesClient client;
    private SchedulerService scheduler;
    private String ns;

    @BeforeEach
    void setUp() {
        client = TestControlPlane.get().newClient();
        KubeTests.cleanCluster(client);
        ns = "constraints-" + RUN.incrementAndGet();
        KubeTests.teamNamespace(client, ns, "team");
        client.resource(queue("team").gpu("64", 1, "-1").build()).create();
        for (String zone : List.of("a", "b")) {
            for (int i = 0; i < 2; i++) {
                client.resource(node(zone + "-" + i, 8, Keys.ZONE_LABEL, "zone-" + zone)).create();
            }
        }
    }

    @AfterEach
    void tearDown() {
        if (scheduler != null) {
            scheduler.close();
        }
        client.close();
    }

    private void start(PhalanxConfig config) {
        TestingKubelet.readyNodes(client);
        scheduler = new SchedulerService(client, config.withCyclePeriod("1s"), Policies.reproducible(), Clock.SYSTEM).start();
    }

    private void trainingGang(String name, int workers) {
        client.resource(podGroup(ns, name, workers).queue("team").build()).create();
        for (int i = 0; i < workers; i++) {
            HasMetadata p = pod(ns, name + "-" + i).group(name).label("job", name).gpus(4)
                    .antiAffinity(Keys.HOSTNAME_LABEL, "job", name).spread(1, Keys.ZONE_LABEL, true, "job", name).build();
            client.resource(p).create();
        }
    }

    /** The training gang, each worker with a claim {@code <worker>-data} of StorageClass {@code storageClass}. */
    private void trainingGangWithClaims(String name, int workers, String storageClass) {
        client.resource(podGroup(ns, name, workers).queue("team").build()).create();
        for (int i = 0; i < workers; i++) {
            client.resource(pvc(ns, name + "-" + i + "-data", storageClass, "100Gi")).create();
            HasMetadata p = pod(ns, name + "-" + i).group(name).label("job", name).gpus(4).volumeClaim("data", name + "-" + i + "-data")
                    .antiAffinity(Keys.HOSTNAME_LABEL, "job", name).spread(1, Keys.ZONE_LABEL, true, "job", name).build();
            client.resource(p).create();
        }
    }

    @Test
    void aTrainingGangWithAWaitForFirstConsumerClaimPerWorkerStartsWithEachClaimsNodeSelected() {
        client.resource(storageClass("fast", "csi.example.com", true, null)).create();
        trainingGangWithClaims("train", 4, "fast");
        start(PhalanxConfig.defaults());
        await().atMost(Duration.ofSeconds(30)).until(() -> members("train").stream().allMatch(p -> p.getSpec().getNodeName() != null));
        List<Pod> workers = members("train");
        assertThat(workers.stream().map(p -> p.getSpec().getNodeName()).collect(Collectors.toSet())).hasSize(4);
        assertThat(workers.stream().filter(p -> p.getSpec().getNodeName().startsWith("a")).count()).isEqualTo(2);
        for (Pod w : workers) {
            var claim = client.persistentVolumeClaims().inNamespace(ns).withName(w.getMetadata().getName() + "-data").get();
            assertThat(claim.getMetadata().getAnnotations()).as("the provisioner is asked for %s's volume where it runs",
                    w.getMetadata().getName()).containsEntry("volume.kubernetes.io/selected-node", w.getSpec().getNodeName());
        }
    }

    @Test
    void claimsOfLocalVolumesGetAVolumeReservedOnTheNodeTheirPodIsBoundTo() {
        client.resource(storageClass("local", "kubernetes.io/no-provisioner", true, null)).create();
        for (String n : List.of("a-1", "b-0")) {
            client.resource(pv("nvme-" + n, "local", "1Ti", null, Keys.HOSTNAME_LABEL, n)).create();
            KubeTests.available(client, "nvme-" + n);
        }
        trainingGangWithClaims("train", 2, "local");
        start(PhalanxConfig.defaults());
        await().atMost(Duration.ofSeconds(30)).until(() -> members("train").stream().allMatch(p -> p.getSpec().getNodeName() != null));
        for (Pod w : members("train")) {
            String node = w.getSpec().getNodeName();
            assertThat(node).isIn("a-1", "b-0");
            var volume = client.persistentVolumes().withName("nvme-" + node).get();
            assertThat(volume.getSpec().getClaimRef().getName()).isEqualTo(w.getMetadata().getName() + "-data");
            assertThat(volume.getSpec().getClaimRef().getUid()).isNotNull();
        }
    }

    @Test
    void aGangWhoseClaimDoesNotExistWaitsNamingItAndOthersAreServed() {
        client.resource(podGroup(ns, "nodata", 2).queue("team").build()).create();
        for (int i = 0; i < 2; i++) {
            client.resource(pod(ns, "nodata-" + i).group("nodata").gpus(1).volumeClaim("data", "missing-" + i).build()).create();
        }
        client.resource(pod(ns, "other").queue("team").gpus(1).build()).create();
        start(PhalanxConfig.defaults().withStatusPeriod("1s"));
        await().atMost(Duration.ofSeconds(30)).until(() -> client.pods().inNamespace(ns).withName("other").get().getSpec().getNodeName() != null);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            Condition c = scheduled("nodata");
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getMessage()).contains("PersistentVolumeClaim " + ns + "/missing-0").contains("does not exist");
        });
        assertThat(members("nodata")).allMatch(p -> p.getSpec().getNodeName() == null);
    }

    private List<Pod> members(String gang) {
        return client.pods().inNamespace(ns).withLabel(Keys.POD_GROUP_LABEL, gang).list().getItems();
    }

    private Condition scheduled(String gang) {
        PodGroup pg = client.resources(PodGroup.class).inNamespace(ns).withName(gang).get();
        return pg == null || pg.getStatus() == null ? null
                : pg.getStatus().getConditions().stream().filter(c -> "Scheduled".equals(c.getType())).findFirst().orElse(null);
    }

    private static PodCondition podScheduled(Pod p) {
        return p.getStatus() == null || p.getStatus().getConditions() == null ? null
                : p.getStatus().getConditions().stream().filter(c -> "PodScheduled".equals(c.getType())).findFirst().orElse(null);
    }

    @Test
    void aTrainingGangWithOneWorkerPerNodeAndAZoneSpreadStartsWholeAndSpread() {
        trainingGang("train", 4);
        start(PhalanxConfig.defaults());
        await().atMost(Duration.ofSeconds(30)).until(() -> members("train").stream().allMatch(p -> p.getSpec().getNodeName() != null));
        List<String> nodes = members("train").stream().map(p -> p.getSpec().getNodeName()).toList();
        assertThat(new HashSet<>(nodes)).hasSize(4);
        Map<Boolean, Long> byZone = nodes.stream().collect(Collectors.partitioningBy(n -> n.startsWith("a"), Collectors.counting()));
        assertThat(byZone).containsEntry(true, 2L).containsEntry(false, 2L);
    }

    @Test
    void aGangWhoseAntiAffinityNoNodeCanServeWaitsNamingIt() {
        trainingGang("wide", 5);
        start(PhalanxConfig.defaults().withStatusPeriod("1s"));
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            Condition c = scheduled("wide");
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("Unschedulable");
            assertThat(c.getMessage()).contains("its pod anti-affinity keeps it from (job=wide per kubernetes.io/hostname)");
            PodCondition pc = podScheduled(members("wide").get(0));
            assertThat(pc.getReason()).isEqualTo("Unschedulable");
            assertThat(pc.getMessage()).contains("pod anti-affinity");
        });
        assertThat(members("wide")).allMatch(p -> p.getSpec().getNodeName() == null);
    }

    @Test
    void aGangThatLosesAMemberToANodeGoneDownIsRestartedWholeAndSaysSo() {
        trainingGang("train", 2);
        start(PhalanxConfig.defaults().withStaleGangGrace("2s").withStatusPeriod("1s"));
        await().atMost(Duration.ofSeconds(30)).until(() -> members("train").stream().allMatch(p -> p.getSpec().getNodeName() != null));
        TestingKubelet.startBoundPods(client, ns);
        String lost = members("train").get(0).getSpec().getNodeName();
        client.nodes().withName(lost).editStatus(n -> {
            n.getStatus().setConditions(List.of(new NodeConditionBuilder().withType("Ready").withStatus("Unknown")
                    .withReason("NodeStatusUnknown").withMessage("Kubelet stopped posting node status.")
                    .withLastTransitionTime(Instant.now().toString()).build()));
            return n;
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> members("train").stream()
                .allMatch(p -> p.getMetadata().getDeletionTimestamp() != null));
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions().untilAsserted(() -> {
            Condition c = scheduled("train");
            assertThat(c.getReason()).isEqualTo("NodeFailed");
            assertThat(c.getMessage()).contains("node " + lost + " is unreachable").contains("restarted whole");
        });
        Set<String> reasons = client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> "Pod".equals(e.getInvolvedObject().getKind())).map(e -> e.getReason()).collect(Collectors.toSet());
        assertThat(reasons).contains("NodeFailed");
    }
}
