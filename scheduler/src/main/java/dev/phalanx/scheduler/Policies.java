package dev.phalanx.scheduler;

import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.placement.BestFitPlacement;
import dev.phalanx.queue.FairShareCalculator;
import dev.phalanx.queue.GangAdmission;

/** Wires the steps of the cycle; live and simulated scheduling use the same wiring. */
public final class Policies {
    private Policies() {
    }

    public static SchedulingCycle defaultCycle() {
        return new SchedulingCycle(new FairShareCalculator(), new GangAdmission(), new BestFitPlacement());
    }
}
