package dev.phalanx.core.sim;

/**
 * How a simulation runs. {@code untilMillis} bounds simulated time (Long.MAX_VALUE: until nothing more can
 * change); {@code schedulerName}: the pods it schedules. The seed of every random choice is the policies'
 * own: the cycle a simulation is given is built with it.
 */
public record SimulationOptions(long untilMillis, String schedulerName) {
    public static SimulationOptions defaults() {
        return new SimulationOptions(Long.MAX_VALUE, dev.phalanx.core.model.Keys.SCHEDULER_NAME);
    }

    public static SimulationOptions until(long untilMillis) {
        return new SimulationOptions(untilMillis, dev.phalanx.core.model.Keys.SCHEDULER_NAME);
    }
}
