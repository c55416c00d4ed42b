package dev.phalanx.placement.solver;

import ai.timefold.solver.core.api.score.stream.test.ConstraintVerifier;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.placement.solver.PlacementJustification.GangPartlyPlaced;
import dev.phalanx.placement.solver.PlacementJustification.GangSpread;
import dev.phalanx.placement.solver.PlacementJustification.NodeRuledOut;
import dev.phalanx.placement.solver.PlacementJustification.Overcommitted;
import dev.phalanx.placement.solver.PlacementJustification.ShapeBroken;
import dev.phalanx.placement.fragmentation.Fragmentation;
import dev.phalanx.placement.fragmentation.PodShape;
import dev.phalanx.placement.fragmentation.Workload;
import io.fabric8.kubernetes.api.model.Node;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podInfo;
import static dev.phalanx.testing.Testing.tainted;
import static org.assertj.core.api.Assertions.assertThat;

/** Each constraint alone, on hand-built facts. */
class PlacementConstraintsTest {
    private static final int NODES = 8; // room in every feasibility memo for the slots a test makes

    private final ConstraintVerifier<PlacementConstraints, PlacementProblem> verifier =
            ConstraintVerifier.build(new PlacementConstraints(), PlacementProblem.class, PodAssignment.class);

    private int nextSlot;

    private NodeSlot slot(Node node, NvlinkDomain domain) {
        NodeInfo info = KubeObjects.node(node);
        int[] devices = new int[info.gpuDevices()];
        Arrays.fill(devices, 1000);
        return new NodeSlot(nextSlot++, info, info.allocatable(), devices, domain);
    }

    private NodeSlot slot(Node node) {
        return slot(node, null);
    }

    /** A node some of whose GPU a running pod holds: {@code deviceFree} per device, in thousandths. */
    private NodeSlot used(String name, int... deviceFree) {
        NodeInfo info = KubeObjects.node(node(name, deviceFree.length));
        long used = Arrays.stream(deviceFree).mapToLong(f -> 1000 - f).sum();
        return new NodeSlot(nextSlot++, info, info.allocatable().subtract(dev.phalanx.core.model.Resources.ofMilli(
                java.util.Map.of(Keys.GPU, used))), deviceFree, null);
    }

    private static GangFact gang(String name, int mustPlace) {
        return new GangFact("ns/" + name, mustPlace, 1, null, null);
    }

    private static PodAssignment on(PodInfo pod, GangFact gang, NodeSlot node) {
        return new PodAssignment(pod, gang, new NodeFeasibility(pod, gang.topologyRequired(), NODES), null, node);
    }

    private static PodInfo gpus(String name, int gpus) {
        return podInfo(pod("ns", name).gpus(gpus).build());
    }

    private static PodInfo fraction(String name, String fraction) {
        return podInfo(pod("ns", name).gpuFraction(fraction).build());
    }

    @Test
    void capacityChargesEachOvercommittedResourceInThousandthsOfTheNode() {
        NodeSlot n = slot(node("n", 8));
        GangFact g = gang("g", 2);
        // 12 GPUs asked of 8: 4 over, measured against the 12 asked, is 334 thousandths
        verifier.verifyThat(PlacementConstraints::capacity)
                .given(on(gpus("a", 6), g, n), on(gpus("b", 6), g, n))
                .penalizesBy(334);
        verifier.verifyThat(PlacementConstraints::capacity)
                .given(on(gpus("a", 6), g, n), on(gpus("b", 2), g, n))
                .hasNoImpact();
        verifier.verifyThat(PlacementConstraints::capacity)
                .given(on(gpus("a", 6), g, n), on(gpus("b", 6), g, n))
                .justifiesWith(new Overcommitted("n", List.of(Keys.GPU)));
    }

