package dev.phalanx.bench.trace;

import dev.phalanx.bench.fragmentation.GpuDemand;
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
    void aListLargerThan130PercentLosesPodsAtRandomUntilItIsNotAndTheOthersKeepTheirOrder() {
        List<GpuDemand> list = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            list.add(share(100 * i)); // 5.5 GPUs in all
        }
        List<GpuDemand> arrivals = FragmentationReplay.arrivals(list, 2000, new SplittableRandom(5));
        assertThat(demand(arrivals)).isLessThanOrEqualTo(2600);
        assertThat(list).containsAll(arrivals);
        // the survivors keep the order the list was shuffled into
        List<GpuDemand> shuffled = new ArrayList<>(list);
        java.util.Collections.shuffle(shuffled, new SplittableRandom(5));
        assertThat(shuffled).containsSubsequence(arrivals);
    }

    /** A placer that places the pods at the given positions and drops the others. */
    private static FragmentationReplay.Placer placing(boolean... placed) {
        int[] next = {0};
        return pod -> placed[next[0]++];
    }

    @Test
    void theFigureIsTheMeanAllocationOverThePodEventsWhoseArrivedPercentageRoundsTo100() {
        long capacity = 10_000;
        List<GpuDemand> arrivals = List.of(gpus(4), share(980), gpus(5), share(20), share(50), gpus(1));
        // arrived: 40%, 49.8%, 99.8%, 100%, 100.5%, 110.5%; placed: yes, yes, no, yes, yes, yes;
        // 99.8, 100 and 100.5 round to 100 (half to even)
        FragmentationReplay.Outcome o = FragmentationReplay.run(capacity, arrivals, placing(true, true, false, true, true, true));
        // allocated at those three events: 49.8%, 50%, 50.5%
        assertThat(o.allocatedPctByArrivedPct()[100]).isCloseTo((49.8 + 50 + 50.5) / 3, within(1e-9));
        assertThat(o.unallocatedPctAt100()).isCloseTo(100 - (49.8 + 50 + 50.5) / 3, within(1e-9));
        assertThat(o.podsDropped()).isEqualTo(1);
        assertThat(o.allocatedPctAtEnd()).isCloseTo(60.5, within(1e-9));
        assertThat(o.arrivedPctAtEnd()).isCloseTo(110.5, within(1e-9));
        // no event rounds to 70: the events that round to 69..71 are used, and there are none either
        assertThat(o.allocatedPctByArrivedPct()[70]).isNaN();
        // one event, before the first pod, at 0%
        assertThat(o.allocatedPctByArrivedPct()[0]).isZero();
    }

    @Test
    void aLevelNoEventRoundsToTakesTheEventsOfTheLevelsNextToIt() {
        // arrived 40%, 40.5%, 100.5% (rounds to 100, half to even), 140.5%
        FragmentationReplay.Outcome o = FragmentationReplay.run(10_000, List.of(gpus(4), share(50), gpus(6), gpus(4)),
                placing(true, true, true, true));
        assertThat(o.allocatedPctByArrivedPct()[100]).isCloseTo(100.5, within(1e-9));
        assertThat(o.allocatedPctByArrivedPct()[101]).as("101 takes the events of 100..102").isCloseTo(100.5, within(1e-9));
        assertThat(o.allocatedPctByArrivedPct()[120]).isNaN();
    }

    @Test
    void theSchedulersOwnPlacementKeepsEveryPodOnANodeAndDeviceWithRoom() {
        List<AlibabaGpuTrace.Node> nodes = List.of(new AlibabaGpuTrace.Node("t4", 64_000, 1_000_000, 2, "T4"),
                new AlibabaGpuTrace.Node("g2", 96_000, 1_000_000, 8, "G2"));
        SchedulerPlacer placer = new SchedulerPlacer(nodes, dev.phalanx.scheduler.Policies.placement(42));
        assertThat(placer.place(new GpuDemand(8000, 0, 2, 1000, Set.of("T4")))).isTrue();
        assertThat(placer.place(new GpuDemand(8000, 0, 1, 1000, Set.of("T4")))).as("the T4 is full").isFalse();
        assertThat(placer.place(new GpuDemand(8000, 0, 8, 1000, Set.of()))).isTrue();
        assertThat(placer.place(new GpuDemand(1000, 0, 1, 500, Set.of()))).as("no GPU left anywhere").isFalse();
        assertThat(placer.place(new GpuDemand(1000, 0, 0, 0, Set.of()))).isTrue();
    }

    @Test
    void aPodListWithoutGpuDemandCannotBeInflated() {
        List<GpuDemand> cpuOnly = List.of(new GpuDemand(1000, 0, 0, 0, Set.of()));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> FragmentationReplay.arrivals(cpuOnly, 1000, new SplittableRandom(1)))
                .hasMessageContaining("asks for no GPU");
    }
}
