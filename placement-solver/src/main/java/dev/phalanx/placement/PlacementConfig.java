package dev.phalanx.placement;

import java.time.Duration;

/**
 * How hard {@link TimefoldPlacement} searches for one gang. A search ends after
 * {@code maxStepsWithoutImprovement} steps that found nothing better, after {@code maxMoves} moves
 * evaluated, at the best score the gang can reach, or when {@code budget} is spent, whichever comes
 * first. The move cap bounds a search whose steps find no acceptable move (a gang that fits nowhere
 * makes every step try move after move), and, unlike the budget, it ends searches at the same point
 * on any machine. {@code seed} fixes the search's random
 * choices: the same snapshot and config give the same decisions (invariant 5), as long as the budget
 * is not what ended a search; the budget is a bound on the cycle's time, sized to be rarely reached.
 */
public record PlacementConfig(Duration budget, long seed, int maxStepsWithoutImprovement, long maxMoves) {
    /** Moves one search evaluates at most, unless told otherwise. */
    public static final long DEFAULT_MAX_MOVES = 20_000;
    public static final PlacementConfig DEFAULT = new PlacementConfig(Duration.ofMillis(200), 0, 100);

    public PlacementConfig(Duration budget, long seed, int maxStepsWithoutImprovement) {
        this(budget, seed, maxStepsWithoutImprovement, DEFAULT_MAX_MOVES);
    }

    public PlacementConfig {
        if (budget == null || budget.isNegative() || budget.isZero()) {
            throw new IllegalArgumentException("the placement budget must be a positive duration, got " + budget);
        }
        if (maxStepsWithoutImprovement < 1) {
            throw new IllegalArgumentException("maxStepsWithoutImprovement must be at least 1, got "
                    + maxStepsWithoutImprovement);
        }
        if (maxMoves < 1) {
            throw new IllegalArgumentException("maxMoves must be at least 1, got " + maxMoves);
        }
    }
}
