package dev.phalanx.bench.fragmentation;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static dev.phalanx.bench.fragmentation.FragmentationMeasuresTest.cpuOnly;
import static dev.phalanx.bench.fragmentation.FragmentationMeasuresTest.shared;
import static dev.phalanx.bench.fragmentation.FragmentationMeasuresTest.whole;
import static dev.phalanx.bench.fragmentation.FragmentationMeasuresTest.workload;
import static org.assertj.core.api.Assertions.assertThat;

/** Each policy's choice on tiny hand-made clusters. */
class NodeScoringPoliciesTest {
    private static GpuNodeState node(String name, long cpu, int gpus) {
        return new GpuNodeState(name, "G2", cpu, 1_000_000, gpus);
    }

    private static String chosen(NodeScoringPolicy policy, GpuDemand pod, List<GpuNodeState> nodes) {
        NodeScoringPolicy.NodeChoice c = policy.choose(pod, nodes);
        return c.found() ? nodes.get(c.node()).name() : null;
    }

    @Test
    void everyPolicyDropsAPodThatFitsNowhere() {
        List<GpuNodeState> nodes = List.of(node("a", 4000, 1));
        GpuDemand tooBig = whole(1000, 2);
        WorkloadDistribution w = workload(1, tooBig);
        for (NodeScoringPolicy p : List.of(new RandomPolicy(new SplittableRandom(1)), new DotProductPolicy(new SplittableRandom(1)),
                new BestFitPolicy(new SplittableRandom(1)), new GpuPackingPolicy(new SplittableRandom(1)),
                FragmentationGradientDescentPolicy.asPublished(w, new SplittableRandom(1)),
                FragmentationGradientDescentPolicy.exact(w, new SplittableRandom(1)))) {
            assertThat(p.choose(tooBig, nodes)).as(p.getClass().getSimpleName()).isEqualTo(NodeScoringPolicy.NodeChoice.NONE);
        }
    }

    @Test
    void randomPicksOnlyNodesThePodFitsAndEachOfThemSometimes() {
        List<GpuNodeState> nodes = List.of(node("small", 1000, 1), node("a", 64_000, 8), node("b", 64_000, 8));
        RandomPolicy random = new RandomPolicy(new SplittableRandom(7));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            seen.add(chosen(random, whole(8000, 1), nodes));
        }
        assertThat(seen).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void bestFitPicksTheNodeWithTheLeastLeftAfterThePod() {
        GpuNodeState busy = node("busy", 64_000, 8);
        busy.assign(whole(40_000, 6), -1);
        List<GpuNodeState> nodes = List.of(node("idle", 64_000, 8), busy);
        assertThat(chosen(new BestFitPolicy(new SplittableRandom(1)), whole(4000, 1), nodes)).isEqualTo("busy");
    }

    @Test
    void dotProductPicksTheNodeWithTheLeastFreeOfWhatThePodUses() {
        // a GPU-heavy pod: the node with few GPUs free has the smaller product
        GpuNodeState gpuPoor = node("gpu-poor", 64_000, 8);
        gpuPoor.assign(whole(0, 7), -1);
        List<GpuNodeState> nodes = List.of(node("idle", 64_000, 8), gpuPoor);
        assertThat(chosen(new DotProductPolicy(new SplittableRandom(1)), whole(0, 1), nodes)).isEqualTo("gpu-poor");
    }

    @Test
    void gpuPackingPutsASharedPodOnAUsedDeviceAndAWholePodOnAnActiveNode() {
        GpuNodeState sharing = node("sharing", 64_000, 2);
        sharing.assign(shared(0, 500), 0);
        GpuNodeState active = node("active", 64_000, 2);
        active.assign(whole(0, 1), -1);
        List<GpuNodeState> nodes = List.of(node("idle", 64_000, 2), active, sharing);
        GpuPackingPolicy packing = new GpuPackingPolicy(new SplittableRandom(1));
        NodeScoringPolicy.NodeChoice c = packing.choose(shared(0, 400), nodes);
        assertThat(nodes.get(c.node()).name()).isEqualTo("sharing");
        assertThat(c.device()).isEqualTo(0);
        for (int i = 0; i < 20; i++) {
            assertThat(chosen(packing, whole(0, 1), nodes)).isIn("active", "sharing");
        }
    }

    @Test
    void fgdFillsAGapThatNoOtherShapeCouldUseRatherThanOpenAFreshDevice() {
        // pods are 300 or a whole GPU: the 300 gap is useless to whole-GPU pods, so filling it cuts fragmentation
        WorkloadDistribution w = workload(1, shared(0, 300), 1, whole(0, 1));
        GpuNodeState gap = node("gap", 64_000, 1);
        gap.assign(shared(0, 700), 0);
        List<GpuNodeState> nodes = List.of(node("fresh", 64_000, 1), gap);
        for (NodeScoringPolicy fgd : List.of(FragmentationGradientDescentPolicy.asPublished(w, new SplittableRandom(1)),
                FragmentationGradientDescentPolicy.exact(w, new SplittableRandom(1)))) {
            NodeScoringPolicy.NodeChoice c = fgd.choose(shared(0, 300), nodes);
            assertThat(nodes.get(c.node()).name()).isEqualTo("gap");
            assertThat(c.device()).isZero();
        }
    }

    @Test
    void fgdPutsACpuOnlyPodWhereItStrandsNoGpu() {
        WorkloadDistribution w = workload(1, whole(8000, 1));
        GpuNodeState full = node("gpus-all-used", 16_000, 1);
        full.assign(whole(0, 1), -1);
        // on "free-gpu" the CPU-only pod would leave 4 cores, too few for the 1-GPU pods: its GPU would be stranded
        List<GpuNodeState> nodes = List.of(node("free-gpu", 12_000, 1), full);
        assertThat(chosen(FragmentationGradientDescentPolicy.exact(w, new SplittableRandom(1)), cpuOnly(8000), nodes))
                .isEqualTo("gpus-all-used");
    }

    @Test
    void fgdAsPublishedPutsASharedPodOnTheFirstDeviceOfTheBestWholeNumberScore() {
        // a 100 pod on devices with 230 and 250 free: on device 0 it leaves 130, a fragment to the rare 140 pods,
        // so the exact rule takes device 1; the growths differ by 2.6 thousandths and score the same whole number,
        // and the published runs took the first such device
        WorkloadDistribution w = workload(98, cpuOnly(1000), 2, shared(0, 140));
        GpuNodeState n = node("n", 64_000, 2);
        n.assign(shared(0, 770), 0);
        n.assign(shared(0, 750), 1);
        assertThat(FragmentationGradientDescentPolicy.asPublished(w, new SplittableRandom(1))
                .choose(shared(0, 100), List.of(n)).device()).isZero();
        assertThat(FragmentationGradientDescentPolicy.exact(w, new SplittableRandom(1))
                .choose(shared(0, 100), List.of(n)).device()).isEqualTo(1);
    }
}
