package dev.phalanx.core.sim;

/**
 * How a simulation runs. {@code untilMillis} bounds simulated time (Long.MAX_VALUE: until nothing more can
 * change); {@code schedulerName}: the pods it schedules. The seed of every random choice is the policies'
 * own: the cycle a simulation is given is built with it. {@code runTimesKnown}: whether the cycle is told how
 * long pods run (their {@code sim.phalanx.dev/run-for}), as a simulation can be; false shows it only what a live
 * cluster shows (when pods started), so what needs run times (backfill, when room frees by itself) works as it
 * does live. Pods run as long either way.
 */
public record SimulationOptions(long untilMillis, String schedulerName, boolean runTimesKnown) {
    public SimulationOptions(long untilMillis, String schedulerName) {
        this(untilMillis, schedulerName, true);
    }

    public static SimulationOptions defaults() {
        return new SimulationOptions(Long.MAX_VALUE, dev.phalanx.core.model.Keys.SCHEDULER_NAME);
    }

    public static SimulationOptions until(long untilMillis) {
        return new SimulationOptions(untilMillis, dev.phalanx.core.model.Keys.SCHEDULER_NAME);
    }

    /** The same, the cycle told run times or not. */
    public SimulationOptions withRunTimesKnown(boolean known) {
        return new SimulationOptions(untilMillis, schedulerName, known);
    }
}
