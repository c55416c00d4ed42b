package dev.phalanx.scheduler.kube;

import dev.phalanx.core.cycle.Clock;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.live.SchedulerService;
import dev.phalanx.scheduler.metrics.Metrics;
import dev.phalanx.scheduler.metrics.SchedulerMetrics;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Two replicas against the real API server, electing a leader on a Lease: only the leader schedules;
 * when it goes, the other takes over within a bound, and every pod is bound exactly once.
 */
@Tag("kube")
class LeaderElectionIT {
    private static final AtomicInteger RUN = new AtomicInteger();
    // short periods, so a take-over is quick to watch
    private static final String LEASE = "4s", RENEW = "3s", RETRY = "500ms";
    private final List<SchedulerService> replicas = new ArrayList<>();
    private final Map<SchedulerService, MeterRegistry> registries = new HashMap<>();
    private final List<KubernetesClient> clients = new ArrayList<>();
    private KubernetesClient client;
    private String ns;

    @BeforeEach
    void setUp() {
        client = TestControlPlane.get().newClient();
        KubeTests.cleanCluster(client);
        ns = "leader-" + RUN.incrementAndGet() + "-" + System.nanoTime() % 10_000;
        KubeTests.teamNamespace(client, ns, "team");
        client.resource(queue("team").gpu("64", 1, "-1").build()).create();
        for (int i = 0; i < 4; i++) {
            client.resource(node("n-" + i, 8)).create();
        }
        TestingKubelet.readyNodes(client);
    }

    @AfterEach
    void tearDown() {
        replicas.forEach(SchedulerService::close);
        clients.forEach(KubernetesClient::close);
        client.close();
    }

