package dev.phalanx.queue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * How the fair-share step weighs a queue's recent use: decayed usage with half-life {@code halfLifeMillis}
 * (0: off, the snapshot alone decides), and the {@code strength} with which it shifts over-quota weights.
 *
 * <p>Among queues sharing a surplus, a queue entitled to part {@code e = w / Σw} of it (its weight over the
 * weights of the queues sharing it) would, used that way, hold {@code E = e × surplus} above its quota. Its
 * effective weight is {@code w × 2^(strength × (1 − over / E))}, where {@code over} is its decayed usage above
 * its quota: a queue that used nothing above its quota recently has its weight multiplied by
 * {@code 2^strength}, one that used exactly its part keeps its weight, and every further part it used halves
 * it ({@code strength} 1). Quotas are never affected: only the surplus is divided this way.
 */
public record UsageDecay(long halfLifeMillis, double strength) {
    public static final UsageDecay OFF = new UsageDecay(0, 0);
    /** The smallest effective weight: a queue that used much never drops out of the surplus altogether. */
    static final double MIN_WEIGHT = 0.001;

    public UsageDecay {
        if (halfLifeMillis < 0) {
            throw new IllegalArgumentException("the usage half-life must be 0 (off) or positive, got " + halfLifeMillis + " ms");
        }
        if (!(strength >= 0) || strength > 10) {
            throw new IllegalArgumentException("the usage history strength must be between 0 and 10, got " + strength);
        }
    }

    public boolean on() {
        return halfLifeMillis > 0 && strength > 0;
    }

    /**
     * The effective weight of a queue with configured weight {@code weight} entitled to {@code entitled} above its
     * quota (milli-units) that used {@code overQuota} above it on average recently; rounded to two significant
     * digits (the weight shown is the weight used, and shares do not move with every small drift of the history)
     * and never below {@link #MIN_WEIGHT}.
     */
    public double effectiveWeight(double weight, double entitled, double overQuota) {
        if (!on() || entitled <= 0 || weight <= 0) {
            return weight;
        }
        double factor = StrictMath.pow(2.0, strength * (1 - Math.max(0, overQuota) / entitled));
        double w = new BigDecimal(weight * factor).round(new MathContext(2, RoundingMode.HALF_EVEN)).doubleValue();
        return Math.max(MIN_WEIGHT, w);
    }
}
