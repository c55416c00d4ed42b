package dev.phalanx.core.kube;

import dev.phalanx.core.model.AffinityTerm;
import dev.phalanx.core.model.HostPort;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodSelector;
import dev.phalanx.core.model.SpreadConstraint;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.PodAffinityTermBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podInfo;
import static dev.phalanx.testing.Testing.tainted;
import static org.assertj.core.api.Assertions.assertThat;

/** What a pod asks of the pods around it, and whether a node takes new pods, read as Kubernetes means them. */
class KubeObjectsConstraintsTest {
    @Test
    void aTermNamingNoNamespaceCoversThePodsOwnAndMatchLabelKeysPinTheSelectorToThePodsValues() {
        var term = new PodAffinityTermBuilder().withTopologyKey(Keys.HOSTNAME_LABEL).withNewLabelSelector()
                .addToMatchLabels("app", "train").endLabelSelector().withMatchLabelKeys("job", "absent")
                .withMismatchLabelKeys("team").build();
        PodInfo p = podInfo(pod("ml", "w0").label("app", "train").label("job", "j1").label("team", "a").antiAffinity(term).build());
        AffinityTerm t = p.constraints().podAffinity().requiredAnti().get(0);
        assertThat(t.namespaces()).containsExactly("ml");
        assertThat(t.namespaceSelector()).isNull();
        assertThat(t.selector().matches(Map.of("app", "train", "job", "j1", "team", "b"))).isTrue();
        assertThat(t.selector().matches(Map.of("app", "train", "job", "j2", "team", "b"))).isFalse(); // another job
        assertThat(t.selector().matches(Map.of("app", "train", "job", "j1", "team", "a"))).isFalse(); // its own team
        assertThat(t.selector().pinnedLabel()).isEqualTo("app=train");
    }

    @Test
    void anEmptyNamespaceSelectorCoversEveryNamespaceAndAMissingLabelSelectorMatchesNoPod() {
        var term = new PodAffinityTermBuilder().withTopologyKey(Keys.ZONE_LABEL).withNewNamespaceSelector().endNamespaceSelector()
                .build();
        PodInfo p = podInfo(pod("ml", "w0").affinity(term).build());
        AffinityTerm t = p.constraints().podAffinity().required().get(0);
        assertThat(t.covers("other", Map.of())).isTrue();
        assertThat(t.selector()).isEqualTo(PodSelector.NOTHING);
        assertThat(t.selector().matches(Map.of())).isFalse();
        assertThat(p.constraints().watchesNeighbours()).isTrue();
    }

    @Test
    void preferredTermsKeepTheirWeights() {
        PodInfo p = podInfo(pod("ml", "w0").preferAffinity(80, Keys.RACK_LABEL, "app", "db")
                .preferAntiAffinity(20, Keys.HOSTNAME_LABEL, "app", "web").build());
        assertThat(p.constraints().podAffinity().preferred().get(0).weight()).isEqualTo(80);
        assertThat(p.constraints().podAffinity().preferredAnti().get(0).weight()).isEqualTo(20);
        assertThat(p.constraints().hasPreferences()).isTrue();
    }

    @Test
    void spreadConstraintsTakeKubeSchedulersDefaultsAndFoldMatchLabelKeysIn() {
        var c = new TopologySpreadConstraintBuilder().withMaxSkew(2).withTopologyKey(Keys.ZONE_LABEL)
                .withWhenUnsatisfiable("DoNotSchedule").withNewLabelSelector().addToMatchLabels("app", "train").endLabelSelector()
                .withMatchLabelKeys("pod-template-hash").build();
        PodInfo p = podInfo(pod("ml", "w0").label("pod-template-hash", "abc").spread(c).build());
        SpreadConstraint s = p.constraints().spread().get(0);
        assertThat(s.hard()).isTrue();
        assertThat(s.maxSkew()).isEqualTo(2);
        assertThat(s.minDomains()).isEqualTo(1);
        assertThat(s.honorNodeAffinity()).isTrue();
        assertThat(s.honorTaints()).isFalse();
        assertThat(s.selector().matches(Map.of("app", "train", "pod-template-hash", "abc"))).isTrue();
        assertThat(s.selector().matches(Map.of("app", "train", "pod-template-hash", "old"))).isFalse();

        var soft = new TopologySpreadConstraintBuilder().withMaxSkew(1).withTopologyKey(Keys.HOSTNAME_LABEL)
                .withWhenUnsatisfiable("ScheduleAnyway").withMinDomains(3).withNodeAffinityPolicy("Ignore")
                .withNodeTaintsPolicy("Honor").build();
        SpreadConstraint t = podInfo(pod("ml", "w1").spread(soft).build()).constraints().spread().get(0);
        assertThat(t.hard()).isFalse();
        assertThat(t.minDomains()).isEqualTo(3);
        assertThat(t.honorNodeAffinity()).isFalse();
        assertThat(t.honorTaints()).isTrue();
        assertThat(t.selector()).isEqualTo(PodSelector.NOTHING);
    }

