package dev.phalanx.placement;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.cycle.PlacementPolicy;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodGroupInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.SnapshotAssembler;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static dev.phalanx.testing.Testing.tainted;
import static org.assertj.core.api.Assertions.assertThat;

class BestFitPlacementTest {
    private final BestFitPlacement placement = new BestFitPlacement();

    /** Nodes named {@code <clique>-<i>}, {@code perClique[k]} 8-GPU nodes in clique k. */
    private static List<Node> cliques(int... perClique) {
        List<Node> nodes = new ArrayList<>();
        for (int c = 0; c < perClique.length; c++) {
            for (int i = 0; i < perClique[c]; i++) {
                nodes.add(node("c" + c + "-" + i, 8, Keys.CLIQUE_LABEL, "c" + c, Keys.RACK_LABEL, "r" + c));
            }
        }
        return nodes;
    }

    private record Setup(Gang gang, CapacityView view) {
    }

    private static Setup setup(List<Node> nodes, List<Pod> running, int members, int gpusEach, String required, String preferred) {
        List<PodInfo> pods = new ArrayList<>();
        running.forEach(p -> pods.add(KubeObjects.pod(p, x -> 0, 0)));
        for (int i = 0; i < members; i++) {
            pods.add(KubeObjects.pod(pod("ns", "g-" + i).group("g").gpus(gpusEach).build(), x -> 0, 0));
        }
        var pg = podGroup("ns", "g", members).queue("q");
        if (required != null) {
            pg.required(required);
        }
        if (preferred != null) {
            pg.preferred(preferred);
        }
        PodGroupInfo g = KubeObjects.podGroup(pg.build(), 0);
        Snapshot s = new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(0, nodes.stream().map(KubeObjects::node).toList(),
                pods, List.of(g), Map.of("q", KubeObjects.queue(queue("q").build(), 0)), Map.of(), Map.of());
        Gang gang = s.gangs().stream().filter(x -> x.name().equals("g")).findFirst().orElseThrow();
        return new Setup(gang, new CapacityView(s));
    }

    private static List<String> nodesOf(PlacementPolicy.Placement p) {
        return p.bindings().stream().map(Binding::node).toList();
    }

    @Test
    void aRequiredTopologyGangGoesToTheSmallestDomainThatHoldsIt() {
        // cliques of 4, 2 and 3 nodes (32, 16, 24 GPUs); a 16-GPU gang fits c1 exactly
        Setup s = setup(cliques(4, 2, 3), List.of(), 2, 8, Keys.CLIQUE_LABEL, null);
        PlacementPolicy.Placement p = placement.place(s.gang(), s.gang().pending(), s.view());
        assertThat(p.placed()).isTrue();
        assertThat(nodesOf(p)).allMatch(n -> n.startsWith("c1-"));
    }

    @Test
    void aGangThatFitsNoDomainIsNotPlacedAtAllAndSaysWhichDomainCameClosest() {
        // 16 GPUs needed in one clique; c0 has 12 free, c1 has 8 free; 40 free in total
        List<Pod> running = List.of(pod("x", "r0").gpus(4).onNode("c0-0").build(), pod("x", "r1").gpus(8).onNode("c1-0").build());
        Setup s = setup(cliques(2, 2), running, 4, 4, Keys.CLIQUE_LABEL, null);
        PlacementPolicy.Placement p = placement.place(s.gang(), s.gang().pending(), s.view());
        assertThat(p.placed()).isFalse();
        assertThat(p.bindings()).isEmpty();
        assertThat(p.reasonCode()).isEqualTo("TopologyUnsatisfiable");
        assertThat(p.reason()).isEqualTo("needs 16 nvidia.com/gpu for 4 pods in one nvidia.com/gpu.clique; the best, c0, has 12 nvidia.com/gpu free");
    }

    @Test
    void nodesAreFilledBestFitSoWholeNodesStayFree() {
        // n-a has 4 GPUs free, n-b 8: a 4-GPU pod goes to n-a
        List<Node> nodes = List.of(node("n-a", 8), node("n-b", 8));
        Setup s = setup(nodes, List.of(pod("x", "r").gpus(4).onNode("n-a").build()), 1, 4, null, null);
        assertThat(nodesOf(placement.place(s.gang(), s.gang().pending(), s.view()))).containsExactly("n-a");
    }

