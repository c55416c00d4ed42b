package dev.phalanx.bench.trace;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/** What {@code phalanx bench locality} prints: a table per placement, or one JSON object. */
public final class LocalityReport {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final String FEWEST_DEFINITION = "fewest NVLink domains possible = the smallest k such that the k domains "
            + "with the most fully free nodes (then most free GPUs) together hold every pod of the gang, on the free "
            + "capacity at the moment the gang starts; ceil(GPUs/72) on an empty cluster";

    private LocalityReport() {
    }

    private static int gpus(LocalityBench.Result r) {
        return r.domains() * NvlinkCluster.GPUS_PER_DOMAIN;
    }

    public static String json(LocalityBench.Result r, Path trace, int traceJobs) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("cluster", Map.of("nvlinkDomains", r.domains(), "nodesPerDomain", NvlinkCluster.NODES_PER_DOMAIN,
                "gpusPerNode", NvlinkCluster.GPUS_PER_NODE, "gpus", gpus(r)));
        root.put("trace", trace.toString());
        root.put("traceJobs", traceJobs);
        root.put("jobsPerSeed", r.jobsPerSeed());
        root.put("seeds", r.seeds());
        root.put("windowStarts", r.windowStarts());
        root.put("definition", FEWEST_DEFINITION);
        List<Map<String, Object>> placers = new ArrayList<>();
        for (LocalityBench.PlacerResult p : r.placers()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.placer().cliName());
            m.put("placement", p.placer().describe());
            m.put("gangs", p.gangs());
            m.put("gangsStarted", p.started());
            m.put("multiNodeGangsStarted", p.multiNodeStarted());
            Map<String, Double> fewest = new LinkedHashMap<>();
            fewest.put("mean", p.multiNodeAtFewestPct());
            fewest.put("sd", p.multiNodeAtFewestPctSd());
            m.put("fewestDomainsPct", fewest);
            m.put("meanExtraDomains", p.meanExtraDomains());
            m.put("oneDomainPctOfGangsUpTo72Gpus", p.fitOneDomainInOnePct());
            m.put("meanWaitMinutes", p.meanWaitMinutes());
            Map<String, Object> bySize = new LinkedHashMap<>();
            p.bySize().forEach((size, s) -> bySize.put(String.valueOf(size), Map.of("started", s.started(), "atFewest", s.atFewest())));
            m.put("bySize", bySize);
            placers.add(m);
        }
        root.put("placers", placers);
        root.put("wallSeconds", r.wallSeconds());
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String text(LocalityBench.Result r, Path trace, int traceJobs, int threads) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Gang locality on %d NVLink domains of %d nodes x %d GPUs (GB200 NVL72-like racks, %d GPUs)%n",
                r.domains(), NvlinkCluster.NODES_PER_DOMAIN, NvlinkCluster.GPUS_PER_NODE, gpus(r)));
        sb.append(String.format(Locale.ROOT, "  trace: %s (%d jobs); per seed %d consecutive jobs from a seeded start,%n",
                trace, traceJobs, r.jobsPerSeed()));
        sb.append("         replayed in trace time: a gang starts when all its pods fit (waiting gangs in arrival order,\n")
                .append("         smaller ones may pass), runs its duration and departs; a job of g GPUs is ceil(g/4) pods of <= 4 GPUs\n");
        sb.append(String.format(Locale.ROOT, "  seeds: %s (window starts %s)%n", Seeds.format(r.seeds()), r.windowStarts()));
        for (LocalityBench.Placer placer : LocalityBench.Placer.values()) {
            sb.append(String.format(Locale.ROOT, "  %s: %s%n", placer.cliName(), placer.describe()));
        }
        sb.append('\n');
        sb.append(String.format(Locale.ROOT, "  %-14s %-10s %-24s %-14s %-17s %-10s%n", "placement", "multi-node", "in fewest NVLink",
                "extra domains", "<=72-GPU gangs", "mean wait"));
        sb.append(String.format(Locale.ROOT, "  %-14s %-10s %-24s %-14s %-17s %-10s%n", "", "gangs", "domains possible",
                "per gang", "in one domain", "(minutes)"));
        for (LocalityBench.PlacerResult p : r.placers()) {
            sb.append(String.format(Locale.ROOT, "  %-14s %-10d %-24s %-14s %-17s %-10s%n", p.placer().cliName(), p.multiNodeStarted(),
                    String.format(Locale.ROOT, "%6.1f%% (sd %.1f)", p.multiNodeAtFewestPct(), p.multiNodeAtFewestPctSd()),
                    String.format(Locale.ROOT, "%.2f", p.meanExtraDomains()),
                    String.format(Locale.ROOT, "%6.1f%%", p.fitOneDomainInOnePct()),
                    String.format(Locale.ROOT, "%.1f", p.meanWaitMinutes())));
        }
        sb.append("  (multi-node gangs: 8 GPUs or more; smaller gangs sit on one node. Percentages pooled over seeds,\n")
                .append("   sd across seeds.)\n");
        sb.append("  ").append(FEWEST_DEFINITION).append('\n');
        sb.append("\n  by gang size, gangs in the fewest domains possible / gangs started:\n");
        TreeSet<Integer> sizes = new TreeSet<>();
        r.placers().forEach(p -> sizes.addAll(p.bySize().keySet()));
        for (int size : sizes) {
            if (size <= NvlinkCluster.GPUS_PER_NODE) {
                continue;
            }
            sb.append(String.format(Locale.ROOT, "  %4d GPUs:", size));
            for (LocalityBench.PlacerResult p : r.placers()) {
                LocalityReplay.SizeStats s = p.bySize().get(size);
                sb.append(String.format(Locale.ROOT, "   %s %s", p.placer().cliName(),
                        s == null ? "-" : s.atFewest() + "/" + s.started()));
            }
            sb.append('\n');
        }
        sb.append(String.format(Locale.ROOT, "  took %.1f s on %d threads%n", r.wallSeconds(), threads));
        return sb.toString();
    }
}