    @Test
    void wholeGpuPodsNeedUntouchedDevicesWhileFractionsShareOne() {
        NodeSlot n = used("n", 500, 1000); // device 0 half taken
        GangFact g = gang("g", 1);
        verifier.verifyThat(PlacementConstraints::gpuDevices)
                .given(on(gpus("two", 2), g, n))
                .penalizesBy(1);
        verifier.verifyThat(PlacementConstraints::gpuDevices)
                .given(on(fraction("h1", "0.5"), g, n), on(fraction("h2", "0.5"), g, n), on(fraction("h3", "0.5"), g, n))
                .hasNoImpact();
        verifier.verifyThat(PlacementConstraints::gpuDevices)
                .given(on(fraction("h1", "0.5"), g, n), on(fraction("h2", "0.5"), g, n), on(gpus("one", 1), g, n))
                .penalizesBy(1);
    }

    @Test
    void nodeFeasibilityRulesOutTaintsGpuModelsAndNodesWithoutTheRequiredTopology() {
        NodeSlot a100 = slot(node("a100", 8, Keys.GPU_PRODUCT_LABEL, "NVIDIA-A100-SXM4-80GB", Keys.CLIQUE_LABEL, "c1"));
        NodeSlot reserved = slot(tainted(node("r", 8, Keys.CLIQUE_LABEL, "c1"), "team", "b", "NoSchedule"));
        NodeSlot unlabeled = slot(node("u", 8));
        PodInfo h100 = podInfo(pod("ns", "h").gpus(1).nodeSelector(Keys.GPU_PRODUCT_LABEL, "NVIDIA-H100-80GB-HBM3").build());
        GangFact inClique = new GangFact("ns/g", 1, 1, Keys.CLIQUE_LABEL, null);
        verifier.verifyThat(PlacementConstraints::nodeFeasibility)
                .given(on(h100, inClique, a100))
                .justifiesWith(new NodeRuledOut("ns/h", "a100", "gpuModel"));
        verifier.verifyThat(PlacementConstraints::nodeFeasibility)
                .given(on(gpus("a", 1), inClique, reserved), on(gpus("b", 1), inClique, unlabeled), on(gpus("c", 1), inClique, a100))
                .penalizesBy(2);
        verifier.verifyThat(PlacementConstraints::nodeFeasibility)
                .given(on(gpus("b", 1), inClique, unlabeled))
                .justifiesWith(new NodeRuledOut("ns/b", "u", "topology"));
    }

    @Test
    void requiredTopologyChargesEveryDomainBeyondOne() {
        NodeSlot a1 = slot(node("a1", 8, Keys.CLIQUE_LABEL, "a"));
        NodeSlot a2 = slot(node("a2", 8, Keys.CLIQUE_LABEL, "a"));
        NodeSlot b1 = slot(node("b1", 8, Keys.CLIQUE_LABEL, "b"));
        GangFact g = new GangFact("ns/g", 3, 1, Keys.CLIQUE_LABEL, null);
        verifier.verifyThat(PlacementConstraints::requiredTopology)
                .given(on(gpus("p0", 8), g, a1), on(gpus("p1", 8), g, a2), on(gpus("p2", 8), g, b1))
                .penalizesBy(1);
        verifier.verifyThat(PlacementConstraints::requiredTopology)
                .given(on(gpus("p0", 8), g, a1), on(gpus("p1", 8), g, a2))
                .hasNoImpact();
        verifier.verifyThat(PlacementConstraints::requiredTopology)
                .given(on(gpus("p0", 8), g, a1), on(gpus("p2", 8), g, b1))
                .justifiesWith(new GangSpread("ns/g", Keys.CLIQUE_LABEL, 2));
    }

    @Test
    void aGangPartlyPlacedIsChargedPerMissingPodAndOneNotPlacedAtAllIsNot() {
        NodeSlot n = slot(node("n", 8));
        GangFact g = gang("g", 3);
        verifier.verifyThat(PlacementConstraints::gangAtomicity)
                .given(on(gpus("p0", 1), g, n), on(gpus("p1", 1), g, null), on(gpus("p2", 1), g, null))
                .penalizesBy(2);
        verifier.verifyThat(PlacementConstraints::gangAtomicity)
                .given(on(gpus("p0", 1), g, null), on(gpus("p1", 1), g, null), on(gpus("p2", 1), g, null))
                .hasNoImpact();
        verifier.verifyThat(PlacementConstraints::gangAtomicity)
                .given(on(gpus("p0", 1), g, n), on(gpus("p1", 1), g, null), on(gpus("p2", 1), g, null))
                .justifiesWith(new GangPartlyPlaced("ns/g", 1, 3));
    }

