package dev.phalanx.core.kube;

import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodPhase;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.RequiredNodeAffinity;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.podInfo;
import static dev.phalanx.testing.Testing.queue;
import static dev.phalanx.testing.Testing.requirement;
import static org.assertj.core.api.Assertions.assertThat;

class KubeObjectsTest {
    @Test
    void aFractionalGpuPodAsksForThatFractionOfOneDevice() {
        PodInfo p = podInfo(pod("a", "p").gpuFraction("0.25").build());
        assertThat(p.gpuFractionMilli()).isEqualTo(250);
        assertThat(p.requests().milli(Keys.GPU)).isEqualTo(250);
        assertThat(p.wholeGpus()).isZero();
        assertThat(p.invalidReason()).isNull();
    }

    @Test
    void aRequestTooLargeToCountIsReportedOnThePodAndAQueueSaysSoToo() {
        var huge = pod("a", "p").build();
        huge.getSpec().getContainers().get(0).getResources().getRequests()
                .put(Keys.GPU, new io.fabric8.kubernetes.api.model.Quantity("1e30"));
        PodInfo p = podInfo(huge);
        assertThat(p.invalidReason()).contains("too large");
        var q = KubeObjects.queue(dev.phalanx.testing.Testing.queue("q").gpu("1e30", 1, "-1").build(), 0);
        assertThat(q.invalidReason()).contains("too large");
    }

    @Test
    void aMalformedFractionIsReportedOnThePod() {
        for (String bad : new String[]{"half", "1.5", "0", "-0.5"}) {
            PodInfo p = podInfo(pod("a", "p").gpuFraction(bad).build());
            assertThat(p.invalidReason()).contains(Keys.GPU_FRACTION_ANNOTATION).contains("\"" + bad + "\"");
        }
    }

    @Test
    void aGpuLimitWithoutARequestCountsAsTheRequest() {
        PodInfo p = podInfo(pod("a", "p").gpus(4).build());
        assertThat(p.wholeGpus()).isEqualTo(4);
        assertThat(p.requests().units("cpu")).isEqualTo(1);
    }

