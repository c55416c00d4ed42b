package dev.phalanx.scheduler.kube;

import dev.phalanx.core.cycle.Clock;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.live.SchedulerService;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every waiting pod says why in its PodScheduled condition, where {@code kubectl describe pod} and cluster
 * autoscalers look: {@code Unschedulable} exactly when the cluster has no room or node for it now (a bigger
 * cluster would help), Phalanx's own reason otherwise; and the scheduler reads no pod before it writes.
 */
@Tag("kube")
class WhyPendingIT {
    private static final String NS = "why";
    private KubernetesClient client;
    private SchedulerService scheduler;

    @BeforeEach
    void setUp() {
        client = TestControlPlane.get().newClient();
        KubeTests.cleanCluster(client);
        KubeTests.createIfAbsent(client, dev.phalanx.testing.Testing.namespace(NS, "scheduling.phalanx.dev/queue", "team"));
        KubeTests.serviceAccount(client, NS);
    }

    @AfterEach
    void tearDown() {
        if (scheduler != null) {
            scheduler.close();
        }
        client.close();
    }

    private static PodCondition scheduled(Pod p) {
        return p.getStatus() == null || p.getStatus().getConditions() == null ? null
                : p.getStatus().getConditions().stream().filter(c -> "PodScheduled".equals(c.getType())).findFirst().orElse(null);
    }

    /** What a cluster autoscaler would scale up for: pods whose PodScheduled is False for Unschedulable. */
    private Set<String> autoscalerView() {
        return client.pods().inNamespace(NS).list().getItems().stream()
                .filter(p -> scheduled(p) != null && "False".equals(scheduled(p).getStatus())
                        && "Unschedulable".equals(scheduled(p).getReason()))
                .map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    }

    private long getsOfPods() {
        long n = 0;
        Matcher m = Pattern.compile("^apiserver_request_total\\{([^}]*)\\} ([0-9.e+]+)$", Pattern.MULTILINE)
                .matcher(client.raw("/metrics"));
        while (m.find()) {
            String labels = m.group(1);
            if (labels.contains("verb=\"GET\"") && labels.contains("resource=\"pods\"")) {
                n += (long) Double.parseDouble(m.group(2));
            }
        }
        return n;
    }

    @Test
    void aWaitingPodSaysWhyAndAutoscalersSeeOnlyThoseABiggerClusterWouldHelp() throws Exception {
        client.resource(node("why-0", 8)).create();
        client.resource(queue("team").gpu("8", 1, "-1").build()).create();
        client.resource(queue("capped").gpu("0", 1, "2").build()).create();
        // created in the same second, gangs rank by name: "first" takes the node
        client.resource(pod(NS, "first").gpus(8).build()).create();
        client.resource(pod(NS, "second").gpus(4).build()).create();
        client.resource(podGroup(NS, "pair", 2).build()).create();
        client.resource(pod(NS, "pair-0").group("pair").gpus(4).build()).create();
        client.resource(pod(NS, "pair-1").group("pair").gpus(4).build()).create();
        client.resource(pod(NS, "capped").gpus(4).queue("capped").build()).create();
        client.resource(podGroup(NS, "short", 3).build()).create();
        client.resource(pod(NS, "short-0").group("short").gpus(1).build()).create();
        TestingKubelet.readyNodes(client);
        long getsBefore = getsOfPods();
        scheduler = new SchedulerService(client, PhalanxConfig.defaults().withCyclePeriod("1s").withStatusPeriod("200ms"),
                Policies.reproducible(), Clock.SYSTEM).start();

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Map<String, String> reasons = new TreeMap<>();
            for (Pod p : client.pods().inNamespace(NS).list().getItems()) {
                PodCondition c = scheduled(p);
                reasons.put(p.getMetadata().getName(), c == null ? "none" : c.getStatus() + " " + c.getReason());
            }
            assertThat(reasons.get("first")).startsWith("True");
            assertThat(reasons).containsEntry("second", "False Unschedulable")
                    .containsEntry("pair-0", "False Unschedulable").containsEntry("pair-1", "False Unschedulable")
                    .containsEntry("capped", "False QueueOverLimit").containsEntry("short-0", "False WaitingForMembers");
        });
        assertThat(autoscalerView()).containsExactlyInAnyOrder("second", "pair-0", "pair-1");
        // the scheduler bound and wrote all of that without reading a pod first (informers list and watch)
        assertThat(getsOfPods() - getsBefore).isZero();

        KubeTests.Run describe = KubeTests.kubectl(null, "describe", "pod", "capped", "-n", NS);
        assertThat(describe.out()).contains("PodScheduled").contains("QueueOverLimit")
                .contains("needs 4 nvidia.com/gpu, queue capped has 0 of its limit 2 in use");
        Pod second = client.pods().inNamespace(NS).withName("second").get();
        assertThat(scheduled(second).getMessage()).startsWith("InsufficientResources: ");
    }
}
