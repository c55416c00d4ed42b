package dev.phalanx.placement;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.cycle.PlacementPolicy;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Snapshot;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.phalanx.placement.PlacementScenario.withCpu;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.requirement;
import static dev.phalanx.testing.Testing.tainted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TimefoldPlacementTest {
    private static final String H100 = "NVIDIA-H100-80GB-HBM3";
    private static final String A100 = "NVIDIA-A100-SXM4-80GB";

    private final TimefoldPlacement placement = new TimefoldPlacement(PlacementConfig.DEFAULT);
    private final BestFitPlacement bestFit = BestFitPlacement.plain();

    /** Invariant 1 on a placement: no node over-committed on any resource, no device beyond whole. */
    private static void assertNothingOvercommitted(PlacementScenario.Placed placed) {
        CapacityView view = placed.view();
        Map<String, PodInfo> pods = new HashMap<>();
        placed.gang().members().forEach(p -> pods.put(p.key(), p));
        Map<Integer, Resources> asked = new HashMap<>();
        Map<Integer, int[]> devices = new HashMap<>();
        for (Binding b : placed.placement().bindings()) {
            int i = view.indexOf(b.node());
            PodInfo pod = pods.get(b.podKey());
            asked.merge(i, pod.requests(), Resources::add);
            int[] left = devices.computeIfAbsent(i, view::deviceFreeMilli);
            CapacityView.takeDevices(left, pod, b.gpuDevices());
            assertThat(b.gpuDevices()).hasSize(pod.gpuFractionMilli() > 0 ? 1 : pod.wholeGpus());
        }
        asked.forEach((i, r) -> assertThat(r.fitsIn(view.free(i))).as("node %s", view.node(i).name()).isTrue());
        devices.forEach((i, left) -> assertThat(java.util.Arrays.stream(left).min().orElse(0)).as("devices of %s", view.node(i).name()).isNotNegative());
    }

    @Test
    void aRequiredTopologyGangStaysInsideTheSmallestDomainThatHoldsIt() {
        var placed = new PlacementScenario().cliques(4, 2, 3).gang(2, 8, Keys.CLIQUE_LABEL, null).place(placement);
        assertThat(placed.placement().placed()).isTrue();
        assertThat(placed.nodes()).hasSize(2).allMatch(n -> n.startsWith("c1-"));
    }

    @Test
    void aGangThatFitsNoDomainGetsNoBindingAndSaysWhichDomainCameClosest() {
        var scenario = new PlacementScenario().cliques(2, 2)
                .running(pod("x", "r0").gpus(4).onNode("c0-0").build(), pod("x", "r1").gpus(8).onNode("c1-0").build())
                .gang(4, 4, Keys.CLIQUE_LABEL, null);
        PlacementPolicy.Placement p = scenario.place(placement).placement();
        assertThat(p.placed()).isFalse();
        assertThat(p.bindings()).isEmpty();
        assertThat(p.reasonCode()).isEqualTo("TopologyUnsatisfiable");
        assertThat(p.reason()).isEqualTo(
                "needs 16 nvidia.com/gpu for 4 pods in one nvidia.com/gpu.clique; the best, c0, has 12 nvidia.com/gpu free");
    }

    @Test
    void aGangOneNodeShortGetsNoBindingAtAll() {
        // three whole-node pods, two free nodes: placing two would break atomicity
        var placed = new PlacementScenario().nodes(node("a", 8), node("b", 8)).gang(3, 8, null, null).place(placement);
        assertThat(placed.placement().placed()).isFalse();
        assertThat(placed.placement().bindings()).isEmpty();
        assertThat(placed.placement().reasonCode()).isEqualTo("InsufficientResources");
        assertThat(placed.placement().reason()).contains("only 2 of them fit");
    }

    @Test
    void aFractionTakesTheSharedDeviceThatHoldsItExactlyRatherThanSplitAWholeNode() {
        // a: device 0 has a quarter left; b: one untouched device. Plain best fit by node picks b (less GPU left);
        // the shipped placement fills a's remainder exactly and leaves b's device whole
        var scenario = new PlacementScenario().nodes(node("a", 2), node("b", 1))
                .running(pod("x", "three-quarters").gpuFraction("0.75").onNode("a").build())
                .gang(podGroup("ns", "g", 1), pod("ns", "g-0").gpuFraction("0.25"));
        assertThat(scenario.place(bestFit).nodes()).containsExactly("b");
        var placed = scenario.place(placement);
        assertThat(placed.placement().bindings()).containsExactly(new Binding("ns", "g-0", "a", List.of(0)));
        assertNothingOvercommitted(placed);
    }

    @Test
    void fractionalPodsShareDevicesWithoutOvercommittingAny() {
        var placed = new PlacementScenario().nodes(node("n", 2))
                .gang(podGroup("ns", "g", 4), pod("ns", "g-0").gpuFraction("0.5"), pod("ns", "g-1").gpuFraction("0.25"),
                        pod("ns", "g-2").gpuFraction("0.25"), pod("ns", "g-3").gpus(1))
                .place(placement);
        assertThat(placed.placement().placed()).isTrue();
        assertNothingOvercommitted(placed);
        // the whole-GPU pod has a device of its own; the fractions share the other
        Binding whole = placed.placement().bindings().stream().filter(b -> b.pod().equals("g-3")).findFirst().orElseThrow();
        assertThat(placed.placement().bindings()).filteredOn(b -> !b.pod().equals("g-3"))
                .allMatch(b -> !b.gpuDevices().equals(whole.gpuDevices()));
    }

    @Test
    void requiredAffinityTaintsAndGpuModelDecideWhereAPodMayRun() {
        var nodes = new io.fabric8.kubernetes.api.model.Node[]{
                node("a100-z1", 8, Keys.GPU_PRODUCT_LABEL, A100, Keys.ZONE_LABEL, "z1"),
                tainted(node("h100-z1", 8, Keys.GPU_PRODUCT_LABEL, H100, Keys.ZONE_LABEL, "z1"), "team", "llm", "NoSchedule"),
                node("h100-z2", 8, Keys.GPU_PRODUCT_LABEL, H100, Keys.ZONE_LABEL, "z2")};
        var wanted = pod("ns", "g-0").gpus(2)
                .affinityTerm(requirement(Keys.ZONE_LABEL, "In", "z1"), requirement(Keys.GPU_PRODUCT_LABEL, "In", H100));
        var refused = new PlacementScenario().nodes(nodes).gang(podGroup("ns", "g", 1), wanted).place(placement).placement();
        assertThat(refused.reasonCode()).isEqualTo("NoFeasibleNode");
        assertThat(refused.reason()).isEqualTo("no node can run pod ns/g-0: of 3 nodes, 1 do not match its required node "
                + "affinity, 1 have another GPU model (nvidia.com/gpu.product) than it asks for, 1 have taints it does not tolerate");
        var tolerating = new PlacementScenario().nodes(nodes)
                .gang(podGroup("ns", "g", 1), wanted.tolerate("team", "llm", "NoSchedule")).place(placement);
        assertThat(tolerating.nodes()).containsExactly("h100-z1");
    }

    @Test
    void theShippedPlacementKeepsAWholeNodeFreeWhereBestFitHalfUsesTwo() {
        // plain best fit puts the first pod on the lean node (least CPU left); the second no longer fits there;
        // the fragmentation measure sees the lean node's CPU stranding its GPUs
        var scenario = new PlacementScenario().nodes(node("roomy", 8), withCpu(node("lean", 8), 64))
                .gang(podGroup("ns", "g", 2), pod("ns", "g-0").gpus(4).cpu("60"), pod("ns", "g-1").gpus(4).cpu("60"));
        var warm = scenario.place(bestFit);
        assertThat(warm.nodes()).containsExactlyInAnyOrder("lean", "roomy");
        var placed = scenario.place(placement);
        assertThat(placed.nodes()).containsExactly("roomy", "roomy");
        assertNothingOvercommitted(placed);
        BestFitPlacement measure = new BestFitPlacement();
        assertThat(GangProblem.cost(measure, placed.gang(), placed.gang().pending(), placed.placement().bindings(), placed.view(),
                PreviousPlacements.NONE).total())
                .isLessThan(GangProblem.cost(measure, warm.gang(), warm.gang().pending(), warm.placement().bindings(), warm.view(),
                        PreviousPlacements.NONE).total());
    }

    @Test
    void unlikePodsBestFitCannotPackAreStillPlacedWhenAPackingExists() {
        // 4+3+3+2+2+2 GPUs onto two 8-GPU nodes: largest-first best fit strands the last 2; 4+2+2 and 3+3+2 fit
        var scenario = new PlacementScenario().nodes(node("a", 8), node("b", 8))
                .gang(podGroup("ns", "g", 6), pod("ns", "g-0").gpus(4), pod("ns", "g-1").gpus(3), pod("ns", "g-2").gpus(3),
                        pod("ns", "g-3").gpus(2), pod("ns", "g-4").gpus(2), pod("ns", "g-5").gpus(2));
        assertThat(scenario.place(bestFit).placement().placed()).isFalse();
        var placed = scenario.place(placement);
        assertThat(placed.placement().bindings()).hasSize(6);
        assertNothingOvercommitted(placed);
    }

    @Test
    void unlikePodsThatFitNowhereKeepBestFitsReason() {
        var scenario = new PlacementScenario().nodes(node("a", 8), node("b", 8))
                .gang(podGroup("ns", "g", 3), pod("ns", "g-0").gpus(8), pod("ns", "g-1").gpus(8), pod("ns", "g-2").gpus(4));
        PlacementPolicy.Placement refused = scenario.place(placement).placement();
        assertThat(refused.placed()).isFalse();
        assertThat(refused).isEqualTo(scenario.place(bestFit).placement());
        assertThat(refused.reason()).endsWith("only 2 of them fit in the free capacity (the most free nvidia.com/gpu on one node is 8)");
    }

    @Test
    void aConfigThatCannotSearchIsRefusedWithWhatToChange() {
        assertThatThrownBy(() -> new PlacementConfig(Duration.ZERO, 0, 100))
                .hasMessage("the placement budget must be a positive duration, got PT0S");
        assertThatThrownBy(() -> new PlacementConfig(Duration.ofMillis(50), 0, 0))
                .hasMessage("maxStepsWithoutImprovement must be at least 1, got 0");
    }

    @Test
    void aPreferredTopologyGangGoesToTheFewestDomainsThatHoldIt() {
        // no rack holds three whole nodes; best fit takes the first free nodes it finds, in three racks
        var scenario = new PlacementScenario()
                .nodes(node("a-0", 8, Keys.RACK_LABEL, "a"), node("b-0", 8, Keys.RACK_LABEL, "b"),
                        node("c-0", 8, Keys.RACK_LABEL, "c"), node("c-1", 8, Keys.RACK_LABEL, "c"))
                .gang(3, 8, null, Keys.RACK_LABEL);
        assertThat(racks(scenario.place(bestFit))).isEqualTo(3);
        var placed = scenario.place(placement);
        assertThat(racks(placed)).isEqualTo(2);
        assertThat(placed.nodes()).contains("c-0", "c-1");
    }

    private static long racks(PlacementScenario.Placed placed) {
        return placed.nodes().stream().map(n -> n.substring(0, 1)).distinct().count();
    }

    @Test
    void aPodStaysOnItsPreviousNodeWhenThatCostsNothingElse() {
        var scenario = new PlacementScenario().nodes(node("a", 8), node("b", 8))
                .running(pod("x", "a-half").gpus(4).onNode("a").build(), pod("x", "b-half").gpus(4).onNode("b").build())
                .gang(1, 2, null, null);
        assertThat(scenario.place(bestFit).nodes()).containsExactly("a");
        var sticky = new TimefoldPlacement(PlacementConfig.DEFAULT,
                PreviousPlacements.of(List.of(new Binding("ns", "g-0", "b", List.of(4, 5)))));
        assertThat(scenario.place(sticky).nodes()).containsExactly("b");
    }

    @Test
    void theSameInputAndSeedGiveTheSameBindings() {
        // best fit cannot pack these; the search can, in several equally good ways
        var scenario = new PlacementScenario().nodes(node("a", 8), node("b", 8), node("c", 8), node("d", 8))
                .running(pod("x", "c-busy").gpus(7).onNode("c").build(), pod("x", "d-busy").gpus(7).onNode("d").build())
                .gang(podGroup("ns", "g", 6), pod("ns", "g-0").gpus(4), pod("ns", "g-1").gpus(3), pod("ns", "g-2").gpus(3),
                        pod("ns", "g-3").gpus(2), pod("ns", "g-4").gpus(2), pod("ns", "g-5").gpus(2));
        assertThat(scenario.place(bestFit).placement().placed()).isFalse();
        PlacementConfig config = new PlacementConfig(Duration.ofSeconds(10), 7, 200);
        List<Binding> first = scenario.place(new TimefoldPlacement(config)).placement().bindings();
        assertThat(first).hasSize(6);
        for (int run = 0; run < 3; run++) {
            assertThat(scenario.place(new TimefoldPlacement(config)).placement().bindings()).isEqualTo(first);
        }
    }

    @Test
    void placementLeavesTheCapacityViewAsItFoundIt() {
        var scenario = new PlacementScenario().nodes(node("roomy", 8), withCpu(node("lean", 8), 64))
                .gang(podGroup("ns", "g", 2), pod("ns", "g-0").gpus(4).cpu("60"), pod("ns", "g-1").gpus(4).cpu("60"));
        Snapshot s = scenario.snapshot();
        CapacityView view = new CapacityView(s);
        var gang = PlacementScenario.gangOf(s);
        assertThat(placement.place(gang, gang.pending(), view).placed()).isTrue();
        CapacityView untouched = new CapacityView(s);
        for (int i = 0; i < view.size(); i++) {
            assertThat(view.free(i)).isEqualTo(untouched.free(i));
            assertThat(view.deviceFreeMilli(i)).isEqualTo(untouched.deviceFreeMilli(i));
        }
    }
}
