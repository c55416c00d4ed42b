package dev.phalanx.scheduler.kube;

import dev.phalanx.testing.Workloads;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The real Kubernetes components the tests run beside the API server, built from the same module: the Job
 * controller of kube-controller-manager creates a Job's pods, and kube-scheduler binds a pod of its own. And the
 * workload operators, built from their own modules and run out of cluster with their webhooks registered: JobSet's
 * controller creates a JobSet's Jobs after its webhook defaulted it, and the training operator creates a
 * PyTorchJob's pods after its webhook let it in, and refuses one its webhook finds wrong.
 */
@Tag("kube")
class ControlPlaneComponentsIT {
    private KubernetesClient client;

    @BeforeEach
    void setUp() {
        client = TestControlPlane.get().newClient();
        KubeTests.cleanCluster(client);
    }

    @AfterEach
    void tearDown() {
        client.close();
    }

    @BeforeAll
    static void installWorkloadCrds() throws Exception {
        try (KubernetesClient c = TestControlPlane.get().newClient()) {
            KubeTests.installWorkloadCrds(c);
        }
    }

    @Test
    void kubeSchedulerBindsAPodOfTheDefaultScheduler() throws Exception {
        client.resource(node("ks-0", 8)).create();
        TestingKubelet.readyNodes(client);
        KubeTests.createIfAbsent(client, namespace("ks"));
        KubeTests.serviceAccount(client, "ks");
        client.resource(pod("ks", "plain").gpus(1).scheduler("default-scheduler").build()).create();
        try (var scheduler = TestControlPlane.get().start("kube-scheduler", List.of("--leader-elect=false",
                "--feature-gates=" + TestControlPlane.FEATURE_GATES))) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(scheduler.process().isAlive()).as(scheduler.tail()).isTrue();
                Pod p = client.pods().inNamespace("ks").withName("plain").get();
                assertThat(p.getSpec().getNodeName()).isEqualTo("ks-0");
            });
        }
    }

    @Test
    void theJobControllerCreatesAJobsPods() throws Exception {
        KubeTests.createIfAbsent(client, namespace("jobs"));
        KubeTests.serviceAccount(client, "jobs");
        Job job = new JobBuilder().withNewMetadata().withName("three").withNamespace("jobs").endMetadata()
                .withNewSpec().withParallelism(3).withCompletions(3).withNewTemplate().withNewSpec()
                .withRestartPolicy("Never").addNewContainer().withName("c").withImage("busybox").endContainer()
                .endSpec().endTemplate().endSpec().build();
        client.resource(job).create();
        try (var kcm = TestControlPlane.get().start("kube-controller-manager", List.of("--leader-elect=false",
                "--controllers=job,garbagecollector", "--feature-gates=" + TestControlPlane.FEATURE_GATES))) {
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                assertThat(kcm.process().isAlive()).as(kcm.tail()).isTrue();
                assertThat(client.pods().inNamespace("jobs").withLabel("job-name", "three").list().getItems()).hasSize(3);
            });
        }
        client.batch().v1().jobs().inNamespace("jobs").withName("three").delete();
    }

    @Test
    void theJobSetControllerCreatesTheJobsOfAJobSetItsWebhookDefaulted() throws Exception {
        KubeTests.createIfAbsent(client, namespace("jobsets"));
        try (var controller = TestControlPlane.get().start(TestControlPlane.JOBSET_CONTROLLER, List.of())) {
            GenericKubernetesResource created = client.resource(Workloads.jobSet("jobsets", "pair", 2, 1, 1)).create();
            // the defaulting webhook's doing: a JobSet that names no success policy gets "All"
            assertThat(created.getAdditionalProperties().get("spec")).asString().contains("successPolicy={operator=All");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(controller.process().isAlive()).as(controller.tail()).isTrue();
                assertThat(client.batch().v1().jobs().inNamespace("jobsets").list().getItems())
                        .extracting(j -> j.getMetadata().getName()).containsExactlyInAnyOrder("pair-workers-0", "pair-workers-1");
            });
            Job job = client.batch().v1().jobs().inNamespace("jobsets").withName("pair-workers-0").get();
            assertThat(job.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
                assertThat(o.getKind()).isEqualTo("JobSet");
                assertThat(o.getController()).isTrue();
            });
            assertThat(job.getSpec().getCompletionMode()).isEqualTo("Indexed");
            client.genericKubernetesResources("jobset.x-k8s.io/v1alpha2", "JobSet").inNamespace("jobsets").delete();
        }
        // closing it unregistered its webhooks: pods and JobSets are admitted without it
        assertThat(client.admissionRegistration().v1().mutatingWebhookConfigurations().list().getItems()).isEmpty();
        assertThat(client.admissionRegistration().v1().validatingWebhookConfigurations().list().getItems()).isEmpty();
    }

    @Test
    void theTrainingOperatorCreatesThePodsOfAPyTorchJobItsWebhookLetIn() throws Exception {
        KubeTests.createIfAbsent(client, namespace("torch"));
        GenericKubernetesResource valid = Workloads.pyTorchJob("torch", "pt", 1, 1);
        GenericKubernetesResource invalid = Serialization.unmarshal(Serialization.asJson(Workloads.pyTorchJob("torch", "bad", 1, 1))
                .replace("\"name\":\"pytorch\"", "\"name\":\"main\""), GenericKubernetesResource.class);
        try (var operator = TestControlPlane.get().start(TestControlPlane.TRAINING_OPERATOR, List.of("--enable-scheme=pytorchjob"))) {
            assertThatThrownBy(() -> client.resource(invalid).create()).isInstanceOf(KubernetesClientException.class)
                    .hasMessageContaining("must have at least one container with name pytorch");
            client.resource(valid).create();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(operator.process().isAlive()).as(operator.tail()).isTrue();
                assertThat(client.pods().inNamespace("torch").list().getItems()).extracting(p -> p.getMetadata().getName())
                        .containsExactlyInAnyOrder("pt-master-0", "pt-worker-0");
            });
            client.genericKubernetesResources("kubeflow.org/v1", "PyTorchJob").inNamespace("torch").delete();
        }
        assertThat(client.admissionRegistration().v1().validatingWebhookConfigurations().list().getItems()).isEmpty();
    }
}
