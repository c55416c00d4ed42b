package dev.phalanx.core.kube;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as written in Phalanx objects: 90s, 5m, 1h30m, 2d (and ms). */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");

    private Durations() {
    }

    /** Milliseconds in {@code text}; IllegalArgumentException naming the text when it is not a duration. */
    public static long parseMillis(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty duration (expected e.g. 90s, 5m, 2h, 1d)");
        }
        Matcher m = PART.matcher(text.trim());
        int at = 0;
        double millis = 0;
        while (m.find() && m.start() == at) {
            double v = Double.parseDouble(m.group(1));
            millis += v * switch (m.group(2)) {
                case "ms" -> 1;
                case "s" -> 1_000;
                case "m" -> 60_000;
                case "h" -> 3_600_000;
                default -> 86_400_000;
            };
            at = m.end();
        }
        if (at == 0 || at != text.trim().length()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (expected e.g. 90s, 5m, 2h, 1d)");
        }
        return Math.round(millis);
    }

    /** A compact human form: 1h30m, 45s, 2d3h. */
    public static String format(long millis) {
        long s = millis / 1000;
        if (s == 0) {
            return millis + "ms";
        }
        StringBuilder sb = new StringBuilder();
        long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;
        if (d > 0) sb.append(d).append('d');
        if (h > 0) sb.append(h).append('h');
        if (m > 0) sb.append(m).append('m');
        if (sec > 0) sb.append(sec).append('s');
        return sb.toString();
    }
}
