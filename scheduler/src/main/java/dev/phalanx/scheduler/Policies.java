package dev.phalanx.scheduler;

import dev.phalanx.core.cycle.CyclePolicies;
import dev.phalanx.core.cycle.PlacementPolicy;
import dev.phalanx.core.cycle.ReportPolicy;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.placement.BestFitPlacement;
import dev.phalanx.placement.PlacementConfig;
import dev.phalanx.placement.ReclaimPayoff;
import dev.phalanx.placement.TimefoldPlacement;
import dev.phalanx.placement.VictimSelection;
import dev.phalanx.queue.FairShareCalculator;
import dev.phalanx.queue.GangAdmission;
import dev.phalanx.queue.UsageDecay;
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

    /**
     * The policies simulations and benchmarks run: Timefold placement with reproducible searches seeded by {@code seed},
     * usage history and reclaim as the default configuration has them.
     */
    public static CyclePolicies reproducible(long seed, boolean preemption) {
        return reproducible(seed, preemption, PhalanxConfig.defaults());
    }

    /** The same, with usage history and reclaim as {@code config} says. */
    public static CyclePolicies reproducible(long seed, boolean preemption, PhalanxConfig config) {
        return policies(CycleSteps.NONE, reproducible(seed), preemption, config);
    }

    /** The reproducible policies with the default seed, preemption and reclaim on. */
    public static CyclePolicies reproducible() {
        return reproducible(DEFAULT_SEED, true);
    }

    /** The default cycle of simulations and benchmarks, with the default seed. */
    public static SchedulingCycle defaultCycle() {
        return new SchedulingCycle(reproducible(DEFAULT_SEED, true));
    }

    /**
     * The cycle as it was before usage history and paying reclaim, without preemption or reclaim: a blocked gang
     * only waits for room to drain (a baseline).
     */
    public static SchedulingCycle withoutPreemption() {
        return new SchedulingCycle(reproducible(DEFAULT_SEED, false, PhalanxConfig.defaults().withFairness(
                PhalanxConfig.Fairness.OFF)));
    }

    /**
     * The live policies of the default configuration, with {@code steps} hooked around the fair-share and placement
     * steps (to time them); a search may also end at the placement budget, which bounds a cycle's time.
     */
    public static CyclePolicies live(CycleSteps steps) {
        return live(PhalanxConfig.defaults(), steps);
    }

    /** The live policies, usage history and reclaim as {@code config} says. */
    public static CyclePolicies live(PhalanxConfig config, CycleSteps steps) {
        return policies(steps, PlacementConfig.DEFAULT, true, config);
    }

    /** How {@code config} weighs queues' recent use in their fair shares. */
    public static UsageDecay usageDecay(PhalanxConfig config) {
        return new UsageDecay(config.fairness().usageHalfLifeMillis(), config.fairness().historyStrength());
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

    private static CyclePolicies policies(CycleSteps steps, PlacementConfig placement, boolean preemption, PhalanxConfig config) {
        CyclePolicies p = CyclePolicies.of(steps.fairShare(new FairShareCalculator(usageDecay(config))), new GangAdmission(),
                steps.placement(placement(placement)));
        return preemption ? p.withPreemption(new VictimSelection(BestFitPlacement.plain(),
                new ReclaimPayoff(config.reclaim().gainOverLoss(), config.reclaim().restartCostMillis()))) : p;
    }
}
