package dev.phalanx.bench.trace;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** Parses a seed list as the benchmarks take it: {@code 42..51} (inclusive), {@code 42,43,50}, or a mix. */
public final class Seeds {
    private static final int MAX_SEEDS = 10_000;

    private Seeds() {
    }

    public static List<Long> parse(String text) {
        LinkedHashSet<Long> seeds = new LinkedHashSet<>();
        for (String part : text.split(",")) {
            String p = part.strip();
            try {
                int dots = p.indexOf("..");
                if (dots >= 0) {
                    long from = Long.parseLong(p.substring(0, dots).strip());
                    long to = Long.parseLong(p.substring(dots + 2).strip());
                    if (to < from || to - from >= MAX_SEEDS) {
                        throw new IllegalArgumentException("seed range '" + p + "' must go upwards and hold at most "
                                + MAX_SEEDS + " seeds");
                    }
                    for (long s = from; s <= to; s++) {
                        seeds.add(s);
                    }
                } else {
                    seeds.add(Long.parseLong(p));
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a seed list (expected e.g. 42..51 or 42,43)");
            }
        }
        return new ArrayList<>(seeds);
    }

    /** The shortest way to write {@code seeds} back: {@code 42..51} for a run of consecutive seeds. */
    public static String format(List<Long> seeds) {
        boolean consecutive = seeds.size() > 2;
        for (int i = 1; i < seeds.size() && consecutive; i++) {
            consecutive = seeds.get(i) == seeds.get(i - 1) + 1;
        }
        return consecutive ? seeds.get(0) + ".." + seeds.get(seeds.size() - 1)
                : String.join(",", seeds.stream().map(String::valueOf).toList());
    }
}
