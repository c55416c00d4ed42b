package dev.phalanx.scheduler.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Grafana dashboards of the chart as a test reads them: every panel's PromQL, with Grafana's
 * variables replaced by values Prometheus accepts, and the metric names that PromQL refers to.
 */
public final class Dashboards {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset", "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
            "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio", "inf", "nan", "atan2", "start", "end");
    private static final Set<String> LABEL_LIST_KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)");

    private Dashboards() {
    }

    /** One panel query: the dashboard's file, the panel's title and the PromQL as written. */
    public record Query(String dashboard, String panel, String expr) {
        /** The expression with Grafana's variables replaced: a range for intervals, a match-all for selections. */
        public String resolved(String rateInterval, String resource) {
            return expr.replace("$__rate_interval", rateInterval).replace("$__interval", rateInterval)
                    .replace("$__range", "1h").replace("${queue}", ".*").replace("$queue", ".*")
                    .replace("${resource}", resource).replace("$resource", resource);
        }

        @Override
        public String toString() {
            return dashboard + " / " + panel + ": " + expr;
        }
    }

    public static List<Path> files(Path chart) throws IOException {
        try (var s = Files.list(chart.resolve("dashboards"))) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    public static JsonNode read(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    /** Every target expression of every panel, rows' nested panels included. */
    public static List<Query> queries(Path chart) throws IOException {
        List<Query> out = new ArrayList<>();
        for (Path f : files(chart)) {
            collect(f.getFileName().toString(), read(f).path("panels"), out);
        }
        return out;
    }

    private static void collect(String file, JsonNode panels, List<Query> out) {
        for (JsonNode p : panels) {
            for (JsonNode t : p.path("targets")) {
                if (t.hasNonNull("expr")) {
                    out.add(new Query(file, p.path("title").asText(), t.get("expr").asText()));
                }
            }
            collect(file, p.path("panels"), out);
        }
    }

    /** The metrics that template variables list their values from ({@code label_values(metric, label)}). */
    public static Set<String> variableMetrics(Path chart) throws IOException {
        Set<String> out = new LinkedHashSet<>();
        for (Path f : files(chart)) {
            for (JsonNode v : read(f).path("templating").path("list")) {
                String q = v.path("query").isObject() ? v.path("query").path("query").asText() : v.path("query").asText();
                Matcher m = LABEL_VALUES.matcher(q);
                while (m.find()) {
                    out.add(m.group(1));
                }
            }
        }
        return out;
    }

    /**
     * The metric names a PromQL expression selects: identifiers outside strings, label matchers and
     * range brackets that are not functions, aggregations, keywords, or the label lists of by/on/....
     */
    public static Set<String> metricNames(String expr) {
        Set<String> names = new LinkedHashSet<>();
        int i = 0;
        int n = expr.length();
        while (i < n) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = skipString(expr, i);
            } else if (c == '{') {
                i = skipTo(expr, i, '}');
            } else if (c == '[') {
                i = skipTo(expr, i, ']');
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(expr.charAt(i + 1)))) {
                while (i < n && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '.')) {
                    i++; // a number, a duration or a hex literal
                }
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '_' || expr.charAt(i) == ':')) {
                    i++;
                }
                String word = expr.substring(start, i);
                int next = i;
                while (next < n && Character.isWhitespace(expr.charAt(next))) {
                    next++;
                }
                boolean call = next < n && expr.charAt(next) == '(';
                if (LABEL_LIST_KEYWORDS.contains(word.toLowerCase())) {
                    if (call) {
                        i = skipTo(expr, next, ')');
                    }
                } else if (!call && !KEYWORDS.contains(word.toLowerCase())) {
                    names.add(word);
                }
            } else {
                i++;
            }
        }
        return names;
    }

    private static int skipString(String s, int at) {
        char quote = s.charAt(at);
        int i = at + 1;
        while (i < s.length() && s.charAt(i) != quote) {
            i += s.charAt(i) == '\\' && quote != '`' ? 2 : 1;
        }
        return i + 1;
    }

    private static int skipTo(String s, int at, char close) {
        int i = at + 1;
        while (i < s.length() && s.charAt(i) != close) {
            char c = s.charAt(i);
            i = c == '"' || c == '\'' || c == '`' ? skipString(s, i) : i + 1;
        }
        return i + 1;
    }
}
