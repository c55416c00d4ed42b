package dev.phalanx.scheduler.kube;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.live.SchedulerService;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.priorityClass;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Preemption and reclaim against a real kube-apiserver and etcd: victims go through the Eviction API
 * (PodDisruptionBudgets honoured), the room is held for the gang that caused it, and it binds there once
 * the victims are gone. {@link TestingKubelet} plays the kubelet that finishes a graceful deletion.
 */
@Tag("kube")
class PreemptionIT {
    private static final AtomicInteger RUN = new AtomicInteger();
    private KubernetesClient client;
    private SchedulerService scheduler;
    private String ns;

    @BeforeEach
    void setUp() {
        client = TestControlPlane.get().newClient();
        KubeTests.cleanCluster(client);
        ns = "preempt-" + RUN.incrementAndGet();
        KubeTests.teamNamespace(client, ns, "team");
        for (HasMetadata pc : List.of(priorityClass("phalanx-low", 10), priorityClass("phalanx-high", 100))) {
            try {
                client.resource(pc).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
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
        scheduler = new SchedulerService(client, config.withCyclePeriod("1s"),
                Policies.reproducible(Policies.DEFAULT_SEED, true, config), Clock.SYSTEM).start();
    }

    private void gang(String queue, String name, int pods, int gpus, String priorityClass) {
        var g = podGroup(ns, name, pods).queue(queue);
        if (priorityClass != null) {
            g.priorityClass(priorityClass);
        }
        client.resource(g.build()).create();
        for (int i = 0; i < pods; i++) {
            var p = pod(ns, name + "-" + i).group(name).gpus(gpus);
            if (priorityClass != null) {
                p.priorityClass(priorityClass);
            }
            client.resource(p.build()).create();
        }
    }

    private Pod live(String name) {
        return client.pods().inNamespace(ns).withName(name).get();
    }

    private boolean bound(String name) {
        Pod p = live(name);
        return p != null && p.getSpec().getNodeName() != null;
    }

    private boolean terminating(String name) {
        Pod p = live(name);
        return p != null && p.getMetadata().getDeletionTimestamp() != null;
    }

    private List<String> reasonsOn(String kind, String name) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> kind.equals(e.getInvolvedObject().getKind()) && name.equals(e.getInvolvedObject().getName()))
                .map(Event::getReason).toList();
    }

    private void lowGangRunning(String queue) {
        gang(queue, "low", 2, 4, "phalanx-low");
        await().atMost(Duration.ofSeconds(30)).until(() -> bound("low-0") && bound("low-1"));
        TestingKubelet.startBoundPods(client, ns);
    }

    @Test
    void aHigherPriorityGangEvictsTheLowerOneThroughTheEvictionApiAndTakesItsRoom() {
        client.resource(node("n-0", 8)).create();
        client.resource(queue("team").gpu("8", 1, "-1").build()).create();
        start(PhalanxConfig.defaults());
        lowGangRunning("team");

        gang("team", "high", 2, 4, "phalanx-high");
        // the Eviction API starts a graceful deletion: the victims terminate, the room is held meanwhile
        await().atMost(Duration.ofSeconds(30)).until(() -> terminating("low-0") && terminating("low-1"));
        assertThat(bound("high-0") || bound("high-1")).as("nothing binds into room still in use").isFalse();
        await().atMost(Duration.ofSeconds(15)).until(() -> reasonsOn("Pod", "low-0").contains("Preempted"));
        // each member shows the node held for it, as kube-scheduler shows a preemptor's
        await().atMost(Duration.ofSeconds(15)).until(() -> "n-0".equals(nominatedNode("high-0"))
                && "n-0".equals(nominatedNode("high-1")));

        assertThat(TestingKubelet.finishDeletions(client, ns)).isEqualTo(2);
        await().atMost(Duration.ofSeconds(30)).until(() -> bound("high-0") && bound("high-1"));
        assertThat(live("high-0").getSpec().getNodeName()).isEqualTo("n-0");
        await().atMost(Duration.ofSeconds(15)).until(() -> nominatedNode("high-0") == null && nominatedNode("high-1") == null);
    }