    @Test
    void anUnplacedGangCostsItsAdmissionWeight() {
        NodeSlot n = slot(node("n", 8));
        GangFact first = new GangFact("ns/first", 1, 2, null, null);
        GangFact second = new GangFact("ns/second", 2, 1, null, null);
        verifier.verifyThat(PlacementConstraints::unplacedGang)
                .given(on(gpus("f", 8), first, null), on(gpus("s0", 4), second, n), on(gpus("s1", 4), second, n))
                .penalizesBy(2);
        verifier.verifyThat(PlacementConstraints::unplacedGang)
                .given(on(gpus("f", 8), first, n), on(gpus("s0", 4), second, n), on(gpus("s1", 4), second, null))
                .penalizesBy(1); // partly placed counts as not placed
    }

    @Test
    void preferredTopologyChargesEveryExtraDomainAboveAllFragmentation() {
        GangFact g = new GangFact("ns/g", 3, 1, null, Keys.RACK_LABEL);
        NodeSlot r1 = slot(node("r1", 8, Keys.RACK_LABEL, "r1"));
        NodeSlot r2 = slot(node("r2", 8, Keys.RACK_LABEL, "r2"));
        NodeSlot bare = slot(node("bare", 8));
        verifier.verifyThat(PlacementConstraints::preferredTopology)
                .given(on(gpus("p0", 8), g, r1), on(gpus("p1", 8), g, r2), on(gpus("p2", 8), g, bare))
                .penalizesBy(2 * PlacementConstraints.EXTRA_PREFERRED_DOMAIN);
        verifier.verifyThat(PlacementConstraints::preferredTopology)
                .given(on(gpus("p0", 4), g, r1), on(gpus("p1", 4), g, r1))
                .hasNoImpact();
    }

    @Test
    void aWholeNvlinkDomainLeftPartlyUsedIsCharged() {
        NvlinkDomain whole = new NvlinkDomain("c1", 16_000, 16_000);
        NvlinkDomain busy = new NvlinkDomain("c2", 8_000, 16_000);
        NodeSlot w1 = slot(node("w1", 8, Keys.CLIQUE_LABEL, "c1"), whole);
        NodeSlot w2 = slot(node("w2", 8, Keys.CLIQUE_LABEL, "c1"), whole);
        NodeSlot b1 = slot(node("b1", 8, Keys.CLIQUE_LABEL, "c2"), busy);
        GangFact g = gang("g", 2);
        verifier.verifyThat(PlacementConstraints::brokenNvlinkDomain)
                .given(on(gpus("p0", 8), g, w1))
                .penalizesBy(PlacementConstraints.BROKEN_NVLINK_DOMAIN);
        verifier.verifyThat(PlacementConstraints::brokenNvlinkDomain)
                .given(on(gpus("p0", 8), g, w1), on(gpus("p1", 8), g, w2))
                .hasNoImpact(); // filled, not broken
        verifier.verifyThat(PlacementConstraints::brokenNvlinkDomain)
                .given(on(gpus("p0", 4), g, b1))
                .hasNoImpact(); // already in use
        verifier.verifyThat(PlacementConstraints::brokenNvlinkDomain)
                .given(on(gpus("p0", 8), g, w1))
                .justifiesWith(new ShapeBroken("NVLink domain", "c1", 1));
    }

