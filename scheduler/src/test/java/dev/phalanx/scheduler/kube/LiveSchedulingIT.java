package dev.phalanx.scheduler.kube;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.live.SchedulerService;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The scheduler against a real kube-apiserver and etcd: informers in, {@code pods/binding} out,
 * PodGroup and Queue status and Events written back. Node objects stand in for nodes.
 */
@Tag("kube")
class LiveSchedulingIT {
    private static final AtomicInteger RUN = new AtomicInteger();
    private KubernetesClient client;
    private SchedulerService scheduler;
    private String ns;

    @BeforeEach
    void setUp() {
        client = TestControlPlane.get().newClient();
        KubeTests.cleanCluster(client);
        ns = "live-" + RUN.incrementAndGet();
        KubeTests.teamNamespace(client, ns, "team");
        client.resource(queue("team").gpu("16", 1, "-1").build()).create();
    }

    @AfterEach
    void tearDown() {
        if (scheduler != null) {
            scheduler.close();
        }
        client.close();
    }

    private void startScheduler() {
        TestingKubelet.readyNodes(client);
        scheduler = new SchedulerService(client, PhalanxConfig.defaults().withCyclePeriod("1s"), Policies.reproducible(),
                Clock.SYSTEM).start();
    }

    private void create(HasMetadata... objects) {
        for (HasMetadata o : objects) {
            client.resource(o).create();
        }
    }

    private List<Pod> pods() {
        return client.pods().inNamespace(ns).list().getItems();
    }

    private static String nodeOf(Pod p) {
        return p.getSpec().getNodeName();
    }

    private PodGroup podGroupNamed(String name) {
        return client.resources(PodGroup.class).inNamespace(ns).withName(name).get();
    }

    private static Condition scheduledCondition(PodGroup pg) {
        if (pg == null || pg.getStatus() == null) {
            return null;
        }
        return pg.getStatus().getConditions().stream().filter(c -> "Scheduled".equals(c.getType())).findFirst().orElse(null);
    }