    private static io.fabric8.kubernetes.api.model.Container container(String name, String cpu, String memory, String restartPolicy) {
        return new io.fabric8.kubernetes.api.model.ContainerBuilder().withName(name).withImage("busybox").withRestartPolicy(restartPolicy)
                .withNewResources().addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity(cpu))
                .addToRequests("memory", new io.fabric8.kubernetes.api.model.Quantity(memory)).endResources().build();
    }

    @Test
    void initContainersNeedTheirPeakAndSidecarsRunBesideTheAppContainers() {
        // app: 2 cpu, 1Gi. init "setup" 3 cpu alone; sidecar "proxy" 1 cpu, 1Gi, started before "migrate" (1 cpu, 4Gi)
        var pod = pod("a", "p").build();
        pod.getSpec().setContainers(List.of(container("app", "2", "1Gi", null)));
        pod.getSpec().setInitContainers(List.of(container("setup", "3", "1Mi", null), container("proxy", "1", "1Gi", "Always"),
                container("migrate", "1", "4Gi", null)));
        PodInfo p = podInfo(pod);
        // running: app + proxy = 3 cpu, 2Gi; init peaks: setup 3 cpu; migrate with proxy 2 cpu, 5Gi
        assertThat(p.requests().units("cpu")).isEqualTo(3);
        assertThat(p.requests().milli("memory")).isEqualTo(5L * 1024 * 1024 * 1024 * 1000);
    }

    @Test
    void aSidecarAloneIsAddedToTheAppContainers() {
        var pod = pod("a", "p").build();
        pod.getSpec().setContainers(List.of(container("app", "2", "1Gi", null)));
        pod.getSpec().setInitContainers(List.of(container("proxy", "500m", "1Gi", "Always")));
        assertThat(podInfo(pod).requests().milli("cpu")).isEqualTo(2500);
    }

    @Test
    void podOverheadIsAddedAndPodLevelRequestsReplaceTheContainersCpuAndMemory() {
        var pod = pod("a", "p").gpus(1).build();
        pod.getSpec().setOverhead(java.util.Map.of("cpu", new io.fabric8.kubernetes.api.model.Quantity("250m"),
                "memory", new io.fabric8.kubernetes.api.model.Quantity("120Mi")));
        PodInfo withOverhead = podInfo(pod);
        assertThat(withOverhead.requests().milli("cpu")).isEqualTo(1250);
        assertThat(withOverhead.requests().milli("memory")).isEqualTo(120L * 1024 * 1024 * 1000);
        pod.getSpec().setResources(new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
                .addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity("4")).build());
        PodInfo podLevel = podInfo(pod);
        assertThat(podLevel.requests().milli("cpu")).isEqualTo(4250);
        assertThat(podLevel.wholeGpus()).isEqualTo(1); // extended resources stay the containers'
    }

    @Test
    void aNegativeOverheadIsReportedOnThePod() {
        var pod = pod("a", "p").build();
        pod.getSpec().setOverhead(java.util.Map.of("cpu", new io.fabric8.kubernetes.api.model.Quantity("-1")));
        assertThat(podInfo(pod).invalidReason()).contains("spec.overhead").contains("negative");
    }

    @Test
    void aPodWithANodeNameIsBound() {
        PodInfo p = podInfo(pod("a", "p").onNode("n1").build());
        assertThat(p.phase()).isEqualTo(PodPhase.BOUND);
        assertThat(p.nodeName()).isEqualTo("n1");
    }

    @Test
    void minMemberBelowOneIsReportedOnThePodGroup() {
        assertThat(KubeObjects.podGroup(podGroup("a", "g", 0).build(), 0).invalidReason())
                .isEqualTo("spec.minMember must be at least 1, got 0");
    }

    @Test
    void aTopologyKeyThatIsNotALabelKeyIsReportedOnThePodGroupAsTheCrdRefusesIt() {
        assertThat(KubeObjects.podGroup(podGroup("a", "g", 2).required("NVLink domain").build(), 0).invalidReason())
                .isEqualTo("spec.topology.required must be a node label key such as nvidia.com/gpu.clique, got \"NVLink domain\"");
        assertThat(KubeObjects.podGroup(podGroup("a", "g", 2).preferred("rack/").build(), 0).invalidReason())
                .startsWith("spec.topology.preferred must be a node label key");
        assertThat(KubeObjects.podGroup(podGroup("a", "g", 2).required(Keys.CLIQUE_LABEL).preferred("kubernetes.io/hostname")
                .build(), 0).invalidReason()).isNull();
    }

    @Test
    void queueLimitMinusOneMeansNoLimitAndALimitBelowQuotaIsInvalid() {
        QueueInfo open = KubeObjects.queue(queue("q").gpu("16", 2, "-1").build(), 0);
        assertThat(open.share(Keys.GPU).limited()).isFalse();
        assertThat(open.share(Keys.GPU).quotaMilli()).isEqualTo(16_000);
        assertThat(open.share(Keys.GPU).overQuotaWeight()).isEqualTo(2);
        QueueInfo bad = KubeObjects.queue(queue("q").gpu("16", 1, "8").build(), 0);
        assertThat(bad.invalidReason()).contains("limit 8 is below its quota 16");
    }

    @Test
    void requiredNodeAffinityIsReadTermByTerm() {
        PodInfo p = podInfo(pod("a", "p")
                .affinityTerm(requirement("zone", "In", "z1", "z2"), requirement("pool", "Exists"))
                .affinityTerm(requirement("zone", "NotIn", "z3"))
                .build());
        assertThat(p.nodeAffinity().isRequired()).isTrue();
        assertThat(p.nodeAffinity().terms()).hasSize(2);
        assertThat(p.nodeAffinity().terms().get(0).matchExpressions())
                .containsExactly(new RequiredNodeAffinity.Requirement("zone", "In", List.of("z1", "z2")),
                        new RequiredNodeAffinity.Requirement("pool", "Exists", List.of()));
        assertThat(podInfo(pod("a", "q").build()).nodeAffinity()).isEqualTo(RequiredNodeAffinity.NONE);
    }

    private static PodInfo withGpus(String quantity) {
        var p = pod("a", "p").build();
        p.getSpec().getContainers().get(0).getResources().getRequests().put(Keys.GPU, new io.fabric8.kubernetes.api.model.Quantity(quantity));
        p.getSpec().getContainers().get(0).getResources().getLimits().put(Keys.GPU, new io.fabric8.kubernetes.api.model.Quantity(quantity));
        return podInfo(p);
    }

    @Test
    void aNegativeRequestIsRefusedOnThePod() {
        assertThat(withGpus("-1").invalidReason())
                .isEqualTo("a container's resource request does not parse: nvidia.com/gpu=-1 in container main is negative");
    }

    @Test
    void aFractionOfAGpuWithoutTheAnnotationIsRefusedAndSaysWhatToUse() {
        assertThat(withGpus("1.5").invalidReason()).contains("nvidia.com/gpu=1.5 in container main is not a whole number")
                .contains("scheduling.phalanx.dev/gpu-fraction");
    }

    @Test
    void aFractionAnnotationNextToWholeGpusIsRefused() {
        var p = pod("a", "p").gpus(1).build();
        p.getMetadata().setAnnotations(new java.util.HashMap<>(java.util.Map.of(Keys.GPU_FRACTION_ANNOTATION, "0.5")));
        assertThat(podInfo(p).invalidReason()).isEqualTo("annotation scheduling.phalanx.dev/gpu-fraction asks for a share of "
                + "one device, but its containers also request 1 whole nvidia.com/gpu, which the kubelet would give it; keep one of the two");
    }

    @Test
    void aQueuesUsageHistoryIsReadFromItsStatusAndIsAbsentWhenItCannotBe() {
        var q = queue("q").build();
        assertThat(KubeObjects.queue(q, 0).history()).isNull();
        var status = new dev.phalanx.api.v1alpha1.QueueStatus();
        status.setDecayedUsage(java.util.Map.of(Keys.GPU, "37.5", Keys.CPU, "250m"));
        status.setDecayedUsageTime("2026-11-30T10:00:00Z");
        status.setAllocated(java.util.Map.of(Keys.GPU, "16"));
        q.setStatus(status);
        var h = KubeObjects.queue(q, 0).history();
        assertThat(h.at()).isEqualTo(java.time.Instant.parse("2026-11-30T10:00:00Z").toEpochMilli());
        assertThat(h.decayed()).containsEntry(Keys.GPU, 37.5).containsEntry(Keys.CPU, 0.25);
        assertThat(h.held()).containsExactlyEntriesOf(java.util.Map.of(Keys.GPU, 16.0));
        status.setDecayedUsageTime("yesterday");
        assertThat(KubeObjects.queue(q, 0).history()).as("a time that cannot be read: no history, the queue still valid").isNull();
        assertThat(KubeObjects.queue(q, 0).invalidReason()).isNull();
    }

    @Test
    void checkpointAnnotationsAreReadAndWhatCannotBeReadCountsAsUnsaid() {
        var p = pod("a", "p").build();
        assertThat(KubeObjects.checkpoint(p.getMetadata())).isNull();
        p.getMetadata().setAnnotations(new java.util.HashMap<>(java.util.Map.of(Keys.CHECKPOINTED_AT_ANNOTATION,
                "2026-11-30T10:00:00+01:00", Keys.CHECKPOINT_INTERVAL_ANNOTATION, "30m")));
        var c = KubeObjects.checkpoint(p.getMetadata());
        assertThat(c.at()).isEqualTo(java.time.Instant.parse("2026-11-30T09:00:00Z").toEpochMilli());
        assertThat(c.intervalMillis()).isEqualTo(1_800_000);
        p.getMetadata().getAnnotations().put(Keys.CHECKPOINTED_AT_ANNOTATION, "soon");
        p.getMetadata().getAnnotations().put(Keys.CHECKPOINT_INTERVAL_ANNOTATION, "often");
        assertThat(KubeObjects.checkpoint(p.getMetadata())).isNull();
    }
}