    @Test
    void aPodOfAGangWithoutTopologyInsideAnNvlinkDomainIsChargedAndOneOfAGangWithATopologyIsNot() {
        NvlinkDomain busy = new NvlinkDomain("c2", 8_000, 16_000);
        NodeSlot inDomain = slot(node("b1", 8, Keys.CLIQUE_LABEL, "c2"), busy);
        NodeSlot plain = slot(node("plain", 8));
        GangFact single = gang("single", 1);
        verifier.verifyThat(PlacementConstraints::nvlinkDomainUsed)
                .given(on(gpus("p0", 1), single, inDomain))
                .penalizesBy(PlacementConstraints.NVLINK_DOMAIN_USED);
        verifier.verifyThat(PlacementConstraints::nvlinkDomainUsed)
                .given(on(gpus("p0", 1), single, plain))
                .hasNoImpact();
        verifier.verifyThat(PlacementConstraints::nvlinkDomainUsed)
                .given(on(gpus("p0", 1), single, inDomain))
                .justifiesWith(new PlacementJustification.InNvlinkDomain("ns/p0", "c2"));
        GangFact withTopology = new GangFact("ns/t", 1, 1, Keys.CLIQUE_LABEL, null);
        verifier.verifyThat(PlacementConstraints::nvlinkDomainUsed)
                .given(on(gpus("p0", 1), withTopology, inDomain))
                .hasNoImpact(); // it chose its domain
    }

    /** A node measured against a workload of 8-GPU pods of 8 cores, with {@code deviceFree} thousandths free. */
    private NodeSlot measured(String name, int... deviceFree) {
        NodeInfo info = KubeObjects.node(node(name, deviceFree.length));
        long used = Arrays.stream(deviceFree).mapToLong(f -> 1000 - f).sum();
        Fragmentation eightGpuPods = new Fragmentation(Workload.of(Map.of(new PodShape(8_000, 8, 1000, Set.of()), 1)));
        return new NodeSlot(nextSlot++, info, info.allocatable().subtract(dev.phalanx.core.model.Resources.ofMilli(
                Map.of(Keys.GPU, used))), deviceFree, null, eightGpuPods);
    }

    @Test
    void fragmentationChargesWhatANodeCanNoLongerOfferTheWorkloadAndRewardsWhatItFills() {
        GangFact g = gang("g", 1);
        // an empty 8-GPU node: one GPU taken leaves seven no 8-GPU pod can use
        NodeSlot whole = measured("whole", 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000);
        List<PodInfo> one = List.of(gpus("p0", 1));
        assertThat(whole.fragmentationGrowth(one)).isGreaterThan(0);
        verifier.verifyThat(PlacementConstraints::fragmentation)
                .given(on(one.get(0), g, whole))
                .penalizesBy(PlacementConstraints.fragmentationCost(whole, one));
        // a node with one GPU left, useless to 8-GPU pods: filling it removes that waste, all of it
        NodeSlot last = measured("last", 0, 0, 0, 0, 0, 0, 0, 1000);
        double growth = last.fragmentationGrowth(one);
        assertThat(growth).isNegative();
        assertThat(measured("full", 0, 0, 0, 0, 0, 0, 0, 0).fragmentationGrowth(List.of())).isZero();
        verifier.verifyThat(PlacementConstraints::fragmentation)
                .given(on(one.get(0), g, last))
                .rewardsWith(-PlacementConstraints.fragmentationCost(last, one));
        verifier.verifyThat(PlacementConstraints::fragmentation)
                .given(on(one.get(0), g, last))
                .justifiesWith(new PlacementJustification.FragmentationGrowth("last", Math.round(growth)));
    }

    @Test
    void aPodAwayFromItsPreviousNodeCostsTheLeast() {
        NodeSlot a = slot(node("a", 8));
        NodeSlot b = slot(node("b", 8));
        GangFact g = gang("g", 2);
        PodInfo p0 = gpus("p0", 1);
        PodInfo p1 = gpus("p1", 1);
        verifier.verifyThat(PlacementConstraints::movedFromPreviousNode)
                .given(new PodAssignment(p0, g, new NodeFeasibility(p0, null, NODES), "a", b),
                        new PodAssignment(p1, g, new NodeFeasibility(p1, null, NODES), "b", b))
                .penalizesBy(PlacementConstraints.MOVED_POD);
        verifier.verifyThat(PlacementConstraints::movedFromPreviousNode)
                .given(new PodAssignment(p0, g, new NodeFeasibility(p0, null, NODES), null, a))
                .hasNoImpact();
    }
}
