package dev.phalanx.bench;

import dev.phalanx.core.cycle.CycleResult;
import dev.phalanx.core.cycle.PlacementPolicy;
import dev.phalanx.core.cycle.CyclePolicies;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.placement.BestFitPlacement;
import dev.phalanx.placement.PlacementConfig;
import dev.phalanx.placement.TimefoldPlacement;
import dev.phalanx.queue.FairShareCalculator;
import dev.phalanx.queue.GangAdmission;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * One scheduling cycle (fair share, admission, placement of every admitted gang) on a
 * {@link SyntheticCluster} of {@code nodes} 8-GPU nodes and {@code pendingPods} waiting pods, with each
 * placement policy on the same snapshot, so the report gives the
 * solver's cost as a ratio to the best-fit baseline.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Xms1g"})
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
public class SchedulingCycleBenchmark {
    @Param({"1000", "5000", "10000"})
    public int nodes;

    @Param({"10000", "50000"})
    public int pendingPods;

    @Param({"best-fit", "timefold"})
    public String placement;

    private Snapshot snapshot;
    private SchedulingCycle cycle;

    @Setup(Level.Trial)
    public void setUp() {
        snapshot = SyntheticCluster.snapshot(nodes, pendingPods, 42);
        cycle = new SchedulingCycle(CyclePolicies.of(new FairShareCalculator(), new GangAdmission(), policy(placement)));
    }

    static PlacementPolicy policy(String name) {
        return switch (name) {
            case "best-fit" -> new BestFitPlacement();
            case "timefold" -> new TimefoldPlacement(PlacementConfig.DEFAULT);
            default -> throw new IllegalArgumentException("unknown placement " + name + "; use best-fit or timefold");
        };
    }

    @Benchmark
    public CycleResult cycle() {
        return cycle.decide(snapshot);
    }
}
