package dev.phalanx.scheduler.kube;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.live.SchedulerService;
import dev.phalanx.testing.Workloads;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Workloads as users submit them, on the real API server, none with a hand-made PodGroup and none expanded by a
 * stand-in: a batch Job whose pods the real Job controller (kube-controller-manager) creates; a JobSet whose Jobs
 * the real JobSet controller creates (sigs.k8s.io/jobset, its webhooks defaulting the JobSet) and whose pods the
 * Job controller creates; a PyTorchJob whose pods and Services the real Kubeflow training operator creates
 * (github.com/kubeflow/training-operator v1, its webhook validating the PyTorchJob); a native Kubernetes
 * PodGroup with its pods. The operators are built from their Go modules at the versions of the CRDs installed
 * and run out of cluster ({@link TestControlPlane#start}). Each workload starts whole (no member is bound before
 * all of its gang exist), inside one NVLink domain as its topology asks, and is told the PodGroup it got; a gang
 * the cluster cannot hold binds nothing and says why.
 */
@Tag("kube")
class WorkloadGangsIT {
    private static final String NS = "workloads";
    private static TestControlPlane.Component controllers;
    private static TestControlPlane.Component jobSetController;
    private static TestControlPlane.Component trainingOperator;
    private KubernetesClient client;
    private SchedulerService scheduler;
    private Watch watch;
    private final Map<String, Long> createdAt = new ConcurrentHashMap<>();
    private final Map<String, Long> boundAt = new ConcurrentHashMap<>();

    @BeforeAll
    static void startControllers() throws Exception {
        try (KubernetesClient c = TestControlPlane.get().newClient()) {
            KubeTests.installWorkloadCrds(c);
        }
        controllers = TestControlPlane.get().start("kube-controller-manager", List.of("--leader-elect=false",
                "--controllers=job,garbagecollector", "--feature-gates=" + TestControlPlane.FEATURE_GATES));
        jobSetController = TestControlPlane.get().start(TestControlPlane.JOBSET_CONTROLLER, List.of());
        // the one Kubeflow kind this test submits: each other scheme would wait for a CRD not installed here
        trainingOperator = TestControlPlane.get().start(TestControlPlane.TRAINING_OPERATOR, List.of("--enable-scheme=pytorchjob"));
    }

    @AfterAll
    static void stopControllers() {
        for (TestControlPlane.Component c : new TestControlPlane.Component[] {trainingOperator, jobSetController, controllers}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @BeforeEach
    void setUp() {
        client = TestControlPlane.get().newClient();
        KubeTests.cleanCluster(client);
        KubeTests.createIfAbsent(client, namespace(NS, Keys.QUEUE_LABEL, "team"));
        KubeTests.serviceAccount(client, NS);
        client.resource(queue("team").gpu("64", 1, "-1").build()).create();
        for (String clique : List.of("a", "b")) {
            for (int i = 0; i < 2; i++) {
                client.resource(node(clique + i, 8, Keys.CLIQUE_LABEL, "clique-" + clique)).create();
            }
        }
        TestingKubelet.readyNodes(client);
        watch = client.pods().inNamespace(NS).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod p) {
                createdAt.putIfAbsent(p.getMetadata().getName(), System.nanoTime());
                if (p.getSpec().getNodeName() != null) {
                    boundAt.putIfAbsent(p.getMetadata().getName(), System.nanoTime());
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
        scheduler = new SchedulerService(client, PhalanxConfig.defaults().withCyclePeriod("1s"), Policies.reproducible(),
                Clock.SYSTEM).start();
    }

    @AfterEach
    void tearDown() {
        watch.close();
        scheduler.close();
        for (String api : List.of("jobset.x-k8s.io/v1alpha2:JobSet", "kubeflow.org/v1:PyTorchJob", "scheduling.k8s.io/v1beta1:PodGroup")) {
            String[] a = api.split(":");
            client.genericKubernetesResources(a[0], a[1]).inNamespace(NS).delete();
        }
        client.close();
    }

    private GenericKubernetesResource create(GenericKubernetesResource workload) {
        return client.resource(workload).create();
    }

    /** The controllers this test runs, alive, or what the one that died said last. */
    private static void allAlive() {
        for (TestControlPlane.Component c : List.of(controllers, jobSetController, trainingOperator)) {
            assertThat(c.process().isAlive()).as("%s exited:%n%s", c.name(), c.tail()).isTrue();
        }
    }

    private Map<String, String> nodesOf(String prefix) {
        Map<String, String> out = new java.util.TreeMap<>();
        for (Pod p : client.pods().inNamespace(NS).list().getItems()) {
            if (p.getMetadata().getName().startsWith(prefix)) {
                out.put(p.getMetadata().getName(), p.getSpec().getNodeName());
            }
        }
        return out;
    }

    private List<Event> eventsOn(String kind, String name) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> kind.equals(e.getInvolvedObject().getKind()) && name.equals(e.getInvolvedObject().getName())).toList();
    }

    /** Every member of the gang whose pods start with {@code prefix} was bound only after all of them existed. */
    private void startedWhole(String prefix, int members) {
        Set<String> pods = new HashSet<>(nodesOf(prefix).keySet());
        assertThat(pods).hasSize(members);
        long lastCreated = pods.stream().mapToLong(createdAt::get).max().orElseThrow();
        long firstBound = pods.stream().mapToLong(boundAt::get).min().orElseThrow();
        assertThat(firstBound).as("%s: no member bound before the whole gang existed", prefix).isGreaterThanOrEqualTo(lastCreated);
    }

    @Test
    void aJobAJobSetAPyTorchJobAndANativePodGroupEachStartWholeInOneDomain() {
        create(Workloads.job(NS, "train", 8, 1, Keys.TOPOLOGY_REQUIRED_ANNOTATION, Keys.CLIQUE_LABEL));
        GenericKubernetesResource sweep = create(Workloads.jobSet(NS, "sweep", 2, 4, 1, Keys.TOPOLOGY_REQUIRED_ANNOTATION,
                Keys.CLIQUE_LABEL));
        create(Workloads.pyTorchJob(NS, "llama", 7, 1, Keys.TOPOLOGY_REQUIRED_ANNOTATION, Keys.CLIQUE_LABEL));
        create(Workloads.nativePodGroup(NS, "infer", 4, Keys.CLIQUE_LABEL));
        for (int i = 0; i < 4; i++) {
            client.resource(Workloads.nativeMember(NS, "infer-" + i, "infer", 1)).create();
        }

        // JobSet's defaulting webhook answered the API server before the JobSet was stored
        assertThat(sweep.getAdditionalProperties().get("spec")).asString().contains("successPolicy={operator=All");
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            allAlive();
            List<Pod> all = client.pods().inNamespace(NS).list().getItems();
            assertThat(all).hasSize(28).allSatisfy(p -> assertThat(p.getSpec().getNodeName()).isNotNull());
        });
        for (String gang : List.of("train-", "sweep-", "llama-", "infer-")) {
            Set<String> cliques = new HashSet<>();
            nodesOf(gang).values().forEach(n -> cliques.add(n.substring(0, 1)));
            assertThat(cliques).as("%s in one NVLink domain", gang).hasSize(1);
        }
        startedWhole("train-", 8);
        startedWhole("sweep-", 8);
        startedWhole("llama-", 8);
        startedWhole("infer-", 4);

        // the operators' own work: the JobSet controller's Jobs and the training operator's pods and Services
        assertThat(client.batch().v1().jobs().inNamespace(NS).withLabel("jobset.sigs.k8s.io/jobset-name", "sweep").list()
                .getItems()).extracting(j -> j.getMetadata().getName()).containsExactlyInAnyOrder("sweep-workers-0", "sweep-workers-1");
        assertThat(client.pods().inNamespace(NS).withLabel("training.kubeflow.org/job-name", "llama").list().getItems()).hasSize(8)
                .allSatisfy(p -> assertThat(p.getMetadata().getOwnerReferences()).singleElement()
                        .satisfies(o -> assertThat(o.getKind()).isEqualTo("PyTorchJob")));
        assertThat(client.services().inNamespace(NS).withName("llama-master-0").get()).isNotNull();

        // the gangs Phalanx formed: one PodGroup per workload, owned by it, none written by hand
        Map<String, PodGroup> groups = new java.util.TreeMap<>();
        client.resources(PodGroup.class).inNamespace(NS).list().getItems().forEach(g -> groups.put(g.getMetadata().getName(), g));
        assertThat(groups).containsOnlyKeys("job-train", "jobset-sweep", "pytorchjob-llama");
        assertThat(groups.get("jobset-sweep").getSpec().getMinMember()).isEqualTo(8);
        assertThat(groups.get("pytorchjob-llama").getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getKind()).isEqualTo("PyTorchJob"));
        // a bound member keeps its gang in an annotation its binding carried
        Pod member = client.pods().inNamespace(NS).withName("llama-worker-0").get();
        assertThat(member.getMetadata().getAnnotations()).containsEntry(Keys.POD_GROUP_LABEL, "pytorchjob-llama");
        // and each workload was told which PodGroup it got
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(eventsOn("Job", "train")).anySatisfy(e -> assertThat(e.getMessage())
                    .isEqualTo("its pods start together as PodGroup job-train (minMember 8: parallelism 8 of Job train)"));
            assertThat(eventsOn("JobSet", "sweep")).anySatisfy(e -> assertThat(e.getReason()).isEqualTo(Keys.POD_GROUP_ASSIGNED_REASON));
            assertThat(eventsOn("PyTorchJob", "llama")).anySatisfy(e -> assertThat(e.getMessage()).contains("PodGroup pytorchjob-llama"));
            assertThat(eventsOn("PodGroup", "infer")).anySatisfy(e -> assertThat(e.getReason()).isEqualTo("Scheduled"));
        });
    }

    @Test
    void aJobTooLargeForAnyDomainBindsNoneOfItsPodsAndSaysWhy() {
        create(Workloads.job(NS, "huge", 20, 1, Keys.TOPOLOGY_REQUIRED_ANNOTATION, Keys.CLIQUE_LABEL));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            PodGroup g = client.resources(PodGroup.class).inNamespace(NS).withName("job-huge").get();
            assertThat(g).isNotNull();
            assertThat(g.getStatus()).isNotNull();
            assertThat(g.getStatus().getConditions()).anySatisfy(c -> assertThat(c.getMessage())
                    .isEqualTo("needs 20 nvidia.com/gpu for 20 pods in one nvidia.com/gpu.clique; the best, clique-a, has 16 "
                            + "nvidia.com/gpu free; it would not fit even the empty cluster"));
        });
        assertThat(nodesOf("huge-")).hasSize(20).allSatisfy((pod, node) -> assertThat(node).isNull());
    }
}