    @Test
    void aPreferredTopologyFallsBackToSpanningDomainsWhenNoneHoldsTheGang() {
        Setup s = setup(cliques(1, 1), List.of(), 2, 8, null, Keys.RACK_LABEL);
        PlacementPolicy.Placement p = placement.place(s.gang(), s.gang().pending(), s.view());
        assertThat(p.placed()).isTrue();
        assertThat(nodesOf(p)).containsExactlyInAnyOrder("c0-0", "c1-0");
    }

    @Test
    void placementLeavesTheViewUnchanged() {
        Setup s = setup(cliques(2), List.of(), 2, 8, Keys.CLIQUE_LABEL, null);
        placement.place(s.gang(), s.gang().pending(), s.view());
        assertThat(s.view().freeGpuMilli(0) + s.view().freeGpuMilli(1)).isEqualTo(16_000);
    }

    @Test
    void taintsAndNodeSelectorsRuleNodesOutAndTheReasonCountsThem() {
        Node tainted = node("t", 8);
        tainted.setSpec(new io.fabric8.kubernetes.api.model.NodeSpec());
        tainted.getSpec().setTaints(List.of(new TaintBuilder().withKey("gpu").withValue("reserved").withEffect("NoSchedule").build()));
        Node cordoned = node("c", 8);
        cordoned.setSpec(new io.fabric8.kubernetes.api.model.NodeSpec());
        cordoned.getSpec().setUnschedulable(true);
        Setup s = setup(List.of(tainted, cordoned), List.of(), 1, 1, null, null);
        PlacementPolicy.Placement p = placement.place(s.gang(), s.gang().pending(), s.view());
        assertThat(p.reasonCode()).isEqualTo("NoFeasibleNode");
        assertThat(p.reason()).isEqualTo("no node can run pod ns/g-0: of 2 nodes, 1 have taints it does not tolerate, 1 cordoned");
    }

    @Test
    void threePodsOfHalfANodeSplitTwoAndOneOverTwoNodes() {
        // 3 pods of 4 GPUs onto two 8-GPU nodes: two share one node, the third goes to the other
        Setup s = setup(List.of(node("a", 8), node("b", 8)), List.of(), 3, 4, null, null);
        List<String> nodes = nodesOf(placement.place(s.gang(), s.gang().pending(), s.view()));
        assertThat(nodes).hasSize(3);
        assertThat(nodes.stream().filter("a"::equals).count()).isLessThanOrEqualTo(2);
        assertThat(nodes.stream().filter("b"::equals).count()).isLessThanOrEqualTo(2);
    }

    @Test
    void aPodAskingForAnotherGpuModelSaysSo() {
        List<Node> nodes = List.of(node("a100", 8, Keys.GPU_PRODUCT_LABEL, "NVIDIA-A100-SXM4-80GB"),
                tainted(node("h100", 8, Keys.GPU_PRODUCT_LABEL, "NVIDIA-H100-80GB-HBM3"), "team", "b", "NoSchedule"));
        List<PodInfo> pods = List.of(KubeObjects.pod(pod("ns", "g-0").group("g").gpus(1)
                .nodeSelector(Keys.GPU_PRODUCT_LABEL, "NVIDIA-H100-80GB-HBM3").build(), x -> 0, 0));
        PodGroupInfo g = KubeObjects.podGroup(podGroup("ns", "g", 1).queue("q").build(), 0);
        Snapshot s = new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(0, nodes.stream().map(KubeObjects::node).toList(),
                pods, List.of(g), Map.of("q", KubeObjects.queue(queue("q").build(), 0)), Map.of(), Map.of());
        Gang gang = s.gangs().get(0);
        PlacementPolicy.Placement p = placement.place(gang, gang.pending(), new CapacityView(s));
        assertThat(p.reasonCode()).isEqualTo("NoFeasibleNode");
        assertThat(p.reason()).isEqualTo("no node can run pod ns/g-0: of 2 nodes, "
                + "1 have another GPU model (nvidia.com/gpu.product) than it asks for, 1 have taints it does not tolerate");
    }
}