    @Test
    void aNominatedNodeNoLongerHeldIsClearedFromThePodsStatus() {
        client.resource(node("n-0", 8)).create();
        client.resource(queue("team").gpu("8", 1, "-1").build()).create();
        client.resource(pod(ns, "stale").queue("team").gpus(9).build()).create(); // fits no node: nothing is held for it
        // as a scheduler that died holding room for it would leave it
        client.pods().inNamespace(ns).withName("stale").editStatus(p -> {
            p.getStatus().setNominatedNodeName("n-0");
            return p;
        });
        start(PhalanxConfig.defaults());
        await().atMost(Duration.ofSeconds(30)).until(() -> nominatedNode("stale") == null);
        assertThat(bound("stale")).isFalse();
    }

    private String nominatedNode(String name) {
        Pod p = live(name);
        return p == null || p.getStatus() == null ? null : p.getStatus().getNominatedNodeName();
    }

    @Test
    void aQueueBelowItsFairShareReclaimsOneGangFromAQueueAboveItsOwn() {
        client.resource(node("n-0", 8)).create();
        client.resource(node("n-1", 8)).create();
        client.resource(queue("a").gpu("8", 1, "-1").build()).create();
        client.resource(queue("b").gpu("8", 1, "-1").build()).create();
        // the victims have just started and save no checkpoints: only reclaim weighing lost work alone evicts one (with
        // the default restart cost the room, expected to free in ten minutes, is not worth it)
        start(PhalanxConfig.defaults().withReclaim(new PhalanxConfig.Reclaim(null, "0")));
        gang("b", "b1", 1, 8, null);
        await().atMost(Duration.ofSeconds(30)).until(() -> bound("b1-0"));
        gang("b", "b2", 1, 8, null);
        await().atMost(Duration.ofSeconds(30)).until(() -> bound("b2-0"));
        TestingKubelet.startBoundPods(client, ns);

        gang("a", "a1", 1, 8, null);
        await().atMost(Duration.ofSeconds(30)).until(() -> terminating("b1-0") || terminating("b2-0"));
        assertThat(terminating("b1-0") && terminating("b2-0")).as("one gang is enough").isFalse();
        TestingKubelet.finishDeletions(client, ns);
        await().atMost(Duration.ofSeconds(30)).until(() -> bound("a1-0"));
        String victim = live("b1-0") == null ? "b1-0" : "b2-0";
        assertThat(client.v1().events().inNamespace(ns).list().getItems()).anySatisfy(e -> {
            assertThat(e.getInvolvedObject().getName()).isEqualTo(victim);
            assertThat(e.getReason()).isEqualTo("Reclaimed");
        });
        // b, now at its fair share, takes nothing back: the survivor keeps running, a1 keeps its room
        long cycles = scheduler.cycles();
        await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.cycles() >= cycles + 3);
        assertThat(client.pods().inNamespace(ns).list().getItems()).noneMatch(p -> p.getMetadata().getDeletionTimestamp() != null);
    }

    @Test
    void aDisruptionBudgetSparesTheWholeVictimGangUnlessTheFallbackIsOn() {
        client.resource(node("n-0", 8)).create();
        client.resource(queue("team").gpu("8", 1, "-1").build()).create();
        client.policy().v1().podDisruptionBudget().inNamespace(ns).resource(new PodDisruptionBudgetBuilder()
                .withNewMetadata().withName("keep-low").endMetadata()
                .withNewSpec().withMinAvailable(new IntOrString(2))
                .withNewSelector().withMatchLabels(Map.of(Keys.POD_GROUP_LABEL, "low")).endSelector().endSpec().build()).create();
        start(PhalanxConfig.defaults());
        lowGangRunning("team");

        gang("team", "high", 2, 4, "phalanx-high");
        await().atMost(Duration.ofSeconds(30)).until(() -> reasonsOn("PodGroup", "high").contains("PreemptionBlocked"));
        assertThat(terminating("low-0") || terminating("low-1")).as("no member of the budgeted gang is evicted").isFalse();
        assertThat(reasonsOn("Pod", "low-0")).contains("EvictionBlocked");

        // the same cluster with the fallback on: deleted despite the budget, and said so
        scheduler.close();
        start(PhalanxConfig.defaults().withEvictionFallbackToDelete(true));
        await().atMost(Duration.ofSeconds(30)).until(() -> terminating("low-0") && terminating("low-1"));
        await().atMost(Duration.ofSeconds(15)).until(() -> reasonsOn("Pod", "low-0").contains("EvictionBudgetOverridden"));
        TestingKubelet.finishDeletions(client, ns);
        await().atMost(Duration.ofSeconds(30)).until(() -> bound("high-0") && bound("high-1"));
    }

    /** Half a gang bound, as a scheduler that died in the middle of a commit would leave it. */
    private void halfBoundGang(int secondMemberGpus) {
        client.resource(node("n-0", 8)).create();
        client.resource(queue("team").gpu("8", 1, "-1").build()).create();
        client.resource(podGroup(ns, "half", 2).queue("team").build()).create();
        client.resource(pod(ns, "half-0").group("half").gpus(4).onNode("n-0").build()).create();
        client.resource(pod(ns, "half-1").group("half").gpus(secondMemberGpus).build()).create();
        TestingKubelet.startBoundPods(client, ns);
    }

    @Test
    void aCommitCutShortIsCompletedWhenTheMissingMembersFit() {
        halfBoundGang(4);
        start(PhalanxConfig.defaults().withStaleGangGrace("3s"));
        await().atMost(Duration.ofSeconds(30)).until(() -> bound("half-1"));
        long cycles = scheduler.cycles();
        await().atMost(Duration.ofSeconds(15)).until(() -> scheduler.cycles() >= cycles + 4);
        assertThat(terminating("half-0")).isFalse();
    }

    @Test
    void aHalfGangThatCannotBeCompletedLosesItsBoundMembersAfterTheGracePeriod() {
        halfBoundGang(16); // the second member fits nowhere: the gang can never start as it is
        start(PhalanxConfig.defaults().withStaleGangGrace("3s"));
        await().atMost(Duration.ofSeconds(30)).until(() -> terminating("half-0"));
        await().atMost(Duration.ofSeconds(15)).until(() -> reasonsOn("Pod", "half-0").contains("StaleGang"));
    }

    @Test
    void elasticMembersAreEvictedBeforeTheGangItself() {
        client.resource(node("n-0", 16)).create();
        client.resource(queue("team").gpu("16", 1, "-1").build()).create();
        start(PhalanxConfig.defaults());
        client.resource(podGroup(ns, "low", 2).queue("team").priorityClass("phalanx-low").build()).create();
        for (int i = 0; i < 4; i++) {
            client.resource(pod(ns, "low-" + i).group("low").gpus(4).priorityClass("phalanx-low").build()).create();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> bound("low-0") && bound("low-1") && bound("low-2") && bound("low-3"));
        TestingKubelet.startBoundPods(client, ns);

        gang("team", "high", 1, 8, "phalanx-high");
        await().atMost(Duration.ofSeconds(30)).until(() -> terminating("low-2") && terminating("low-3"));
        assertThat(terminating("low-0") || terminating("low-1")).as("the gang keeps its minMember").isFalse();
        TestingKubelet.finishDeletions(client, ns);
        await().atMost(Duration.ofSeconds(30)).until(() -> bound("high-0"));
    }

    @Test
    void aGangYoungerThanPreemptMinRuntimeIsNotEvictedUntilItIsOlder() {
        client.resource(node("n-0", 8)).create();
        client.resource(queue("team").gpu("8", 1, "-1").minRuntimes("8s", "8s").build()).create();
        start(PhalanxConfig.defaults());
        lowGangRunning("team");
        long started = System.currentTimeMillis();

        gang("team", "high", 2, 4, "phalanx-high");
        await().atMost(Duration.ofSeconds(30)).until(() -> terminating("low-0"));
        assertThat(System.currentTimeMillis() - started).as("evicted only once 8s old").isGreaterThanOrEqualTo(7_000);
    }
}
