package dev.phalanx.scheduler.kube;

import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.Resources;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.live.SchedulerService;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Faults between the scheduler and a real API server, played by a {@link FaultyProxy} on loopback: a
 * slow connection, watch streams cut again and again, a member deleted while its gang is being bound.
 * After each: every gang whole or not at all, no node over-committed.
 */
@Tag("kube")
class FaultsIT {
    private static final AtomicInteger RUN = new AtomicInteger();
    private KubernetesClient admin;
    private FaultyProxy proxy;
    private KubernetesClient viaProxy;
    private SchedulerService scheduler;
    private String ns;

    @BeforeEach
    void setUp() throws Exception {
        admin = TestControlPlane.get().newClient();
        KubeTests.cleanCluster(admin);
        ns = "faults-" + RUN.incrementAndGet();
        KubeTests.teamNamespace(admin, ns, "team");
        admin.resource(queue("team").gpu("64", 1, "-1").build()).create();
        proxy = new FaultyProxy(URI.create(admin.getMasterUrl().toString()));
        Config config = Config.fromKubeconfig(new String(java.nio.file.Files.readAllBytes(
                TestControlPlane.get().kubeconfigFile())));
        config.setMasterUrl(proxy.url());
        viaProxy = new KubernetesClientBuilder().withConfig(config).build();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (scheduler != null) {
            scheduler.close();
        }
        viaProxy.close();
        proxy.close();
        admin.close();
    }

    private void start(PhalanxConfig config) {
        TestingKubelet.readyNodes(admin);
        scheduler = new SchedulerService(viaProxy, config.withCyclePeriod("1s"), Policies.reproducible(), Clock.SYSTEM).start();
    }

    private void nodes(int n) {
        for (int i = 0; i < n; i++) {
            admin.resource(node("n-" + i, 8)).create();
        }
    }

    private void gang(String name, int pods, int gpus) {
        admin.resource(podGroup(ns, name, pods).queue("team").build()).create();
        for (int i = 0; i < pods; i++) {
            admin.resource(pod(ns, name + "-" + i).group(name).gpus(gpus).build()).create();
        }
    }

    private List<Pod> pods() {
        return admin.pods().inNamespace(ns).list().getItems();
    }

    private boolean allBound() {
        return pods().stream().allMatch(p -> p.getSpec().getNodeName() != null);
    }

    /** Invariants 1 and 2 on what the API server holds: no node over its GPUs, every gang whole or absent. */
    private void invariantsHold() {
        Map<String, Long> gpus = new HashMap<>();
        Map<String, int[]> gangs = new HashMap<>();
        for (Pod p : pods()) {
            String gang = p.getMetadata().getLabels().get(Keys.POD_GROUP_LABEL);
            int[] c = gangs.computeIfAbsent(gang, k -> new int[2]);
            c[0]++;
            if (p.getSpec().getNodeName() != null && p.getMetadata().getDeletionTimestamp() == null) {
                c[1]++;
                long milli = Resources.toMilli(p.getSpec().getContainers().get(0).getResources().getRequests().get(Keys.GPU));
                gpus.merge(p.getSpec().getNodeName(), milli, Long::sum);
            }
        }
        assertThat(gpus.values()).allSatisfy(g -> assertThat(g).isLessThanOrEqualTo(8_000));
        gangs.forEach((g, c) -> assertThat(c[1]).as("bound members of %s", g).isIn(0, c[0]));
    }

    @Test
    void aSlowApiServerDelaysSchedulingButBreaksNothing() {
        nodes(4);
        proxy.delay(50);
        start(PhalanxConfig.defaults());
        for (int g = 0; g < 4; g++) {
            gang("g" + g, 4, 2);
        }
        await().atMost(Duration.ofSeconds(60)).until(this::allBound);
        invariantsHold();
    }

    @Test
    void watchStreamsCutAgainAndAgainAreResumedAndNothingIsLostOrDoubleBooked() {
        nodes(5);
        start(PhalanxConfig.defaults());
        gang("before", 2, 4);
        await().atMost(Duration.ofSeconds(30)).until(this::allBound);
        for (int round = 0; round < 4; round++) {
            assertThat(proxy.dropAll()).as("connections cut").isPositive();
            gang("after-" + round, 2, 4);
            await().atMost(Duration.ofSeconds(60)).until(this::allBound);
        }
        invariantsHold();
        // 5 gangs of 8 GPUs on 40: every GPU is taken, once
        assertThat(pods()).hasSize(10);
    }

    @Test
    void aMemberDeletedWhileItsGangIsBoundLeavesNoHalfGangPastTheGracePeriod() {
        nodes(2);
        proxy.delay(200); // slow enough for the deletion to land in the middle of the commit
        start(PhalanxConfig.defaults().withStaleGangGrace("2s"));
        gang("split", 3, 4);
        await().atMost(Duration.ofSeconds(30)).until(() -> pods().stream().anyMatch(p -> p.getSpec().getNodeName() != null));
        admin.pods().inNamespace(ns).withName("split-2").withGracePeriod(0).delete();
        // the gang can no longer reach minMember 3: its bound members are evicted after the grace period
        await().atMost(Duration.ofSeconds(60)).until(() -> pods().stream()
                .allMatch(p -> p.getSpec().getNodeName() == null || p.getMetadata().getDeletionTimestamp() != null));
        invariantsHold();
    }

    @Test
    void aSchedulerCutOffInTheMiddleOfACommitIsReplacedAndTheGangEndsWhole() {
        nodes(2);
        proxy.delay(300); // bindings one at a time, each a few slow round trips
        scheduler = new SchedulerService(viaProxy, new PhalanxConfig(null, "1s", null, 1, null, null, null, false, "30s", null),
                Policies.reproducible(), Clock.SYSTEM);
        TestingKubelet.readyNodes(admin);
        scheduler.start();
        gang("cut", 4, 4);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> pods().stream().anyMatch(p -> p.getSpec().getNodeName() != null));
        proxy.refuse(true); // the scheduler is cut off in the middle of the commit, as if killed: it never gets through again
        long boundWhenCut = pods().stream().filter(p -> p.getSpec().getNodeName() != null).count();
        assertThat(boundWhenCut).as("the commit was cut short").isBetween(1L, 3L);
        SchedulerService cutOff = scheduler;
        scheduler = null;
        // it stops in the background: its client keeps retrying for a while a server it cannot reach
        Thread.ofPlatform().daemon().start(cutOff::close);

        // a new scheduler (a restarted process) finds half a gang bound and completes it
        KubernetesClient direct = TestControlPlane.get().newClient();
        SchedulerService next = new SchedulerService(direct, PhalanxConfig.defaults().withCyclePeriod("1s"),
                Policies.reproducible(), Clock.SYSTEM).start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(this::allBound);
            invariantsHold();
        } finally {
            next.close();
            direct.close();
        }
    }
}
