package dev.phalanx.scheduler.kube;

import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.live.SchedulerService;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * On an API server that serves no native gang API (clusters before 1.37, or without GenericWorkload), that part
 * is off and everything else schedules as ever.
 */
@Tag("kube")
class OlderApiServerIT {
    @Test
    void withoutTheNativeGangApiTheSchedulerRunsAndFormsItsOwnGangs() throws Exception {
        TestControlPlane cp = TestControlPlane.withoutNativeGangs();
        try (KubernetesClient client = cp.newClient()) {
            client.resource(namespace("old", Keys.QUEUE_LABEL, "team")).create();
            KubeTests.serviceAccount(client, "old");
            client.resource(queue("team").gpu("8", 1, "-1").build()).create();
            client.resource(node("n0", 8)).create();
            TestingKubelet.readyNodes(client);
            client.resource(podGroup("old", "pair", 2).build()).create();
            client.resource(pod("old", "pair-0").group("pair").gpus(4).build()).create();
            client.resource(pod("old", "pair-1").group("pair").gpus(4).build()).create();
            try (SchedulerService scheduler = new SchedulerService(client, PhalanxConfig.defaults().withCyclePeriod("1s"),
                    Policies.reproducible(), Clock.SYSTEM).start()) {
                assertThat(scheduler.nativeGangs()).isFalse();
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(client.pods().inNamespace("old").list()
                        .getItems()).extracting(Pod::getSpec).allSatisfy(s -> assertThat(s.getNodeName()).isEqualTo("n0")));
            }
        } finally {
            cp.stop();
        }
    }
}
