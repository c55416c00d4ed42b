package dev.phalanx.scheduler;

import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.placement.BestFitPlacement;
import dev.phalanx.queue.FairShareCalculator;
import dev.phalanx.queue.GangAdmission;
import dev.phalanx.scheduler.metrics.CycleSteps;

/** Wires the steps of the cycle; live and simulated scheduling use the same wiring. */
public final class Policies {
    private Policies() {
    }

    public static SchedulingCycle defaultCycle() {
        return defaultCycle(CycleSteps.NONE);
    }

    /** The default cycle with {@code steps} hooked around its fair-share and placement steps (to time them). */
    public static SchedulingCycle defaultCycle(CycleSteps steps) {
        return new SchedulingCycle(steps.fairShare(new FairShareCalculator()), new GangAdmission(),
                steps.placement(new BestFitPlacement()));
    }
}
