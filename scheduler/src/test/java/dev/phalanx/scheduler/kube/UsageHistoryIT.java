package dev.phalanx.scheduler.kube;

import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.api.v1alpha1.QueueStatus;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.Resources;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.live.SchedulerService;
import dev.phalanx.scheduler.metrics.CycleSteps;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * A queue's usage history lives in its status and nowhere else: a scheduler started after the API server
 * restarted, and a replica that takes over the lead, each continue the decayed usage from what the last one
 * wrote, carried forward by the time since at the half-life, instead of starting from nothing.
 */
@Tag("kube")
class UsageHistoryIT {
    private static final long HALF_LIFE = 3_600_000L;
    private static final PhalanxConfig CONFIG = PhalanxConfig.defaults().withCyclePeriod("1s")
            .withFairness(new PhalanxConfig.Fairness("1h", 1.0));

    /** What a Queue's status says of its history: decayed GPUs as of {@code at}, and the GPUs held since. */
    private record Written(double decayed, long at, double held) {
    }

    private static Written written(KubernetesClient c, String queue) {
        QueueStatus s = c.resources(Queue.class).withName(queue).get().getStatus();
        if (s == null || s.getDecayedUsageTime() == null || s.getDecayedUsage() == null) {
            return null;
        }
        return new Written(Resources.toMilli(s.getDecayedUsage().getOrDefault(Keys.GPU, "0")) / 1000.0,
                Instant.parse(s.getDecayedUsageTime()).toEpochMilli(),
                Resources.toMilli(s.getAllocated() == null ? "0" : s.getAllocated().getOrDefault(Keys.GPU, "0")) / 1000.0);
    }

    /** The history a scheduler that ran before left: 40 GPUs on average, an hour ago, nothing held since. */
    private static Written seed(KubernetesClient c, String queue) {
        Queue q = c.resources(Queue.class).withName(queue).get();
        QueueStatus s = new QueueStatus();
        s.setDecayedUsage(Map.of(Keys.GPU, "40"));
        s.setDecayedUsageTime(Instant.now().minus(Duration.ofHours(1)).toString());
        s.setAllocated(Map.of(Keys.GPU, "0"));
        q.setStatus(s);
        c.resource(q).updateStatus();
        return written(c, queue);
    }

    /** {@code after} is {@code before} carried forward: decayed over the time between at the half-life, towards what was held. */
    private static void continues(Written before, Written after) {
        assertThat(after.at()).isGreaterThan(before.at());
        double d = Math.pow(2, -(double) (after.at() - before.at()) / HALF_LIFE);
        assertThat(after.decayed()).as("%s carried forward from %s", after, before)
                .isCloseTo(before.decayed() * d + before.held() * (1 - d), within(0.01));
    }

    private static Written nextWrite(KubernetesClient c, String queue, Written than) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> written(c, queue).at() > than.at());
        return written(c, queue);
    }

    @Test
    void aSchedulerStartedAfterTheApiServerRestartedContinuesTheHistoryTheLastOneWrote() throws Exception {
        TestControlPlane plane = TestControlPlane.separate();
        KubernetesClient admin = plane.newClient();
        List<AutoCloseable> open = new ArrayList<>(List.of(admin));
        try {
            KubeTests.teamNamespace(admin, "history", "team");
            admin.resource(queue("team").gpu("8", 1, "-1").build()).create();
            admin.resource(node("n-0", 8)).create();
            TestingKubelet.readyNodes(admin);
            Written seeded = seed(admin, "team");

            KubernetesClient first = plane.newClient();
            open.add(first);
            SchedulerService before = new SchedulerService(first, CONFIG, Policies.live(CONFIG, CycleSteps.NONE), Clock.SYSTEM).start();
            open.add(before);
            Written firstWrite = nextWrite(admin, "team", seeded);
            continues(seeded, firstWrite); // about 20: half of 40 an hour (one half-life) later
            assertThat(firstWrite.decayed()).isBetween(19.0, 20.01);
            admin.resource(podGroup("history", "work", 1).queue("team").build()).create();
            admin.resource(pod("history", "work-0").group("work").gpus(8).build()).create();
            await().atMost(Duration.ofSeconds(30)).until(() -> written(admin, "team").held() == 8.0);
            Written last = written(admin, "team");
            before.close();

            plane.restartApiServer();
            KubernetesClient after = plane.newClient();
            open.add(after);
            Written kept = written(after, "team");
            assertThat(kept).as("etcd kept the history").isEqualTo(last);
            Thread.sleep(1500); // time passes while no scheduler runs: the next one counts it too
            KubernetesClient second = plane.newClient();
            open.add(second);
            open.add(new SchedulerService(second, CONFIG, Policies.live(CONFIG, CycleSteps.NONE), Clock.SYSTEM).start());
            Written resumed = nextWrite(after, "team", kept);
            continues(kept, resumed);
            assertThat(resumed.decayed()).as("not started over from nothing").isGreaterThan(19.0);
        } finally {
            for (AutoCloseable c : open.reversed()) {
                c.close();
            }
            plane.stop();
        }
    }

    @Test
    void theReplicaThatTakesOverTheLeadContinuesTheHistoryTheLeaderWrote() {
        KubernetesClient client = TestControlPlane.get().newClient();
        List<SchedulerService> replicas = new ArrayList<>();
        List<KubernetesClient> clients = new ArrayList<>();
        try {
            KubeTests.cleanCluster(client);
            String ns = "history-" + System.nanoTime() % 10_000;
            KubeTests.teamNamespace(client, ns, "team");
            client.resource(queue("team").gpu("8", 1, "-1").build()).create();
            client.resource(node("n-0", 8)).create();
            TestingKubelet.readyNodes(client);
            Written seeded = seed(client, "team");
            PhalanxConfig config = CONFIG.withLeaderElection(PhalanxConfig.LeaderElection.on(ns, "4s", "3s", "500ms"));
            for (int i = 0; i < 2; i++) {
                KubernetesClient own = TestControlPlane.get().newClient();
                clients.add(own);
                replicas.add(new SchedulerService(own, config, Policies.live(config, CycleSteps.NONE), Clock.SYSTEM).start());
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> replicas.stream().anyMatch(SchedulerService::isLeader));
            SchedulerService leader = replicas.stream().filter(SchedulerService::isLeader).findFirst().orElseThrow();
            SchedulerService standby = replicas.get(replicas.get(0) == leader ? 1 : 0);
            Written byLeader = nextWrite(client, "team", seeded);
            continues(seeded, byLeader);

            leader.close();
            await().atMost(Duration.ofSeconds(10)).until(standby::isLeader);
            Written byNext = nextWrite(client, "team", byLeader);
            continues(byLeader, byNext);
            assertThat(byNext.decayed()).as("not started over from nothing").isGreaterThan(19.0);
        } finally {
            replicas.forEach(SchedulerService::close);
            clients.forEach(KubernetesClient::close);
            client.close();
        }
    }
}