    private List<Event> eventsOn(String kind, String name) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> kind.equals(e.getInvolvedObject().getKind()) && name.equals(e.getInvolvedObject().getName()))
                .toList();
    }

    @Test
    void aSixteenPodGangWithRequiredCliqueLandsInTheOnlyDomainThatHoldsIt() {
        // clique-a: 2 x 8 GPUs = 16; clique-b: 1 x 8; clique-c: 3 x 4 = 12. Only clique-a holds 16 GPUs.
        create(node("a-0", 8, Keys.CLIQUE_LABEL, "clique-a"), node("a-1", 8, Keys.CLIQUE_LABEL, "clique-a"),
                node("b-0", 8, Keys.CLIQUE_LABEL, "clique-b"));
        for (int i = 0; i < 3; i++) {
            create(node("c-" + i, 4, Keys.CLIQUE_LABEL, "clique-c"));
        }
        create(podGroup(ns, "llm", 16).required(Keys.CLIQUE_LABEL).build());
        for (int i = 0; i < 16; i++) {
            create(pod(ns, "llm-" + i).group("llm").gpus(1).build());
        }
        startScheduler();

        await().atMost(Duration.ofSeconds(30)).until(() -> pods().stream().allMatch(p -> nodeOf(p) != null));
        Set<String> nodes = pods().stream().map(LiveSchedulingIT::nodeOf).collect(Collectors.toSet());
        assertThat(nodes).containsExactlyInAnyOrder("a-0", "a-1");
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions().untilAsserted(() -> {
            PodGroup pg = podGroupNamed("llm");
            assertThat(pg.getStatus().getPhase()).isEqualTo("Scheduled");
            assertThat(pg.getStatus().getScheduled()).isEqualTo(16);
            assertThat(pg.getStatus().getPlacement()).containsEntry(Keys.CLIQUE_LABEL, "clique-a");
            // one Event per gang decision, on its PodGroup; its pods get none of their own
            assertThat(eventsOn("PodGroup", "llm")).extracting(Event::getReason).contains("Scheduled");
            assertThat(eventsOn("Pod", "llm-0")).isEmpty();
        });
    }

    @Test
    void aGangThatCannotFitBindsNothingAndItsPodGroupAndEventsSayWhy() {
        create(node("a-0", 8, Keys.CLIQUE_LABEL, "clique-a"), node("a-1", 8, Keys.CLIQUE_LABEL, "clique-a"),
                node("b-0", 8, Keys.CLIQUE_LABEL, "clique-b"));
        create(podGroup(ns, "big", 3).required(Keys.CLIQUE_LABEL).build());
        for (int i = 0; i < 3; i++) {
            create(pod(ns, "big-" + i).group("big").gpus(8).build());
        }
        startScheduler();

        String why = "needs 24 nvidia.com/gpu for 3 pods in one nvidia.com/gpu.clique; the best, clique-a, has 16 nvidia.com/gpu free;"
                + " it would not fit even the empty cluster";
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            Condition c = scheduledCondition(podGroupNamed("big"));
            assertThat(c).isNotNull();
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("Unschedulable");
            assertThat(c.getMessage()).isEqualTo(why);
            assertThat(eventsOn("PodGroup", "big")).anySatisfy(e -> {
                assertThat(e.getType()).isEqualTo("Warning");
                assertThat(e.getReason()).isEqualTo("Unschedulable");
                assertThat(e.getMessage()).isEqualTo(why);
            });
        });
        long cyclesBefore = scheduler.cycles();
        await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.cycles() >= cyclesBefore + 2);
        assertThat(pods()).allSatisfy(p -> assertThat(nodeOf(p)).isNull());
        assertThat(podGroupNamed("big").getStatus().getPhase()).isEqualTo("Pending");
    }

    @Test
    void podsMeantForAnotherSchedulerAreLeftAlone() {
        create(node("n-0", 8));
        create(pod(ns, "theirs").gpus(1).scheduler("default-scheduler").build(), pod(ns, "ours").gpus(1).build());
        startScheduler();

        await().atMost(Duration.ofSeconds(30)).until(() -> nodeOf(client.pods().inNamespace(ns).withName("ours").get()) != null);
        long cyclesBefore = scheduler.cycles();
        await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.cycles() >= cyclesBefore + 2);
        assertThat(nodeOf(client.pods().inNamespace(ns).withName("theirs").get())).isNull();
        assertThat(eventsOn("Pod", "theirs")).isEmpty();
    }

    @Test
    void runningMembersAreCountedOnceTheKubeletStartsThem() {
        create(node("n-0", 8));
        create(podGroup(ns, "pair", 2).build(), pod(ns, "pair-0").group("pair").gpus(2).build(),
                pod(ns, "pair-1").group("pair").gpus(2).build());
        startScheduler();
        await().atMost(Duration.ofSeconds(30)).until(() -> pods().stream().allMatch(p -> nodeOf(p) != null));
        assertThat(TestingKubelet.startBoundPods(client, ns)).isEqualTo(2);
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions().untilAsserted(() -> {
            PodGroup pg = podGroupNamed("pair");
            assertThat(pg.getStatus().getPhase()).isEqualTo("Running");
            assertThat(pg.getStatus().getRunning()).isEqualTo(2);
            Queue team = client.resources(Queue.class).withName("team").get();
            assertThat(team.getStatus().getAllocated()).containsEntry(Keys.GPU, "4");
            assertThat(team.getStatus().getPodGroups()).containsEntry("Running", 1);
        });
    }

    @Test
    void aQueueWhoseLimitIsBelowItsQuotaSaysSoInItsStatusAndItsGangsWait() {
        create(node("n-0", 8));
        // strings pass the CRD's integer-only comparison: the scheduler reports it
        create(queue("odd").gpu("16", 1, "8").build());
        client.resource(namespace(ns, Keys.QUEUE_LABEL, "odd")).update();
        create(pod(ns, "waits").gpus(1).build());
        startScheduler();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            Queue odd = client.resources(Queue.class).withName("odd").get();
            assertThat(odd.getStatus()).isNotNull();
            assertThat(odd.getStatus().getConditions()).anySatisfy(c -> {
                assertThat(c.getType()).isEqualTo("Valid");
                assertThat(c.getStatus()).isEqualTo("False");
                assertThat(c.getMessage()).contains("limit 8 is below its quota 16");
            });
            assertThat(eventsOn("Pod", "waits")).anySatisfy(e -> assertThat(e.getMessage()).contains("queue odd is invalid"));
        });
        assertThat(nodeOf(client.pods().inNamespace(ns).withName("waits").get())).isNull();
    }

    @Test
    void theQueueReconcilerReportsWhatTheSchemaCannotCheck() {
        create(queue("org").gpu("16", 1, "-1").build(), queue("child-a").parent("org").gpu("12", 1, "-1").build(),
                queue("child-b").parent("org").gpu("8", 1, "-1").build(), queue("orphan").parent("nowhere").build(),
                queue("loop-x").parent("loop-y").build(), queue("loop-y").parent("loop-x").build());
        startScheduler();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            assertThat(condition("org", "ChildQuotasFit").getMessage()).isEqualTo("the quotas of its children child-a, child-b"
                    + " add up to 20 nvidia.com/gpu, more than its own quota of 16; fair share scales them down in proportion");
            assertThat(condition("org", "Valid").getStatus()).isEqualTo("True");
            assertThat(condition("orphan", "Valid").getMessage()).isEqualTo("parent queue nowhere does not exist");
            assertThat(condition("loop-x", "Valid").getStatus()).isEqualTo("False");
            assertThat(condition("loop-x", "Valid").getMessage()).contains("loops");
        });
    }

    private Condition condition(String queue, String type) {
        return client.resources(Queue.class).withName(queue).get().getStatus().getConditions().stream()
                .filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
    }

    @Test
    void kubectlListsQueuesAndPodGroupsWithTheirPrinterColumns() throws Exception {
        create(node("n-0", 8));
        create(podGroup(ns, "pair", 2).queue("team").build(), pod(ns, "pair-0").group("pair").gpus(2).build(),
                pod(ns, "pair-1").group("pair").gpus(2).build());
        startScheduler();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                assertThat(podGroupNamed("pair").getStatus().getPhase()).isEqualTo("Scheduled"));
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions().untilAsserted(() ->
                assertThat(client.resources(Queue.class).withName("team").get().getStatus().getAllocated()).containsEntry(Keys.GPU, "4"));

        // the API server also serves scheduling.k8s.io PodGroups (GenericWorkload), which plain "podgroups" names first
        String groups = kubectl("get", "podgroups.scheduling.phalanx.dev", "-n", ns);
        assertThat(groups.lines().findFirst().orElseThrow()).matches("NAME\\s+QUEUE\\s+MINMEMBER\\s+PHASE\\s+SCHEDULED\\s+RUNNING\\s+AGE\\s*");
        assertThat(groups).containsPattern("pair\\s+team\\s+2\\s+Scheduled\\s+2\\s+0\\s+");
        String queues = kubectl("get", "queues");
        assertThat(queues.lines().findFirst().orElseThrow())
                .matches("NAME\\s+PARENT\\s+PRIORITY\\s+GPU QUOTA\\s+GPU FAIR SHARE\\s+GPU ALLOCATED\\s+GPU DECAYED USAGE\\s+GPU WEIGHT\\s+AGE\\s*");
        assertThat(queues).containsPattern("team\\s+(<none>\\s+)?(<none>\\s+)?16\\s+4\\s+4\\s+");
        assertThat(kubectl("get", "ppg", "-n", ns)).contains("pair");
    }

    private static String kubectl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", TestControlPlane.get().kubeconfigFile().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }
}
