package dev.phalanx.core.model;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a queue has held over time, as one number per resource: its decayed usage, the average of what it held,
 * each past moment weighing half as much for every half-life it lies back (in units: GPUs, cores, bytes). A
 * queue that held 8 GPUs for a long time has a decayed usage of 8; one that stopped a half-life ago, 4.
 *
 * <p>{@code decayed} is the value at {@code at} (epoch milliseconds live, simulated milliseconds in a
 * simulation); {@code held} is what the queue has held since {@code at}, so the history can be carried
 * forward from these three alone, which is all the Queue status keeps: a restarted or newly elected
 * scheduler continues where the last one wrote.
 *
 * <p>Carried forward over {@code dt} at half-life {@code h}, with {@code d = 2^(-dt/h)}:
 * {@code decayed' = decayed * d + held * (1 - d)}, exactly the average above for a queue that held
 * {@code held} throughout. Advancing in two steps gives what one step gives (up to rounding), the result
 * always lies between {@code decayed} and {@code held}, and time that runs backwards (a clock behind the last
 * writer's) changes nothing.
 */
public record UsageHistory(long at, Map<String, Double> decayed, Map<String, Double> held) {
    public UsageHistory {
        decayed = Sorted.map(decayed);
        held = Sorted.map(held);
    }

    /** A queue with no history: nothing held, ever, as of {@code at}. */
    public static UsageHistory none(long at) {
        return new UsageHistory(at, Map.of(), Map.of());
    }

    /** The weight {@code 2^(-elapsed/halfLife)} of what lies {@code elapsed} back; StrictMath, so every JVM agrees. */
    public static double decayFactor(long elapsedMillis, long halfLifeMillis) {
        if (halfLifeMillis <= 0) {
            throw new IllegalArgumentException("the half-life must be positive, got " + halfLifeMillis);
        }
        if (elapsedMillis <= 0) {
            return 1.0;
        }
        return StrictMath.pow(2.0, -(double) elapsedMillis / halfLifeMillis);
    }

    /**
     * The history at {@code now}, the queue having held {@code held} since {@code at}; still holding it. When
     * {@code now} is not after {@code at}, the history as it is.
     */
    public UsageHistory advance(long now, long halfLifeMillis) {
        if (now <= at) {
            return this;
        }
        double d = decayFactor(now - at, halfLifeMillis);
        Map<String, Double> next = new TreeMap<>();
        java.util.Set<String> names = new java.util.TreeSet<>(decayed.keySet());
        names.addAll(held.keySet());
        for (String r : names) {
            double before = decayed.getOrDefault(r, 0.0);
            double h = held.getOrDefault(r, 0.0);
            double v = before * d + h * (1 - d);
            // between the two by construction; kept there against rounding
            v = Math.max(Math.min(before, h), Math.min(Math.max(before, h), v));
            if (v != 0) {
                next.put(r, v);
            }
        }
        return new UsageHistory(now, next, held);
    }

    /** The same history, the queue holding {@code nowHeld} from {@code at} on. */
    public UsageHistory holding(Map<String, Double> nowHeld) {
        return new UsageHistory(at, decayed, nowHeld);
    }

    public double decayed(String resource) {
        return decayed.getOrDefault(resource, 0.0);
    }

    /** The later of two histories of one queue: the one advanced last is the one to continue from. */
    public static UsageHistory later(UsageHistory a, UsageHistory b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return b.at > a.at ? b : a;
    }
}
