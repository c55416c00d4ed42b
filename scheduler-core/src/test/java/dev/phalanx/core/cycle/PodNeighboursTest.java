package dev.phalanx.core.cycle;

import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NamespaceInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.SnapshotAssembler;
import dev.phalanx.testing.Testing;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PodAffinityTermBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podInfo;
import static dev.phalanx.testing.Testing.tainted;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rules about the pods around a pod, on {@link CapacityView} with known answers: inter-pod affinity and
 * anti-affinity (also of the pods already running), topology spread, host ports and a node's pod limit.
 */
class PodNeighboursTest {
    private static final String ZONE = Keys.ZONE_LABEL;
    private static final String HOST = Keys.HOSTNAME_LABEL;

    /** Four nodes, two per zone: a1, a2 in zone a; b1, b2 in zone b. */
    private static List<Node> fourNodes() {
        return new ArrayList<>(List.of(node("a1", 0, ZONE, "a"), node("a2", 0, ZONE, "a"), node("b1", 0, ZONE, "b"),
                node("b2", 0, ZONE, "b")));
    }

    private static CapacityView view(List<Node> nodes, List<PodInfo> pods, NamespaceInfo... namespaces) {
        Map<String, NamespaceInfo> ns = new java.util.TreeMap<>();
        for (NamespaceInfo n : namespaces) {
            ns.put(n.name(), n);
        }
        Snapshot s = new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(0, nodes.stream().map(KubeObjects::node).toList(), pods,
                List.of(), Map.of(), ns, Map.of());
        return new CapacityView(s);
    }

