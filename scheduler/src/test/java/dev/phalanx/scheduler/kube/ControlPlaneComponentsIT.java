package dev.phalanx.scheduler.kube;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real Kubernetes components the tests run beside the API server, built from the same module: the Job
 * controller of kube-controller-manager creates a Job's pods, and kube-scheduler binds a pod of its own.
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
}
