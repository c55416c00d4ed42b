package dev.phalanx.bench.trace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs {@link SegmentReplay} for Phalanx's placement and the segment-by-segment baseline on the same windows of the
 * Philly trace (each seed picks its window, as {@link LocalityBench} does, and the sizes of its jobs).
 */
public final class SegmentBench {
    public enum Placer {
        PHALANX("phalanx", GangPlacer.PHALANX),
        SEGMENT_GREEDY("segment-greedy", GangPlacer.SEGMENT_GREEDY);

        private final String cliName;
        private final String description;

        Placer(String cliName, String description) {
            this.cliName = cliName;
            this.description = description;
        }

        public String cliName() {
            return cliName;
        }

        public String describe() {
            return description;
        }

        GangPlacer create(long seed) {
            return this == PHALANX ? GangPlacer.phalanx(seed) : GangPlacer.segmentBySegment();
        }
    }

    /** One placer pooled over seeds. */
    public record PlacerResult(Placer placer, int jobs, int started, int segmentsWhole, int multiSegmentStarted,
                               double meanSpines, double atFewestSpinesPct, double meanExtraSpines, double meanWaitMinutes,
                               List<SegmentReplay.Outcome> perSeed) {
        public double segmentsWholePct() {
            return started == 0 ? Double.NaN : 100.0 * segmentsWhole / started;
        }
    }

    public record Result(int spines, int racksPerSpine, int jobsPerSeed, List<Long> seeds, List<PlacerResult> placers,
                         double wallSeconds) {
    }

    private SegmentBench() {
    }

    public static Result run(List<PhillyTrace.Job> jobs, int spines, int racksPerSpine, int jobsPerSeed, List<Long> seeds,
                             int threads) throws InterruptedException {
        long t = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        try {
            Map<Placer, List<Future<SegmentReplay.Outcome>>> futures = new LinkedHashMap<>();
            for (Placer placer : Placer.values()) {
                List<Future<SegmentReplay.Outcome>> perSeed = new ArrayList<>();
                for (long seed : seeds) {
                    int from = LocalityBench.windowStart(jobs.size(), jobsPerSeed, seed);
                    List<PhillyTrace.Job> window = jobs.subList(from, Math.min(jobs.size(), from + jobsPerSeed));
                    perSeed.add(pool.submit(() -> SegmentReplay.run(spines, racksPerSpine, window, seed, placer.create(seed))));
                }
                futures.put(placer, perSeed);
            }
            List<PlacerResult> results = new ArrayList<>();
            for (Map.Entry<Placer, List<Future<SegmentReplay.Outcome>>> e : futures.entrySet()) {
                List<SegmentReplay.Outcome> outcomes = new ArrayList<>();
                for (Future<SegmentReplay.Outcome> f : e.getValue()) {
                    outcomes.add(f.get());
                }
                results.add(summarize(e.getKey(), outcomes));
            }
            return new Result(spines, racksPerSpine, jobsPerSeed, List.copyOf(seeds), results, (System.nanoTime() - t) / 1e9);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static PlacerResult summarize(Placer placer, List<SegmentReplay.Outcome> outcomes) {
        int jobs = 0, started = 0, whole = 0, multi = 0, fewest = 0;
        long spines = 0, extra = 0;
        double wait = 0;
        for (SegmentReplay.Outcome o : outcomes) {
            jobs += o.jobs();
            started += o.started();
            whole += o.segmentsWhole();
            multi += o.multiSegmentStarted();
            spines += o.multiSegmentSpines();
            fewest += o.multiSegmentAtFewestSpines();
            extra += o.multiSegmentExtraSpines();
            wait += o.meanWaitSeconds() * o.started();
        }
        return new PlacerResult(placer, jobs, started, whole, multi, multi == 0 ? Double.NaN : (double) spines / multi,
                multi == 0 ? Double.NaN : 100.0 * fewest / multi, multi == 0 ? Double.NaN : (double) extra / multi,
                started == 0 ? 0 : wait / started / 60, List.copyOf(outcomes));
    }

    /** The table the CLI prints and the report embeds. */
    public static String table(Result r) {
        StringBuilder out = new StringBuilder("| placement | jobs started | every segment in one rack | multi-segment jobs "
                + "| spines per job | in the fewest spines found | extra spines per job | mean wait |\n"
                + "|---|---|---|---|---|---|---|---|\n");
        for (PlacerResult p : r.placers()) {
            out.append(String.format(Locale.ROOT, "| %s | %,d of %,d | %.1f%% | %,d | %.2f | %.1f%% | %.2f | %.1f min |%n",
                    p.placer().cliName(), p.started(), p.jobs(), p.segmentsWholePct(), p.multiSegmentStarted(), p.meanSpines(),
                    p.atFewestSpinesPct(), p.meanExtraSpines(), p.meanWaitMinutes()));
        }
        return out.toString();
    }

    /** One JSON object: the set-up and each placer's pooled figures. */
    public static String json(Result r) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "{\"spines\":%d,\"racksPerSpine\":%d,\"jobsPerSeed\":%d,\"seeds\":%s,"
                + "\"wallSeconds\":%.1f,\"placers\":[", r.spines(), r.racksPerSpine(), r.jobsPerSeed(), r.seeds(), r.wallSeconds()));
        for (int k = 0; k < r.placers().size(); k++) {
            PlacerResult p = r.placers().get(k);
            out.append(k == 0 ? "" : ",").append(String.format(Locale.ROOT, "{\"placer\":\"%s\",\"jobs\":%d,\"started\":%d,"
                            + "\"segmentsWholePct\":%.2f,\"multiSegmentStarted\":%d,\"meanSpines\":%.3f,\"atFewestSpinesPct\":%.2f,"
                            + "\"meanExtraSpines\":%.3f,\"meanWaitMinutes\":%.2f}", p.placer().cliName(), p.jobs(), p.started(),
                    p.segmentsWholePct(), p.multiSegmentStarted(), p.meanSpines(), p.atFewestSpinesPct(), p.meanExtraSpines(),
                    p.meanWaitMinutes()));
        }
        return out.append("]}").toString();
    }
}