    @Test
    void hostPortsOfContainersAndSidecarsCountWithTcpAndEveryAddressByDefault() {
        var p = pod("net", "proxy").hostPort(8080, null, null).build();
        p.getSpec().setInitContainers(List.of(
                new ContainerBuilder().withName("setup").withImage("busybox").addNewPort().withContainerPort(9)
                        .withHostPort(9).endPort().build(),
                new ContainerBuilder().withName("sidecar").withImage("busybox").withRestartPolicy("Always").addNewPort()
                        .withContainerPort(53).withHostPort(53).withProtocol("UDP").withHostIP("10.0.0.1").endPort().build()));
        List<HostPort> ports = podInfo(p).constraints().hostPorts();
        assertThat(ports).containsExactlyInAnyOrder(new HostPort("TCP", "0.0.0.0", 8080), new HostPort("UDP", "10.0.0.1", 53));
        assertThat(new HostPort("UDP", null, 53).conflicts(ports.get(0).port() == 53 ? ports.get(0) : ports.get(1))).isTrue();
        assertThat(new HostPort("TCP", "10.0.0.2", 8080).conflicts(new HostPort("TCP", "10.0.0.3", 8080))).isFalse();
        assertThat(new HostPort("TCP", "10.0.0.2", 8080).conflicts(new HostPort("UDP", "10.0.0.2", 8080))).isFalse();
    }

    private static Node withCondition(Node n, String type, String status) {
        n.getStatus().setConditions(List.of(new NodeConditionBuilder().withType(type).withStatus(status).withReason("Test")
                .withLastTransitionTime("2026-01-01T00:00:00Z").build()));
        return n;
    }

    @Test
    void aNodeNotReadyUnreachableOrWithUnhealthyGpusTakesNoNewPods() {
        assertThat(KubeObjects.node(node("ok", 8)).unavailable()).isNull();
        assertThat(KubeObjects.node(withCondition(node("ready", 8), "Ready", "True")).takesNewPods()).isTrue();
        NodeInfo down = KubeObjects.node(withCondition(node("down", 8), "Ready", "False"));
        assertThat(down.unavailable().code()).isEqualTo("notReady");
        assertThat(down.unavailable().since()).isEqualTo(java.time.Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
        assertThat(KubeObjects.node(withCondition(node("gone", 8), "Ready", "Unknown")).unavailable().code()).isEqualTo("unreachable");
        assertThat(KubeObjects.node(tainted(node("t", 8), Keys.UNREACHABLE_TAINT, null, "NoExecute")).unavailable().code())
                .isEqualTo("unreachable");
        assertThat(KubeObjects.node(tainted(node("t2", 8), Keys.NOT_READY_TAINT, null, "NoSchedule")).unavailable().code())
                .isEqualTo("notReady");
        NodeInfo xid = KubeObjects.node(withCondition(node("xid", 8), "GpuXidError", "True"));
        assertThat(xid.unavailable().code()).isEqualTo("gpuUnhealthy");
        assertThat(xid.unavailable().message()).contains("GpuXidError");
        assertThat(KubeObjects.node(withCondition(node("fine", 8), "GpuXidError", "False")).unavailable()).isNull();
        assertThat(KubeObjects.node(withCondition(node("aks", 8), "GPUHealthy", "False")).unavailable().code()).isEqualTo("gpuUnhealthy");
        Node fewer = node("fewer", 8);
        fewer.getStatus().setCapacity(Map.of(Keys.GPU, new Quantity("8"), "cpu", new Quantity("128")));
        fewer.getStatus().getAllocatable().put(Keys.GPU, new Quantity("7"));
        NodeInfo f = KubeObjects.node(fewer);
        assertThat(f.unavailable().code()).isEqualTo("gpuDevicesUnhealthy");
        assertThat(f.unavailable().message()).contains("offers 7 of its 8");
        assertThat(f.takesNewPods()).isFalse();
    }
}
