package dev.phalanx.scheduler.bench;

import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.sim.SimulationResult;
import dev.phalanx.placement.BestFitPlacement;
import dev.phalanx.queue.FairShareCalculator;
import dev.phalanx.queue.GangAdmission;
import dev.phalanx.scheduler.Policies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class FairnessBenchTest {
    @TempDir
    Path dir;

    @Test
    void readsColumnsByHeaderNameAndNamesTheLineOfABadRow() throws Exception {
        Path ok = dir.resolve("ok.csv");
        Files.writeString(ok, "cluster,num_gpus,timestamp,duration,gpu_time\nvc1,2,2017-10-23 00:00:10,60.0,120.0\n");
        assertThat(PhillyTrace.read(ok)).containsExactly(new PhillyTrace.Job(1508716810000L, 60_000, 2, "vc1"));
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "timestamp,duration,num_gpus,cluster\n2017-10-23 00:00:10,60,1,vc1\nyesterday,60,1,vc1\n");
        assertThatThrownBy(() -> PhillyTrace.read(bad)).hasMessageContaining(bad + ": line 3");
        Path missing = dir.resolve("missing.csv");
        Files.writeString(missing, "timestamp,duration\n");
        assertThatThrownBy(() -> PhillyTrace.read(missing)).hasMessageContaining("no column 'num_gpus'");
    }

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
            jobs.add(new PhillyTrace.Job(t0, 3_600_000, 1, "flood"));
        }
        for (int i = 0; i < 4; i++) {
            jobs.add(new PhillyTrace.Job(t0 + 60_000, 3_600_000, 1, "small"));
        }
        FairnessBench bench = new FairnessBench(jobs, t0, 3_600_000, 1);
        var phalanx = bench.run("phalanx", Policies.defaultCycle(), 24 * 3_600_000L);
        var fifo = bench.run("fifo", new SchedulingCycle(new FairShareCalculator(), new GangAdmission(false),
                new BestFitPlacement(), false), 24 * 3_600_000L);
        double smallFair = phalanx.queues().stream().filter(q -> q.queue().equals("vc-small")).findFirst().orElseThrow().meanWaitSeconds();
        double smallFifo = fifo.queues().stream().filter(q -> q.queue().equals("vc-small")).findFirst().orElseThrow().meanWaitSeconds();
        assertThat(smallFair).isLessThan(smallFifo);
        assertThat(smallFifo).isGreaterThanOrEqualTo(4 * 3600 - 60); // behind five hours of flood
        assertThat(phalanx.jobsStarted()).isEqualTo(44);
        assertThat(phalanx.jainIndex()).isGreaterThan(fifo.jainIndex());
    }
}
