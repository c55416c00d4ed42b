package dev.phalanx.scheduler.kube;

import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.live.SchedulerService;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bad input the API server cannot refuse, on a real API server, all at once and next to a burst of
 * pending pods: each gets a clear Event on its object, and the rest is scheduled all the same.
 * (What the CRD schema refuses is in {@link CrdValidationIT}.)
 */
@Tag("kube")
class BadInputIT {
    private static final int BURST = 10_000;
    private KubernetesClient client;
    private SchedulerService scheduler;
    private final String ns = "bad-input";

    @BeforeEach
    void setUp() {
        client = TestControlPlane.get().newClient();
        KubeTests.cleanCluster(client);
        if (client.namespaces().withName(ns).get() == null) {
            KubeTests.teamNamespace(client, ns, "team");
        }
        client.resource(queue("team").gpu("64", 1, "-1").build()).create();
    }

    @AfterEach
    void tearDown() {
        if (scheduler != null) {
            scheduler.close();
        }
        client.close();
    }

    private List<Event> events(String kind, String name) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> kind.equals(e.getInvolvedObject().getKind()) && name.equals(e.getInvolvedObject().getName()))
                .toList();
    }

    private void saysInvalid(String kind, String name, String words) {
        assertThat(events(kind, name)).as("%s %s", kind, name).anySatisfy(e -> {
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getReason()).isEqualTo("Invalid");
            assertThat(e.getMessage()).contains(words);
        });
    }

    @Test
    void everyBadObjectIsToldWhyOnItselfWhileABurstOfPendingPodsIsScheduled() throws Exception {
        for (int i = 0; i < 8; i++) {
            client.resource(node("n-" + i, 8)).create();
        }
        // a burst of pending pods, more than fit: single 1-GPU pods
        var creators = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            java.util.stream.IntStream.range(0, BURST).mapToObj(i -> creators.submit(
                            () -> client.resource(pod(ns, String.format("burst-%05d", i)).gpus(1).build()).create()))
                    .toList().forEach(f -> {
                        try {
                            f.get();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
        } finally {
            creators.shutdown();
        }
        client.resource(pod(ns, "bad-fraction").gpuFraction("lots").build()).create();
        client.resource(podGroup(ns, "lost", 1).queue("nowhere").build()).create();
        client.resource(pod(ns, "lost-0").group("lost").gpus(1).build()).create();
        client.resource(podGroup(ns, "unranked", 1).queue("team").priorityClass("no-such-class").build()).create();
        client.resource(pod(ns, "unranked-0").group("unranked").gpus(1).build()).create();
        client.resource(pod(ns, "orphan-0").group("ghost").gpus(1).build()).create();
        TestingKubelet.readyNodes(client);
        scheduler = new SchedulerService(client, PhalanxConfig.defaults().withCyclePeriod("1s"), Policies.reproducible(),
                Clock.SYSTEM).start();

        // the burst fills every GPU, bad objects or not
        await().atMost(Duration.ofSeconds(240)).until(() -> client.pods().inNamespace(ns).list().getItems().stream()
                .filter(p -> p.getSpec().getNodeName() != null).count() == 64);
        await().atMost(Duration.ofSeconds(240)).ignoreExceptions().untilAsserted(() -> {
            saysInvalid("Pod", "bad-fraction", Keys.GPU_FRACTION_ANNOTATION);
            saysInvalid("PodGroup", "lost", "nowhere");
            saysInvalid("PodGroup", "unranked", "PriorityClass no-such-class does not exist");
            saysInvalid("Pod", "orphan-0", "PodGroup bad-input/ghost does not exist");
        });
        assertThat(scheduler.health()).isNull();
        for (String name : List.of("bad-fraction", "lost-0", "unranked-0", "orphan-0")) {
            Pod p = client.pods().inNamespace(ns).withName(name).get();
            assertThat(p.getSpec().getNodeName()).as(name).isNull();
        }
    }
}
