package dev.phalanx.placement.solver;

/**
 * A gang whose pods the problem places: {@code mustPlace} of them or none (invariant 2).
 * {@code unplacedWeight} is what leaving it unplaced costs on the medium level; gangs admitted earlier
 * weigh more. {@code topologyRequired} and {@code topologyPreferred} are node-label keys, or null.
 */
public record GangFact(String key, int mustPlace, long unplacedWeight, String topologyRequired,
                       String topologyPreferred) {
}
