package dev.phalanx.core.sim;

/**
 * How a simulation runs. {@code untilMillis} bounds simulated time (Long.MAX_VALUE: until nothing
 * more can change); {@code seed} makes every random choice of the policies repeatable.
 */
public record SimulationOptions(long untilMillis, long seed, String schedulerName) {
    public static SimulationOptions defaults() {
        return new SimulationOptions(Long.MAX_VALUE, 42, dev.phalanx.core.model.Keys.SCHEDULER_NAME);
    }
}
