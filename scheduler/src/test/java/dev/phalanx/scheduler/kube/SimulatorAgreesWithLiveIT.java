package dev.phalanx.scheduler.kube;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.kube.ManifestReader;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.sim.Simulation;
import dev.phalanx.core.sim.SimulationOptions;
import dev.phalanx.core.sim.SimulationResult;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.live.SchedulerService;
import dev.phalanx.testing.Testing;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The simulator and the live scheduler reach the same conclusions: one scenario (a gang that runs, one that
 * waits for room, one over its queue's limit, one short of members, one that fits nowhere) replayed in the
 * simulator and on a real API server, with a stand-in kubelet starting what is bound, ends with every
 * PodGroup in the same phase, with the same condition reason and message. ("runs" is created before
 * "waits" and also comes first by name, so a tie of creation times cannot change which of the two starts.)
 */
@Tag("kube")
class SimulatorAgreesWithLiveIT {
    private static final String NS = "agree";
    private KubernetesClient client;
    private SchedulerService scheduler;

    @BeforeEach
    void setUp() {
        client = TestControlPlane.get().newClient();
        KubeTests.cleanCluster(client);
    }

    @AfterEach
    void tearDown() {
        if (scheduler != null) {
            scheduler.close();
        }
        client.close();
    }

    private static List<HasMetadata> scenario() {
        List<HasMetadata> objs = new ArrayList<>();
        objs.add(Testing.namespace(NS, Keys.QUEUE_LABEL, "team"));
        objs.add(queue("team").gpu("8", 1, "-1").build());
        objs.add(queue("small").gpu("0", 1, "2").build());
        for (String n : List.of("a-0", "a-1")) {
            objs.add(node(n, 8, Keys.CLIQUE_LABEL, "clique-a"));
        }
        objs.add(node("b-0", 8, Keys.CLIQUE_LABEL, "clique-b"));
        gang(objs, "runs", 2, 2, 8, Keys.CLIQUE_LABEL, null);        // clique-a, whole
        gang(objs, "waits", 2, 2, 8, Keys.CLIQUE_LABEL, null);       // fits the empty cluster, not now
        gang(objs, "over-limit", 1, 1, 4, null, "small");           // 4 GPUs against a limit of 2
        gang(objs, "short", 3, 2, 1, null, null);                    // 2 of minMember 3 pods exist
        gang(objs, "nowhere", 1, 1, 16, null, null);                 // 16 GPUs on one node: none has them
        return objs;
    }

    private static void gang(List<HasMetadata> objs, String name, int minMember, int pods, int gpus, String required,
                             String queue) {
        var g = podGroup(NS, name, minMember);
        if (required != null) {
            g.required(required);
        }
        if (queue != null) {
            g.queue(queue);
        }
        objs.add(g.build());
        for (int i = 0; i < pods; i++) {
            objs.add(pod(NS, name + "-" + i).group(name).gpus(gpus).build());
        }
    }

    /** "phase | reason | message" of every PodGroup. */
    private static Map<String, String> simulated() {
        var manifests = new ManifestReader().read(Testing.yaml(scenario()), "agree.yaml").manifests();
        SimulationResult r = new Simulation(manifests, Policies.defaultCycle(), Policies.reporter(),
                SimulationOptions.until(3_600_000L)).run();
        Map<String, String> out = new TreeMap<>();
        for (SimulationResult.PodGroupRecord g : r.podGroups()) {
            String reason = g.reason() == null ? "Scheduled" : g.reason().substring(0, g.reason().indexOf(':'));
            String message = g.reason() == null ? null : g.reason().substring(g.reason().indexOf(':') + 2);
            out.put(g.name(), g.phase() + " | " + reason + (message == null ? "" : " | " + message));
        }
        return out;
    }

    private Map<String, String> live() {
        Map<String, String> out = new TreeMap<>();
        for (PodGroup g : client.resources(PodGroup.class).inNamespace(NS).list().getItems()) {
            if (g.getStatus() == null || g.getStatus().getPhase() == null) {
                continue;
            }
            Condition c = g.getStatus().getConditions().stream().filter(x -> "Scheduled".equals(x.getType())).findFirst()
                    .orElseThrow();
            out.put(g.getMetadata().getName(), g.getStatus().getPhase() + " | " + c.getReason()
                    + ("True".equals(c.getStatus()) ? "" : " | " + c.getMessage()));
        }
        return out;
    }

    @Test
    void everyPodGroupEndsInTheSamePhaseWithTheSameReason() {
        Map<String, String> expected = simulated();
        assertThat(expected).containsKeys("runs", "waits", "over-limit", "short", "nowhere");
        assertThat(expected.get("runs")).startsWith("Running");
        assertThat(expected.get("waits")).startsWith("Admitted");
        assertThat(expected.get("over-limit")).startsWith("Pending | QueueOverLimit");
        assertThat(expected.get("short")).startsWith("Pending | WaitingForMembers");
        assertThat(expected.get("nowhere")).startsWith("Pending | Unschedulable");

        for (HasMetadata o : scenario()) {
            if (o instanceof io.fabric8.kubernetes.api.model.Namespace) {
                KubeTests.createIfAbsent(client, o);
                KubeTests.serviceAccount(client, NS);
            } else {
                client.resource(o).create();
            }
        }
        TestingKubelet.readyNodes(client);
        scheduler = new SchedulerService(client, PhalanxConfig.defaults().withCyclePeriod("1s").withStatusPeriod("100ms"),
                Policies.reproducible(), Clock.SYSTEM).start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            TestingKubelet.startBoundPods(client, NS);
            assertThat(live()).isEqualTo(expected);
        });
    }
}
