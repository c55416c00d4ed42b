package dev.phalanx.bench.fragmentation;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class FragmentationMeasuresTest {
    /** A workload of the given demands, each repeated {@code count} times (count, demand, count, demand, ...). */
    static WorkloadDistribution workload(Object... countAndDemand) {
        List<GpuDemand> pods = new ArrayList<>();
        for (int i = 0; i < countAndDemand.length; i += 2) {
            for (int k = 0; k < (Integer) countAndDemand[i]; k++) {
                pods.add((GpuDemand) countAndDemand[i + 1]);
            }
        }
        return WorkloadDistribution.of(pods);
    }

    static GpuDemand shared(long cpu, int milli) {
        return new GpuDemand(cpu, 0, 1, milli, Set.of());
    }

    static GpuDemand whole(long cpu, int gpus) {
        return new GpuDemand(cpu, 0, gpus, 1000, Set.of());
    }

    static GpuDemand cpuOnly(long cpu) {
        return new GpuDemand(cpu, 0, 0, 0, Set.of());
    }

    @Test
    void theWorkloadIsTheShareOfPodsOfEachShapeMemoryAside() {
        WorkloadDistribution w = workload(3, shared(1000, 500), 1, new GpuDemand(1000, 99, 1, 500, Set.of()), 4, whole(2000, 1));
        assertThat(w.shapes()).hasSize(2);
        assertThat(w.shapes()).allSatisfy(s -> assertThat(s.probability()).isEqualTo(0.5));
    }

    @Test
    void nextPodFragmentationCountsDevicesTooSmallForEachShapeAndAllFreeGpuWhenTheShapeCannotRun() {
        // half the pods want 600 thousandths, half a whole GPU; devices have 1000, 500 and 300 free
        NextPodFragmentation m = new NextPodFragmentation(workload(1, shared(1000, 600), 1, whole(1000, 1)));
        int[] devices = {1000, 500, 300};
        // 600-shape: 500 + 300 unusable; whole: 500 + 300 unusable
        assertThat(m.of("T4", 8000, devices)).isCloseTo(800, within(1e-9));
        // without CPU neither shape runs: all 1800 free thousandths are fragments
        assertThat(m.of("T4", 500, devices)).isCloseTo(1800, within(1e-9));
    }

    @Test
    void nextPodFragmentationCountsAllFreeGpuForPodsThatWantNone() {
        NextPodFragmentation m = new NextPodFragmentation(workload(1, cpuOnly(1000), 1, whole(1000, 1)));
        assertThat(m.of("T4", 8000, new int[]{1000, 1000})).isCloseTo(0.5 * 2000, within(1e-9));
        assertThat(m.of("T4", 8000, new int[]{0, 0})).isZero();
    }

    @Test
    void nextPodFragmentationCountsAllFreeGpuForShapesThatRefuseTheModel() {
        NextPodFragmentation m = new NextPodFragmentation(workload(1, new GpuDemand(0, 0, 1, 1000, Set.of("V100M32"))));
        assertThat(m.of("T4", 8000, new int[]{1000})).isCloseTo(1000, within(1e-9));
        assertThat(m.of("V100M32", 8000, new int[]{1000})).isZero();
    }

    @Test
    void theGradientIsTheGrowthOfFragmentationAndPicksTheDeviceThatGrowsItLeast() {
        // pods are 470 or a whole GPU: a 470 pod fills the 530 gap (leaving 60, useless either way) rather than
        // cut into the whole device the whole-GPU pods need
        WorkloadDistribution w = workload(1, shared(0, 470), 1, whole(0, 1));
        GpuNodeState n = new GpuNodeState("n", "T4", 8000, 8000, 2);
        n.assign(shared(0, 470), 0);
        FragmentationGradient g = new FragmentationGradient(new NextPodFragmentation(w));
        assertThat(g.bestDevice(0, n, shared(0, 470))).isEqualTo(0);
        // before: 530 is useless to whole-GPU pods (half the weight); after: 60 is useless to both
        assertThat(g.fragmentation(0, n)).isCloseTo(265, within(1e-9));
        assertThat(g.delta(0, n, shared(0, 470))).isCloseTo(60 - 265, within(1e-9));
    }

    @Test
    void theGradientIsRecomputedAfterTheNodeChanges() {
        WorkloadDistribution w = workload(1, whole(1000, 1));
        GpuNodeState n = new GpuNodeState("n", "T4", 1500, 8000, 2);
        FragmentationGradient g = new FragmentationGradient(new NextPodFragmentation(w));
        assertThat(g.fragmentation(0, n)).isZero();
        n.assign(cpuOnly(1000), -1); // 500 cores left: no GPU pod fits any more
        assertThat(g.fragmentation(0, n)).isCloseTo(2000, within(1e-9));
    }
}
