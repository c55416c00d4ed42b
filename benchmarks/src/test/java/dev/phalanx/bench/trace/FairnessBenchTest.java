package dev.phalanx.bench.trace;

import dev.phalanx.core.cycle.CyclePolicies;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.sim.SimulationResult;
import dev.phalanx.placement.BestFitPlacement;
import dev.phalanx.queue.FairShareCalculator;
import dev.phalanx.queue.GangAdmission;
import dev.phalanx.scheduler.Policies;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class FairnessBenchTest {
    @Test
    void jainIndexIsOneWhenEveryQueueHoldsItsShareAndOneOverNWhenOneHoldsAll() {
        var fair = List.of(new SimulationResult.Sample(0, Map.of("a", 4.0, "b", 4.0), Map.of("a", 4.0, "b", 4.0), 8, 0),
                new SimulationResult.Sample(10, Map.of("a", 4.0, "b", 4.0), Map.of("a", 4.0, "b", 4.0), 8, 0));
        assertThat(FairnessBench.jain(fair)).isCloseTo(1.0, within(1e-12));
        var skewed = List.of(new SimulationResult.Sample(0, Map.of("a", 8.0, "b", 0.0), Map.of("a", 4.0, "b", 4.0), 8, 0),
                new SimulationResult.Sample(10, Map.of("a", 8.0, "b", 0.0), Map.of("a", 4.0, "b", 4.0), 8, 0));
        assertThat(FairnessBench.jain(skewed)).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void aSmallQueueWaitsLessUnderFairOrderingThanBehindAFloodInFifo() {
        // one 8-GPU node; "flood" submits 40 one-hour 1-GPU jobs at once, "small" one job a minute later
        List<PhillyTrace.Job> jobs = new ArrayList<>();
        long t0 = 1508716800000L;
        for (int i = 0; i < 40; i++) {
            jobs.add(new PhillyTrace.Job(t0 / 1000, 3600, 1, "flood"));
        }
        for (int i = 0; i < 4; i++) {
            jobs.add(new PhillyTrace.Job(t0 / 1000 + 60, 3600, 1, "small"));
        }
        FairnessBench bench = new FairnessBench(jobs, t0, 3_600_000, 1);
        var phalanx = bench.run("phalanx", Policies.defaultCycle(), 24 * 3_600_000L);
        var fifo = bench.run("fifo", new SchedulingCycle(CyclePolicies.of(new FairShareCalculator(), new GangAdmission(false),
                new BestFitPlacement()).withReservations(false)), 24 * 3_600_000L);
        double smallFair = phalanx.queues().stream().filter(q -> q.queue().equals("vc-small")).findFirst().orElseThrow().meanWaitSeconds();
        double smallFifo = fifo.queues().stream().filter(q -> q.queue().equals("vc-small")).findFirst().orElseThrow().meanWaitSeconds();
        assertThat(smallFair).isLessThan(smallFifo);
        assertThat(smallFifo).isGreaterThanOrEqualTo(4 * 3600 - 60); // behind five hours of flood
        assertThat(phalanx.jobsStarted()).isEqualTo(44);
        assertThat(phalanx.jainIndex()).isGreaterThan(fifo.jainIndex());
    }

    @Test
    void everyPolicyItComparesIsBuiltAndAnUnknownOneIsRefusedWithTheKnownOnesNamed() {
        var config = dev.phalanx.scheduler.PhalanxConfig.defaults();
        for (String policy : FairnessBench.POLICIES) {
            assertThat(FairnessBench.cycle(policy, config)).isNotNull();
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> FairnessBench.cycle("tetris", config))
                .hasMessageContaining("unknown policy 'tetris'").hasMessageContaining("phalanx-no-decay");
    }
}
