package dev.phalanx.placement.fragmentation;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class FragmentationTest {
    private static final PodShape ONE_GPU = new PodShape(11_000, 1, 1000, Set.of());

    private static Fragmentation of(Map<PodShape, Integer> counts) {
        return new Fragmentation(Workload.of(counts));
    }

    private static NodeState node(long cpuCapacity, long cpuFree, int... deviceFree) {
        return NodeState.of("G2", cpuCapacity, cpuFree, deviceFree);
    }

    @Test
    void aNodeWithNoFreeGpuHasNoFragmentationAndOneTheWorkloadFillsExactlyHasNone() {
        Fragmentation f = of(Map.of(ONE_GPU, 1));
        assertThat(f.of(node(96_000, 50_000, 0, 0, 0, 0))).isZero();
        // eight free GPUs and cores for all eight 11-core pods
        assertThat(f.of(node(96_000, 88_000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000))).isZero();
    }

    @Test
    void gpusTheNodesCpuCannotServeAreCountedThoughTheNextPodFits() {
        Fragmentation f = of(Map.of(ONE_GPU, 1));
        // 30 cores: two 11-core pods fit, six GPUs are stranded. FGD's next-pod measure sees none of it.
        double stranded = f.of(node(96_000, 30_000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000));
        assertThat(stranded).isGreaterThan(0);
        // run of pods: 8000 - 2 x 1000 = 6000 stranded; the mix: 8000 - 30 x (1000 / 11) = 5273
        assertThat(stranded).isCloseTo(0.25 * 0 + 0.25 * 6000 + 0.5 * (8000 - 30_000 * 1000.0 / 11_000), within(1e-6));
    }

    @Test
    void aDeviceRemainderTooSmallForTheNextPodIsAFragment() {
        PodShape half = new PodShape(1000, 1, 500, Set.of());
        Fragmentation f = of(Map.of(half, 1));
        assertThat(f.of(node(96_000, 90_000, 500))).isZero();
        // the next pod and a run of pods both find the 300 left useless; CPU strands nothing
        assertThat(f.of(node(96_000, 90_000, 300))).isCloseTo(0.25 * 300 + 0.25 * 300, within(1e-6));
    }

    @Test
    void placingAPodCostsWhatTheNodeCanNoLongerOfferAndNothingWhenItDoesNotFit() {
        PodShape eight = new PodShape(8000, 8, 1000, Set.of());
        Fragmentation f = of(Map.of(eight, 1, ONE_GPU, 1));
        NodeState empty = node(128_000, 128_000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000);
        NodeState seven = node(128_000, 128_000, 0, 1000, 1000, 1000, 1000, 1000, 1000, 1000);
        assertThat(f.growth(empty, ONE_GPU)).as("breaking a whole node for an 8-GPU pod costs").isGreaterThan(0);
        assertThat(f.growth(seven, ONE_GPU)).as("a node already broken costs less").isLessThan(f.growth(empty, ONE_GPU));
        assertThat(f.growth(node(128_000, 128_000, 1000), eight)).isNaN();
    }

    @Test
    void aModelThatPodsNamingItWouldFillIsDearerToPodsThatTakeAnyModel() {
        PodShape t4Only = new PodShape(4000, 1, 1000, Set.of("T4"));
        PodShape any = new PodShape(4000, 1, 1000, Set.of());
        List<Fragmentation.NodeType> cluster = List.of(new Fragmentation.NodeType("T4", 2, 64_000, 10_000),
                new Fragmentation.NodeType("G2", 8, 96_000, 90_000));
        Fragmentation f = new Fragmentation(Workload.of(Map.of(t4Only, 1, any, 1)), cluster);
        // half the GPU demand can only run on a tenth of the GPUs
        assertThat(f.pressure("T4")).isCloseTo(0.5 / 0.1, within(1e-9));
        assertThat(f.pressure("G2")).isZero();
        NodeState t4 = NodeState.of("T4", 64_000, 64_000, new int[]{1000, 1000});
        NodeState g2 = NodeState.of("G2", 96_000, 96_000, new int[]{1000, 1000});
        assertThat(f.growth(t4, any)).isGreaterThan(f.growth(g2, any) + 1000);
        assertThat(f.growth(t4, t4Only) - f.cost(t4, t4.after(t4Only), 0)).isCloseTo(f.pressure("T4") * 1000, within(1e-6));
    }
}
