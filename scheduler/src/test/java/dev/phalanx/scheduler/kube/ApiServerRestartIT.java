package dev.phalanx.scheduler.kube;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.live.SchedulerService;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The API server restarted under load, on a control plane of its own: etcd keeps the data, the
 * scheduler (reaching the server through a {@link FaultyProxy}, as through a Service) reconnects, keeps
 * what was bound and binds what waited, once each; PodGroup and Queue status stay and catch up.
 */
@Tag("kube")
class ApiServerRestartIT {
    private static final String NS = "restart";

    @Test
    void afterARestartWhatWasBoundStaysBoundAndWhatWaitedIsBoundOnce() throws Exception {
        TestControlPlane plane = TestControlPlane.separate();
        KubernetesClient admin = plane.newClient();
        FaultyProxy proxy = new FaultyProxy(URI.create(admin.getMasterUrl().toString()));
        Config config = Config.fromKubeconfig(plane.kubeconfigYaml());
        config.setMasterUrl(proxy.url());
        KubernetesClient viaProxy = new KubernetesClientBuilder().withConfig(config).build();
        SchedulerService scheduler = null;
        try {
            KubeTests.teamNamespace(admin, NS, "team");
            admin.resource(queue("team").gpu("64", 1, "-1").build()).create();
            admin.resource(node("n-0", 8)).create();
            TestingKubelet.readyNodes(admin);
            scheduler = new SchedulerService(viaProxy, PhalanxConfig.defaults().withCyclePeriod("1s"), Policies.reproducible(),
                    Clock.SYSTEM).start();
            gang(admin, "first", 2, 4);
            await().atMost(Duration.ofSeconds(30)).until(() -> bound(admin) == 2);
            // load: more gangs than fit wait while the server goes away
            for (int g = 0; g < 6; g++) {
                gang(admin, "later-" + g, 2, 4);
            }
            String firstNode = nodeOf(admin, "first-0");

            plane.restartApiServer();
            admin.close();
            KubernetesClient after = plane.newClient();
            proxy.retarget(URI.create(after.getMasterUrl().toString()));
            proxy.dropAll(); // connections to the old process are dead anyway

            assertThat(nodeOf(after, "first-0")).as("etcd kept the binding").isEqualTo(firstNode);
            for (int i = 1; i <= 6; i++) {
                after.resource(node("n-" + i, 8)).create();
            }
            TestingKubelet.readyNodes(after);
            await().atMost(Duration.ofSeconds(90)).until(() -> bound(after) == 14);
            Map<String, Long> gpus = new HashMap<>();
            for (Pod p : after.pods().inNamespace(NS).list().getItems()) {
                gpus.merge(p.getSpec().getNodeName(), 4L, Long::sum);
            }
            assertThat(gpus.values()).allSatisfy(g -> assertThat(g).isLessThanOrEqualTo(8L));
            assertThat(nodeOf(after, "first-0")).isEqualTo(firstNode);
            // and the status written before and after the restart is there, up to date
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                assertThat(after.resources(PodGroup.class).inNamespace(NS).withName("first").get().getStatus().getPhase())
                        .isEqualTo("Scheduled");
                assertThat(after.resources(PodGroup.class).inNamespace(NS).withName("later-5").get().getStatus().getScheduled())
                        .isEqualTo(2);
                assertThat(after.resources(Queue.class).withName("team").get().getStatus().getAllocated())
                        .containsEntry(Keys.GPU, "56");
            });
            after.close();
        } finally {
            if (scheduler != null) {
                scheduler.close();
            }
            viaProxy.close();
            proxy.close();
            plane.stop();
        }
    }

    private static void gang(KubernetesClient c, String name, int pods, int gpus) {
        c.resource(podGroup(NS, name, pods).queue("team").build()).create();
        for (int i = 0; i < pods; i++) {
            c.resource(pod(NS, name + "-" + i).group(name).gpus(gpus).build()).create();
        }
    }

    private static long bound(KubernetesClient c) {
        List<Pod> pods = c.pods().inNamespace(NS).list().getItems();
        return pods.stream().filter(p -> p.getSpec().getNodeName() != null).count();
    }

    private static String nodeOf(KubernetesClient c, String pod) {
        return c.pods().inNamespace(NS).withName(pod).get().getSpec().getNodeName();
    }
}
