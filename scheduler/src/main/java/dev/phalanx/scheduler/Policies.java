package dev.phalanx.scheduler;

import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.placement.BestFitPlacement;
import dev.phalanx.placement.PlacementConfig;
import dev.phalanx.placement.TimefoldPlacement;
import dev.phalanx.placement.VictimSelection;
import dev.phalanx.queue.FairShareCalculator;
import dev.phalanx.queue.GangAdmission;
import dev.phalanx.scheduler.metrics.CycleSteps;

import java.time.Duration;

/** Wires the steps of the cycle; live and simulated scheduling use the same wiring. */
public final class Policies {
    private Policies() {
    }

    /**
     * Searches end by steps without improvement, never by the clock, so the same input always gives
     * the same decisions however busy the machine is (simulations, benchmarks, tests).
     */
    public static final PlacementConfig REPRODUCIBLE = new PlacementConfig(Duration.ofSeconds(30), 0,
            PlacementConfig.DEFAULT.maxStepsWithoutImprovement());

    /** The cycle simulations and benchmarks run: Timefold placement with reproducible searches. */
    public static SchedulingCycle defaultCycle() {
        return defaultCycle(CycleSteps.NONE, REPRODUCIBLE);
    }

    /**
     * The live cycle, with {@code steps} hooked around its fair-share and placement steps (to time them);
     * a search may also end at the placement budget, which bounds a cycle's time.
     */
    public static SchedulingCycle defaultCycle(CycleSteps steps) {
        return defaultCycle(steps, PlacementConfig.DEFAULT);
    }

    /** The default cycle without preemption or reclaim: a blocked gang only waits for room to drain (a baseline). */
    public static SchedulingCycle withoutPreemption() {
        return new SchedulingCycle(new FairShareCalculator(), new GangAdmission(), new TimefoldPlacement(REPRODUCIBLE));
    }

    private static SchedulingCycle defaultCycle(CycleSteps steps, PlacementConfig placement) {
        return new SchedulingCycle(steps.fairShare(new FairShareCalculator()), new GangAdmission(),
                steps.placement(new TimefoldPlacement(placement)), true, new VictimSelection(new BestFitPlacement()));
    }
}
