package dev.phalanx.scheduler;

import dev.phalanx.core.cycle.CyclePolicies;
import dev.phalanx.core.cycle.PlacementPolicy;
import dev.phalanx.core.cycle.ReportPolicy;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.placement.BestFitPlacement;
import dev.phalanx.placement.PlacementConfig;
import dev.phalanx.placement.TimefoldPlacement;
import dev.phalanx.placement.VictimSelection;
import dev.phalanx.queue.FairShareCalculator;
import dev.phalanx.queue.GangAdmission;
import dev.phalanx.queue.status.StatusReporter;
import dev.phalanx.scheduler.metrics.CycleSteps;

import java.time.Duration;

/** Wires the steps of the cycle; live and simulated scheduling use the same wiring. */
public final class Policies {
    /** The seed of the placement search unless one is given ({@code phalanx simulate --seed}). */
    public static final long DEFAULT_SEED = 42;

    private Policies() {
    }

    /**
     * Searches end by steps without improvement, never by the clock, so the same input and seed always give
     * the same decisions however busy the machine is (simulations, benchmarks, tests).
     */
    public static PlacementConfig reproducible(long seed) {
        return new PlacementConfig(Duration.ofSeconds(30), seed, PlacementConfig.DEFAULT.maxStepsWithoutImprovement());
    }

    /** The policies simulations and benchmarks run: Timefold placement with reproducible searches seeded by {@code seed}. */
    public static CyclePolicies reproducible(long seed, boolean preemption) {
        return policies(CycleSteps.NONE, reproducible(seed), preemption);
    }

    /** The reproducible policies with the default seed, preemption and reclaim on. */
    public static CyclePolicies reproducible() {
        return reproducible(DEFAULT_SEED, true);
    }

    /** The default cycle of simulations and benchmarks, with the default seed. */
    public static SchedulingCycle defaultCycle() {
        return new SchedulingCycle(reproducible(DEFAULT_SEED, true));
    }

    /** The default cycle without preemption or reclaim: a blocked gang only waits for room to drain (a baseline). */
    public static SchedulingCycle withoutPreemption() {
        return new SchedulingCycle(reproducible(DEFAULT_SEED, false));
    }

    /**
     * The live policies, with {@code steps} hooked around the fair-share and placement steps (to time them);
     * a search may also end at the placement budget, which bounds a cycle's time.
     */
    public static CyclePolicies live(CycleSteps steps) {
        return policies(steps, PlacementConfig.DEFAULT, true);
    }

    /**
     * Step 3 as the reproducible cycle runs it: what {@code phalanx bench} measures as Phalanx's placement.
     * A new one per replay (it keeps caches for the views it places on).
     */
    public static PlacementPolicy placement(long seed) {
        return placement(reproducible(seed));
    }

    private static PlacementPolicy placement(PlacementConfig config) {
        return new TimefoldPlacement(config);
    }

    /** Step 6, the same live and in simulation; a new one per scheduler or simulation (it remembers phases). */
    public static ReportPolicy reporter() {
        return new StatusReporter();
    }

    private static CyclePolicies policies(CycleSteps steps, PlacementConfig placement, boolean preemption) {
        CyclePolicies p = CyclePolicies.of(steps.fairShare(new FairShareCalculator()), new GangAdmission(),
                steps.placement(placement(placement)));
        return preemption ? p.withPreemption(new VictimSelection(BestFitPlacement.plain())) : p;
    }
}