    private static List<String> fitting(CapacityView v, PodInfo p) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (v.fits(p, i)) {
                out.add(v.node(i).name());
            }
        }
        return out;
    }

    private static PodInfo running(Testing.PodFixture f, String node) {
        return podInfo(f.onNode(node).build());
    }

    private static void take(CapacityView v, PodInfo p, String node) {
        v.take(v.indexOf(node), p, List.of());
    }

    @Test
    void antiAffinityKeepsAPodOutOfTheDomainOfAMatchingPod() {
        CapacityView v = view(fourNodes(), List.of(running(pod("ml", "db").label("app", "db"), "a1")));
        PodInfo perHost = podInfo(pod("ml", "w").antiAffinity(HOST, "app", "db").build());
        PodInfo perZone = podInfo(pod("ml", "x").antiAffinity(ZONE, "app", "db").build());
        assertThat(fitting(v, perHost)).containsExactly("a2", "b1", "b2");
        assertThat(fitting(v, perZone)).containsExactly("b1", "b2");
        assertThat(v.whyNot(perZone, v.indexOf("a2"))).isEqualTo("podAntiAffinity");
    }

    @Test
    void aRunningPodsAntiAffinityKeepsMatchingPodsOffItsDomain() {
        CapacityView v = view(fourNodes(), List.of(running(pod("ml", "loner").antiAffinity(ZONE, "app", "noisy"), "b1")));
        PodInfo noisy = podInfo(pod("ml", "n").label("app", "noisy").build());
        PodInfo quiet = podInfo(pod("ml", "q").label("app", "quiet").build());
        PodInfo otherNamespace = podInfo(pod("other", "n").label("app", "noisy").build());
        assertThat(fitting(v, noisy)).containsExactly("a1", "a2");
        assertThat(v.whyNot(noisy, v.indexOf("b2"))).isEqualTo("existingAntiAffinity");
        assertThat(fitting(v, quiet)).hasSize(4);
        assertThat(fitting(v, otherNamespace)).hasSize(4); // the term covers the loner's own namespace only
    }

    @Test
    void requiredAffinityFollowsAMatchingPodIntoItsDomainAndNeedsTheKeyOnTheNode() {
        List<Node> nodes = fourNodes();
        nodes.add(node("nolabel", 0));
        CapacityView v = view(nodes, List.of(running(pod("ml", "db").label("app", "db"), "b2")));
        PodInfo near = podInfo(pod("ml", "w").affinity(ZONE, "app", "db").build());
        assertThat(fitting(v, near)).containsExactly("b1", "b2");
        assertThat(v.whyNot(near, v.indexOf("a1"))).isEqualTo("podAffinity");
        assertThat(CapacityView.infeasibility(near, v.node(v.indexOf("nolabel")))).isEqualTo("podAffinityLabel");
    }

    @Test
    void theFirstPodOfAGroupThatFollowsItselfGoesAnywhereAndTheRestFollowIt() {
        CapacityView v = view(fourNodes(), List.of());
        PodInfo first = podInfo(pod("ml", "w0").label("job", "j").affinity(ZONE, "job", "j").build());
        PodInfo second = podInfo(pod("ml", "w1").label("job", "j").affinity(ZONE, "job", "j").build());
        assertThat(fitting(v, first)).hasSize(4);
        take(v, first, "b1");
        assertThat(fitting(v, second)).containsExactly("b1", "b2");
        v.give(v.indexOf("b1"), first, List.of());
        assertThat(fitting(v, second)).hasSize(4); // taking back is exact
        // a pod that does not match its own term is not the first of anything
        PodInfo stranger = podInfo(pod("ml", "s").affinity(ZONE, "job", "j").build());
        assertThat(fitting(v, stranger)).isEmpty();
    }

    @Test
    void affinityTermsReachOtherNamespacesByNameOrBySelector() {
        PodInfo db = running(pod("data", "db").label("app", "db"), "a1");
        var byName = new PodAffinityTermBuilder().withTopologyKey(ZONE).withNamespaces("data").withNewLabelSelector()
                .addToMatchLabels("app", "db").endLabelSelector().build();
        var bySelector = new PodAffinityTermBuilder().withTopologyKey(ZONE).withNewNamespaceSelector()
                .addToMatchLabels("tier", "storage").endNamespaceSelector().withNewLabelSelector().addToMatchLabels("app", "db")
                .endLabelSelector().build();
        CapacityView v = view(fourNodes(), List.of(db), new NamespaceInfo("data", Map.of("tier", "storage")),
                new NamespaceInfo("ml", Map.of()));
        assertThat(fitting(v, podInfo(pod("ml", "w").affinity(byName).build()))).containsExactly("a1", "a2");
        assertThat(fitting(v, podInfo(pod("ml", "x").affinity(bySelector).build()))).containsExactly("a1", "a2");
        assertThat(fitting(v, podInfo(pod("ml", "y").affinity(ZONE, "app", "db").build()))).isEmpty(); // own namespace only
    }

    @Test
    void preferredTermsWeighNodesWithoutRulingAnyOut() {
        CapacityView v = view(fourNodes(), List.of(running(pod("ml", "cache").label("app", "cache"), "b1"),
                running(pod("ml", "web").label("app", "web"), "a1")));
        PodInfo p = podInfo(pod("ml", "w").preferAffinity(50, ZONE, "app", "cache").preferAntiAffinity(100, HOST, "app", "cache")
                .build());
        assertThat(fitting(v, p)).hasSize(4);
        assertThat(v.node(v.mostPreferred(p, List.of(0, 1, 2, 3))).name()).isEqualTo("b2"); // near the cache, not on it
    }

    @Test
    void spreadKeepsSkewWithinMaxSkewCountingOnlyMatchingPodsOfTheNamespace() {
        List<PodInfo> pods = List.of(running(pod("ml", "r0").label("app", "w"), "a1"), running(pod("ml", "r1").label("app", "w"), "a2"),
                running(pod("other", "x0").label("app", "w"), "b1"), running(pod("ml", "y0").label("app", "y"), "b2"));
        CapacityView v = view(fourNodes(), pods);
        PodInfo p = podInfo(pod("ml", "w").label("app", "w").spread(1, ZONE, true, "app", "w").build());
        // zone a holds 2, zone b 0 of the pods counted: only zone b keeps the skew within 1
        assertThat(fitting(v, p)).containsExactly("b1", "b2");
        assertThat(v.whyNot(p, v.indexOf("a1"))).isEqualTo("topologySpread");
        PodInfo loose = podInfo(pod("ml", "l").label("app", "w").spread(3, ZONE, true, "app", "w").build()); // 2 + 1 - 0
        assertThat(fitting(v, loose)).hasSize(4);
        PodInfo unmatched = podInfo(pod("ml", "u").label("app", "other").spread(1, ZONE, true, "app", "w").build());
        assertThat(fitting(v, unmatched)).containsExactly("b1", "b2"); // 2 + 0 - 0 > 1 in zone a, itself not counted
    }

    @Test
    void aGangKeepsItsSpreadAfterEveryMember() {
        CapacityView v = view(fourNodes(), List.of());
        List<String> zones = new ArrayList<>();
        for (int k = 0; k < 6; k++) {
            PodInfo p = podInfo(pod("ml", "w" + k).label("job", "j").spread(1, ZONE, true, "job", "j").build());
            List<String> ok = fitting(v, p);
            String node = ok.get(0);
            take(v, p, node);
            zones.add(v.node(v.indexOf(node)).label(ZONE));
        }
        assertThat(zones).containsExactly("a", "b", "a", "b", "a", "b");
    }

    @Test
    void minDomainsCountsTheLeastLoadedDomainAsEmptyWhileThereAreTooFew() {
        CapacityView v = view(fourNodes(), List.of(running(pod("ml", "r0").label("app", "w"), "a1"),
                running(pod("ml", "r1").label("app", "w"), "b1")));
        var c = new TopologySpreadConstraintBuilder().withMaxSkew(1).withTopologyKey(ZONE).withWhenUnsatisfiable("DoNotSchedule")
                .withMinDomains(3).withNewLabelSelector().addToMatchLabels("app", "w").endLabelSelector().build();
        PodInfo p = podInfo(pod("ml", "w").label("app", "w").spread(c).build());
        assertThat(fitting(v, p)).isEmpty(); // 1 + 1 - 0 > 1 everywhere: a third zone is wanted
    }

    @Test
    void onlyNodesThePodMayUseAreDomainsUnlessTheNodeAffinityPolicyIgnoresThem() {
        List<Node> nodes = fourNodes();
        nodes.add(node("c1", 0, ZONE, "c", "pool", "other"));
        for (Node n : nodes) {
            if (!n.getMetadata().getName().equals("c1")) {
                n.getMetadata().getLabels().put("pool", "train");
            }
        }
        CapacityView v = view(nodes, List.of(running(pod("ml", "r0").label("app", "w"), "a1")));
        PodInfo honour = podInfo(pod("ml", "w").label("app", "w").nodeSelector("pool", "train").spread(1, ZONE, true, "app", "w")
                .build());
        assertThat(fitting(v, honour)).containsExactly("b1", "b2"); // zone c is no domain of its: the least loaded holds 0 in b
        var ignore = new TopologySpreadConstraintBuilder().withMaxSkew(1).withTopologyKey(ZONE).withWhenUnsatisfiable("DoNotSchedule")
                .withNodeAffinityPolicy("Ignore").withNewLabelSelector().addToMatchLabels("app", "w").endLabelSelector().build();
        var moved = new ArrayList<>(List.of(running(pod("ml", "r0").label("app", "w"), "a1"),
                running(pod("ml", "r1").label("app", "w"), "b1")));
        CapacityView v2 = view(nodes, moved);
        PodInfo ignoring = podInfo(pod("ml", "w").label("app", "w").nodeSelector("pool", "train").spread(ignore).build());
        PodInfo honouring = podInfo(pod("ml", "w").label("app", "w").nodeSelector("pool", "train").spread(1, ZONE, true, "app", "w")
                .build());
        assertThat(fitting(v2, honouring)).hasSize(4); // zones a and b hold one each
        assertThat(fitting(v2, ignoring)).isEmpty(); // zone c counts, with none: 1 + 1 - 0 > 1 in a and b
    }

    @Test
    void theTaintsPolicyHonouredLeavesNodesWithUntoleratedTaintsOutOfTheDomains() {
        List<Node> nodes = fourNodes();
        nodes.add(tainted(node("c1", 0, ZONE, "c"), "dedicated", "infra", "NoSchedule"));
        CapacityView v = view(nodes, List.of(running(pod("ml", "r0").label("app", "w"), "a1"),
                running(pod("ml", "r1").label("app", "w"), "b1")));
        var honour = new TopologySpreadConstraintBuilder().withMaxSkew(1).withTopologyKey(ZONE).withWhenUnsatisfiable("DoNotSchedule")
                .withNodeTaintsPolicy("Honor").withNewLabelSelector().addToMatchLabels("app", "w").endLabelSelector().build();
        assertThat(fitting(v, podInfo(pod("ml", "w").label("app", "w").spread(honour).build()))).hasSize(4);
        // by default taints are ignored: zone c is a domain with none, so a and b are full
        assertThat(fitting(v, podInfo(pod("ml", "w").label("app", "w").spread(1, ZONE, true, "app", "w").build()))).isEmpty();
    }

    @Test
    void twoPodsNeverShareAHostPortOnANodeAndEveryAddressConflictsWithAnyOne() {
        CapacityView v = view(fourNodes(), List.of(running(pod("net", "dns").hostPort(53, "UDP", "10.0.0.1"), "a1"),
                running(pod("net", "web").hostPort(80, "TCP", null), "a2")));
        assertThat(fitting(v, podInfo(pod("net", "dns2").hostPort(53, "UDP", null).build()))).containsExactly("a2", "b1", "b2");
        assertThat(fitting(v, podInfo(pod("net", "dns3").hostPort(53, "UDP", "10.0.0.2").build()))).hasSize(4);
        assertThat(fitting(v, podInfo(pod("net", "dns4").hostPort(53, "TCP", "10.0.0.1").build()))).hasSize(4);
        PodInfo web2 = podInfo(pod("net", "web2").hostPort(80, "TCP", "10.0.0.9").build());
        assertThat(fitting(v, web2)).containsExactly("a1", "b1", "b2");
        assertThat(v.whyNot(web2, v.indexOf("a2"))).isEqualTo("hostPort");
        assertThat(v.copiesThatFit(web2, v.indexOf("b1"))).isEqualTo(1);
    }

    @Test
    void aNodeTakesNoMorePodsThanItsPodLimit() {
        Node small = node("small", 0);
        small.getStatus().getAllocatable().put("pods", new Quantity("2"));
        CapacityView v = view(List.of(small), List.of(running(pod("a", "p0").cpu("100m"), "small")));
        PodInfo p = podInfo(pod("a", "p1").cpu("100m").build());
        assertThat(v.copiesThatFit(p, 0)).isEqualTo(1);
        take(v, p, "small");
        assertThat(v.fits(podInfo(pod("a", "p2").cpu("100m").build()), 0)).isFalse();
        assertThat(v.whyNot(podInfo(pod("a", "p2").cpu("100m").build()), 0)).isEqualTo("tooManyPods");
    }

    @Test
    void anEmptiedViewKeepsWhatAffinityFollowsButNothingThatKeepsPodsAway() {
        CapacityView v = view(fourNodes(), List.of(running(pod("ml", "db").label("app", "db").hostPort(5432, "TCP", null), "a1"),
                running(pod("ml", "loner").antiAffinity(ZONE, "app", "noisy"), "b1")));
        CapacityView empty = v.empty();
        assertThat(fitting(empty, podInfo(pod("ml", "w").affinity(ZONE, "app", "db").build()))).containsExactly("a1", "a2");
        assertThat(fitting(empty, podInfo(pod("ml", "n").label("app", "noisy").build()))).hasSize(4);
        assertThat(fitting(empty, podInfo(pod("ml", "pg").hostPort(5432, "TCP", null).build()))).hasSize(4);
    }

    @Test
    void aNodeNotReadyOrWithUnhealthyGpusIsRuledOut() {
        Node down = node("down", 8);
        down.getStatus().setConditions(List.of(new io.fabric8.kubernetes.api.model.NodeConditionBuilder().withType("Ready")
                .withStatus("False").build()));
        Node sick = node("sick", 8);
        sick.getStatus().setConditions(List.of(new io.fabric8.kubernetes.api.model.NodeConditionBuilder().withType("GpuPcieWatch")
                .withStatus("True").build()));
        CapacityView v = view(List.of(down, sick, node("ok", 8)), List.of());
        PodInfo p = podInfo(pod("a", "p").gpus(1).build());
        assertThat(fitting(v, p)).containsExactly("ok");
        assertThat(CapacityView.infeasibility(p, v.node(0))).isEqualTo("notReady");
        assertThat(CapacityView.infeasibility(p, v.node(1))).isEqualTo("gpuUnhealthy");
    }
}
