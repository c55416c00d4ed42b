package dev.phalanx.core.cycle;

import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.SnapshotAssembler;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podInfo;
import static dev.phalanx.testing.Testing.requirement;
import static dev.phalanx.testing.Testing.tainted;
import static org.assertj.core.api.Assertions.assertThat;

class CapacityViewTest {
    private static CapacityView view(List<PodInfo> bound, int gpus) {
        Snapshot s = new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(0, List.of(KubeObjects.node(node("n", gpus))),
                bound, List.of(), Map.of(), Map.of(), Map.of());
        return new CapacityView(s);
    }

    @Test
    void fractionsShareTheFullestDeviceThatStillHoldsThem() {
        CapacityView v = view(List.of(podInfo(pod("a", "x").gpuFraction("0.5").onNode("n").build())), 2);
        PodInfo quarter = podInfo(pod("a", "q").gpuFraction("0.25").build());
        assertThat(v.chooseDevices(0, quarter)).containsExactly(0); // device 0 has 0.5 free, device 1 has 1
        PodInfo threeQuarters = podInfo(pod("a", "t").gpuFraction("0.75").build());
        assertThat(v.chooseDevices(0, threeQuarters)).containsExactly(1);
    }

    @Test
    void aWholeGpuPodNeedsUntouchedDevices() {
        CapacityView v = view(List.of(podInfo(pod("a", "x").gpuFraction("0.1").onNode("n").build())), 2);
        PodInfo two = podInfo(pod("a", "two").gpus(2).build());
        assertThat(v.fits(two, 0)).isFalse(); // 1.9 GPUs free in total, but only one whole device
        assertThat(v.wholeFreeDevices(0)).isEqualTo(1);
        assertThat(v.chooseDevices(0, podInfo(pod("a", "one").gpus(1).build()))).containsExactly(1);
    }

    @Test
    void anObserverHearsOfEveryNodeWhoseFreeCapacityChangesButNotOfCopies() {
        CapacityView v = view(List.of(), 8);
        List<Integer> heard = new java.util.ArrayList<>();
        v.observe(heard::add);
        PodInfo p = podInfo(pod("a", "p").gpus(3).build());
        List<Integer> devices = v.chooseDevices(0, p);
        v.take(0, p, devices);
        v.give(0, p, devices);
        v.occupy(0);
        v.release(0);
        assertThat(heard).containsExactly(0, 0, 0, 0);
        v.copy().take(0, p, devices);
        assertThat(heard).hasSize(4);
    }

    @Test
    void aViewWithOtherPodsKeepsTheFreeCapacityAsItIsAndHoldsThosePods() {
        PodInfo running = podInfo(pod("a", "r").gpus(2).onNode("n").build());
        CapacityView v = view(List.of(running), 8);
        PodInfo placed = podInfo(pod("a", "p").gpus(3).build());
        v.take(0, placed, v.chooseDevices(0, placed));
        PodInfo waiting = podInfo(pod("a", "w").gpus(1).build());
        CapacityView next = v.withPods(List.of(running, placed.bound("n", List.of(2, 3, 4)), waiting));
        assertThat(next.freeGpuMilli(0)).isEqualTo(3000);
        assertThat(next.deviceFreeMilli(0)).isEqualTo(v.deviceFreeMilli(0));
        assertThat(next.pods()).extracting(PodInfo::name).containsExactly("r", "p", "w");
        assertThat(v.pods()).extracting(PodInfo::name).containsExactly("r");
        next.take(0, waiting, next.chooseDevices(0, waiting));
        assertThat(v.freeGpuMilli(0)).as("the copy is independent").isEqualTo(3000);
    }

    @Test
    void takeAndGiveAreExactInverses() {
        CapacityView v = view(List.of(), 8);
        PodInfo p = podInfo(pod("a", "p").gpus(3).build());
        List<Integer> devices = v.chooseDevices(0, p);
        v.take(0, p, devices);
        assertThat(v.freeGpuMilli(0)).isEqualTo(5000);
        assertThat(v.wholeFreeDevices(0)).isEqualTo(5);
        v.give(0, p, devices);
        assertThat(v.freeGpuMilli(0)).isEqualTo(8000);
        assertThat(v.wholeFreeDevices(0)).isEqualTo(8);
    }

    @Test
    void aNodeWithoutTheResourceCannotRunThePod() {
        assertThat(CapacityView.infeasibility(podInfo(pod("a", "p").gpus(1).build()), KubeObjects.node(node("cpu-only", 0))))
                .isEqualTo("resource");
    }

    private static final String H100 = "NVIDIA-H100-80GB-HBM3";
    private static final String A100 = "NVIDIA-A100-SXM4-80GB";

    private static NodeInfo gpuNode(String name, String product, String zone) {
        return KubeObjects.node(node(name, 8, Keys.GPU_PRODUCT_LABEL, product, Keys.ZONE_LABEL, zone));
    }

    @Test
    void requiredAffinityTermsAreOredAndTheirRequirementsAnded() {
        PodInfo p = podInfo(pod("a", "p").gpus(1)
                .affinityTerm(requirement(Keys.ZONE_LABEL, "In", "z1"), requirement(Keys.GPU_PRODUCT_LABEL, "In", H100))
                .affinityTerm(requirement(Keys.ZONE_LABEL, "In", "z2"))
                .build());
        assertThat(CapacityView.infeasibility(p, gpuNode("h-z1", H100, "z1"))).isNull();
        assertThat(CapacityView.infeasibility(p, gpuNode("a-z2", A100, "z2"))).isNull();
        assertThat(CapacityView.infeasibility(p, gpuNode("h-z3", H100, "z3"))).isEqualTo("affinity");
    }

