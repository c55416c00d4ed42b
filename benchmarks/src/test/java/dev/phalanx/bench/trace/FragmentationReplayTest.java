package dev.phalanx.bench.trace;

import dev.phalanx.bench.fragmentation.GpuDemand;
import dev.phalanx.bench.fragmentation.RandomPolicy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class FragmentationReplayTest {
    private static GpuDemand gpus(int n) {
        return new GpuDemand(1000, 0, n, 1000, Set.of());
    }

    private static GpuDemand share(int milli) {
        return new GpuDemand(1000, 0, 1, milli, Set.of());
    }

    private static long demand(List<GpuDemand> pods) {
        return pods.stream().mapToLong(GpuDemand::gpuMilli).sum();
    }

    @Test
    void arrivalsAreTheShuffledListThenResampledPodsUpTo130PercentAndNotOnePodMore() {
        List<GpuDemand> list = List.of(gpus(1), gpus(2), share(500), new GpuDemand(4000, 0, 0, 0, Set.of()));
        long capacity = 10_000; // 10 GPUs; the list asks for 3.5
        List<GpuDemand> arrivals = FragmentationReplay.arrivals(list, capacity, new SplittableRandom(42));
        assertThat(arrivals.subList(0, 4)).containsExactlyInAnyOrderElementsOf(list);
        assertThat(demand(arrivals)).isLessThanOrEqualTo(13_000);
        // it stopped at the first pod that would have gone above 130%: at least 12 of the 13 GPUs arrived
        assertThat(demand(arrivals)).isGreaterThan(13_000 - 2000);
    }

    @Test
    void theSameSeedGivesTheSameArrivalsAndAnotherSeedOthers() {
        List<GpuDemand> list = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            list.add(share(i * 40));
        }
        assertThat(FragmentationReplay.arrivals(list, 20_000, new SplittableRandom(42)))
                .isEqualTo(FragmentationReplay.arrivals(list, 20_000, new SplittableRandom(42)))
                .isNotEqualTo(FragmentationReplay.arrivals(list, 20_000, new SplittableRandom(43)));
    }

    @Test
    void aListLargerThan130PercentIsCutAtTheFirstPodThatWouldExceedIt() {
        List<GpuDemand> list = List.of(gpus(1), gpus(1), gpus(1), gpus(1));
        assertThat(FragmentationReplay.arrivals(list, 2000, new SplittableRandom(1))).hasSize(2);
    }

    @Test
    void podsThatFitNowhereAreDroppedAndTheFigureIsTakenAtTheFirstCrossingOf100Percent() {
        // one node of 2 GPUs and a 4-core CPU
        List<AlibabaGpuTrace.Node> nodes = List.of(new AlibabaGpuTrace.Node("n", 4000, 1_000_000, 2, "T4"));
        List<GpuDemand> arrivals = List.of(
                share(600),   // arrived 30%, allocated 30%
                gpus(2),      // does not fit (device 0 is partly used): dropped; arrived 130%
                share(600),   // goes on device 1
                gpus(1));     // no whole device left: dropped
        FragmentationReplay.Outcome o = FragmentationReplay.run(nodes, arrivals, new RandomPolicy(new SplittableRandom(3)));
        assertThat(o.podsDropped()).isEqualTo(2);
        assertThat(o.podsArrived()).isEqualTo(4);
        // the first crossing of 100% is the 2-GPU pod (arrived 30% -> 130%): 30% allocated then, 70% unallocated
        assertThat(o.unallocatedPctAt100()).isCloseTo(70, within(1e-9));
        assertThat(o.allocatedPctByArrivedPct()[100]).isCloseTo(30, within(1e-9));
        assertThat(o.allocatedPctAtEnd()).isCloseTo(60, within(1e-9));
        assertThat(o.arrivedPctAtEnd()).isCloseTo(210, within(1e-9));
    }

    @Test
    void aPodListWithoutGpuDemandCannotBeInflated() {
        List<GpuDemand> cpuOnly = List.of(new GpuDemand(1000, 0, 0, 0, Set.of()));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> FragmentationReplay.arrivals(cpuOnly, 1000, new SplittableRandom(1)))
                .hasMessageContaining("asks for no GPU");
    }
}