    private SchedulerService replica() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        SchedulerMetrics metrics = new SchedulerMetrics(registry);
        // each replica with its own client, as separate processes would have
        KubernetesClient own = TestControlPlane.get().newClient();
        clients.add(own);
        SchedulerService s = new SchedulerService(own, PhalanxConfig.defaults().withCyclePeriod("1s")
                .withLeaderElection(PhalanxConfig.LeaderElection.on(ns, LEASE, RENEW, RETRY)), Policies.live(metrics),
                Clock.SYSTEM, metrics);
        replicas.add(s);
        registries.put(s, registry);
        return s.start();
    }

    private void gang(String name, int members, int gpusEach) {
        client.resource(podGroup(ns, name, members).build()).create();
        for (int i = 0; i < members; i++) {
            client.resource(pod(ns, name + "-" + i).group(name).gpus(gpusEach).build()).create();
        }
    }

    private List<Pod> pods() {
        return client.pods().inNamespace(ns).list().getItems();
    }

    private boolean allBound() {
        return pods().stream().allMatch(p -> p.getSpec().getNodeName() != null);
    }

    private Lease lease() {
        return client.leases().inNamespace(ns).withName(PhalanxConfig.LeaderElection.OFF.leaseName()).get();
    }

    private double counter(SchedulerService s, String name, String... tags) {
        return registries.get(s).find(name).tags(tags).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private double bindings() {
        return replicas.stream().mapToDouble(s -> counter(s, Metrics.BINDINGS.name())).sum();
    }

    private double bindingErrors() {
        return replicas.stream().mapToDouble(s -> counter(s, Metrics.BINDING_ERRORS.name())).sum();
    }

    private List<Event> bindingEvents(String reason) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> reason.equals(e.getReason()) && "Pod".equals(e.getInvolvedObject().getKind())).toList();
    }

    private List<Event> groupEvents(String reason) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> reason.equals(e.getReason()) && "PodGroup".equals(e.getInvolvedObject().getKind())).toList();
    }

    @Test
    void onlyTheLeaderSchedulesAndWhenItLeavesTheOtherTakesOverBindingEveryPodExactlyOnce() {
        SchedulerService a = replica();
        SchedulerService b = replica();
        await().atMost(Duration.ofSeconds(20)).until(() -> a.isLeader() || b.isLeader());
        SchedulerService leader = a.isLeader() ? a : b;
        SchedulerService standby = leader == a ? b : a;
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo(leader.identity());
        assertThat(standby.leader()).isEqualTo(leader.identity());

        gang("first", 4, 2);
        await().atMost(Duration.ofSeconds(30)).until(this::allBound);
        assertThat(standby.isLeader()).isFalse();
        assertThat(standby.cycles()).isZero();
        assertThat(standby.readiness()).isNull(); // a warm standby is ready: its informers have synced
        assertThatThrownBy(standby::runCycle).isInstanceOf(IllegalStateException.class).hasMessageContaining("does not lead");
        assertThat(counter(standby, Metrics.BINDINGS.name())).isZero();

        // work arrives while the leader is being stopped: some of it it binds, the rest the new leader does
        Map<String, String> nodeOf = new HashMap<>();
        for (int i = 0; i < 12; i++) {
            client.resource(pod(ns, "single-" + i).gpus(1).build()).create();
        }
        leader.close(); // finishes its cycle, then releases the Lease
        long leftAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).until(standby::isLeader);
        Duration takeOver = Duration.ofNanos(System.nanoTime() - leftAt);
        // released, not expired: the standby takes it at its next retry (500ms, jittered), well before the lease's 4s
        assertThat(takeOver).isLessThan(Duration.ofSeconds(3));
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo(standby.identity());

        gang("second", 2, 4);
        await().atMost(Duration.ofSeconds(30)).until(this::allBound);
        pods().forEach(p -> nodeOf.put(p.getMetadata().getName(), p.getSpec().getNodeName()));
        // a pod of its own is told on itself that it was bound, a gang once on its PodGroup
        long singles = pods().stream().filter(p -> p.getMetadata().getName().startsWith("single-")).count();
        await().atMost(Duration.ofSeconds(10)).until(() -> bindingEvents("Scheduled").size() >= singles
                && groupEvents("Scheduled").size() >= 2);

        // every pod bound exactly once: one successful binding each, no failed binding (a 409 would say "bound twice")
        assertThat(bindings()).isEqualTo(pods().size());
        assertThat(bindingErrors()).isZero();
        assertThat(bindingEvents("FailedBinding")).isEmpty();
        assertThat(bindingEvents("Scheduled")).extracting(e -> e.getInvolvedObject().getName())
                .doesNotHaveDuplicates().hasSize((int) singles).allMatch(n -> n.startsWith("single-"));
        // each gang is told once that it started: the new leader does not tell again of a gang the old one started
        assertThat(groupEvents("Scheduled")).extracting(e -> e.getInvolvedObject().getName())
                .containsExactlyInAnyOrder("first", "second");
        assertThat(counter(standby, Metrics.BINDINGS.name())).isGreaterThanOrEqualTo(2);
        // and no node holds more GPUs than it has
        Map<String, Integer> gpus = new HashMap<>();
        pods().forEach(p -> gpus.merge(p.getSpec().getNodeName(), p.getSpec().getContainers().get(0).getResources()
                .getLimits().get("nvidia.com/gpu").getNumericalAmount().intValue(), Integer::sum));
        assertThat(gpus.values()).allSatisfy(g -> assertThat(g).isLessThanOrEqualTo(8));
        // bindings are final: nothing moved later
        long cycles = standby.cycles();
        await().atMost(Duration.ofSeconds(10)).until(() -> standby.cycles() >= cycles + 2);
        pods().forEach(p -> assertThat(p.getSpec().getNodeName()).isEqualTo(nodeOf.get(p.getMetadata().getName())));
    }

    @Test
    void aLeaderThatLosesItsLeaseStopsSchedulingAndTheStandbyTakesOverOnceTheLeaseExpires() {
        SchedulerService a = replica();
        SchedulerService b = replica();
        await().atMost(Duration.ofSeconds(20)).until(() -> a.isLeader() || b.isLeader());
        SchedulerService leader = a.isLeader() ? a : b;
        SchedulerService standby = leader == a ? b : a;

        // someone else takes the Lease (as after a network partition): the leader must stop at once
        ZonedDateTime now = ZonedDateTime.now();
        client.leases().inNamespace(ns).withName(lease().getMetadata().getName()).edit(l -> {
            l.getSpec().setHolderIdentity("an-intruder");
            l.getSpec().setRenewTime(now);
            l.getSpec().setAcquireTime(now);
            return l;
        });
        long stolenAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).until(() -> leader.terminated().isDone());
        assertThat(leader.terminated().join()).isEqualTo("lost the leader lease");
        assertThat(leader.isLeader()).isFalse();
        assertThat(leader.health()).contains("lost the leader lease");
        long cyclesAfterLoss = leader.cycles();

        // the intruder never renews: once its lease expires the standby takes over
        await().atMost(Duration.ofSeconds(15)).until(standby::isLeader);
        assertThat(Duration.ofNanos(System.nanoTime() - stolenAt)).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        gang("after", 2, 2);
        await().atMost(Duration.ofSeconds(30)).until(this::allBound);
        assertThat(leader.cycles()).isEqualTo(cyclesAfterLoss);
        assertThat(counter(leader, Metrics.BINDINGS.name())).isZero();
        assertThat(counter(standby, Metrics.BINDINGS.name())).isEqualTo(2);
    }
}