    @Test
    void aGpuModelAskedForByNodeSelectorOrAffinityIsNamedAsSuch() {
        NodeInfo a100 = gpuNode("a", A100, "z1");
        assertThat(CapacityView.infeasibility(podInfo(pod("a", "p").gpus(1).nodeSelector(Keys.GPU_PRODUCT_LABEL, H100).build()), a100))
                .isEqualTo("gpuModel");
        PodInfo notA100 = podInfo(pod("a", "p").gpus(1).affinityTerm(requirement(Keys.GPU_PRODUCT_LABEL, "NotIn", A100)).build());
        assertThat(CapacityView.infeasibility(notA100, a100)).isEqualTo("gpuModel");
        assertThat(CapacityView.infeasibility(notA100, gpuNode("h", H100, "z1"))).isNull();
        // when another requirement fails too, the node is ruled out by affinity whatever its model
        PodInfo both = podInfo(pod("a", "p").gpus(1)
                .affinityTerm(requirement(Keys.ZONE_LABEL, "In", "z2"), requirement(Keys.GPU_PRODUCT_LABEL, "In", H100)).build());
        assertThat(CapacityView.infeasibility(both, a100)).isEqualTo("affinity");
    }

    @Test
    void anAffinityTermWithoutRequirementsMatchesNoNode() {
        PodInfo p = podInfo(pod("a", "p").affinityTerm().build());
        assertThat(CapacityView.infeasibility(p, gpuNode("n", H100, "z1"))).isEqualTo("affinity");
    }

    @Test
    void aTaintIsToleratedOnlyByAMatchingToleration() {
        NodeInfo reserved = KubeObjects.node(tainted(node("r", 8), "gpu", "reserved", "NoSchedule"));
        assertThat(CapacityView.infeasibility(podInfo(pod("a", "p").build()), reserved)).isEqualTo("taint");
        assertThat(CapacityView.infeasibility(podInfo(pod("a", "p").tolerate("gpu", "reserved", "NoSchedule").build()), reserved))
                .isNull();
    }

    private static CapacityView cluster(List<PodInfo> bound, String... nodeAndDomain) {
        List<NodeInfo> nodes = new java.util.ArrayList<>();
        for (int k = 0; k < nodeAndDomain.length; k += 2) {
            nodes.add(KubeObjects.node(node(nodeAndDomain[k], 8, Keys.CLIQUE_LABEL, nodeAndDomain[k + 1])));
        }
        return new CapacityView(new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(0, nodes, bound, List.of(), Map.of(),
                Map.of(), Map.of()));
    }

    @Test
    void bestFitOrderGoesFromTheLeastFreeGpuUpAndFollowsEveryTake() {
        CapacityView v = cluster(List.of(podInfo(pod("a", "x").gpus(6).onNode("b").build())), "a", "c1", "b", "c1", "c", "c2");
        List<Integer> order = new java.util.ArrayList<>();
        v.bestFitOrder(1000).forEach(order::add);
        assertThat(order).containsExactly(1, 0, 2); // b has 2 free, a and c 8 each: a first by index
        PodInfo seven = podInfo(pod("a", "seven").gpus(7).build());
        v.take(2, seven, v.chooseDevices(2, seven));
        order.clear();
        v.bestFitOrder(2000).forEach(order::add);
        assertThat(order).containsExactly(1, 0); // c has 1 free now
    }

    @Test
    void aTopologyIndexKeepsEachDomainsFreeGpuCurrent() {
        CapacityView v = cluster(List.of(podInfo(pod("a", "x").gpus(6).onNode("b").build())), "a", "c1", "b", "c1", "c", "c2");
        TopologyIndex cliques = v.topology(Keys.CLIQUE_LABEL);
        assertThat(cliques.size()).isEqualTo(2);
        int c1 = cliques.domain("c1");
        assertThat(cliques.freeGpuMilli(c1)).isEqualTo(10_000);
        assertThat(cliques.totalGpuMilli(c1)).isEqualTo(16_000);
        assertThat(cliques.wholeGpuPodsAtMost(c1, 4)).isEqualTo(2); // a holds two, b none
        PodInfo four = podInfo(pod("a", "four").gpus(4).build());
        v.take(0, four, v.chooseDevices(0, four));
        assertThat(cliques.freeGpuMilli(c1)).isEqualTo(6_000);
        assertThat(cliques.wholeGpuPodsAtMost(c1, 4)).isEqualTo(1);
        List<Integer> leastFree = new java.util.ArrayList<>();
        cliques.leastFreeFirst(0).forEach(leastFree::add);
        assertThat(leastFree).containsExactly(c1, cliques.domain("c2"));
    }

    @Test
    void copiesThatFitCountsFractionsPerDeviceAndWholePodsPerUntouchedDevice() {
        CapacityView v = view(List.of(podInfo(pod("a", "x").gpuFraction("0.5").onNode("n").build())), 2);
        assertThat(v.copiesThatFit(podInfo(pod("a", "q").gpuFraction("0.25").build()), 0)).isEqualTo(6); // 2 + 4
        assertThat(v.copiesThatFit(podInfo(pod("a", "one").gpus(1).build()), 0)).isEqualTo(1);
    }
}
