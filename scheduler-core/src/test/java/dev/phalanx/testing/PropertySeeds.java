package dev.phalanx.testing;

import org.junit.jupiter.api.DynamicTest;

import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * The seeds of the property tests. {@code -Dphalanx.properties.seed=S} sets the first seed (default 0), so a
 * CI run can try another corpus; {@code -Dphalanx.properties.seeds=N} sets how many are tried. A failing case
 * names its seed, and running with that seed as the first one and a count of 1 replays it alone.
 */
public final class PropertySeeds {
    private PropertySeeds() {
    }

    /** A check of one seed that may throw. */
    public interface Check {
        void run(long seed) throws Exception;
    }

    public static long start() {
        return Long.getLong("phalanx.properties.seed", 0L);
    }

    public static int count(int byDefault) {
        return Integer.getInteger("phalanx.properties.seeds", byDefault);
    }

    /** One dynamic test per seed, named by it; a failure's message starts with the seed and how to replay it. */
    public static Stream<DynamicTest> tests(int byDefault, Check check) {
        long first = start();
        return LongStream.range(first, first + count(byDefault)).mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> {
            try {
                check.run(seed);
            } catch (AssertionError | Exception e) {
                throw new AssertionError("seed " + seed + " (replay it with -Dphalanx.properties.seed=" + seed
                        + " -Dphalanx.properties.seeds=1): " + e.getMessage(), e);
            }
        }));
    }
}
