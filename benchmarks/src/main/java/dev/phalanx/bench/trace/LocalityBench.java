package dev.phalanx.bench.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs {@link LocalityReplay} for Phalanx's gang placement and the node-by-node best-fit baseline on the same
 * windows of the Philly trace: each seed picks where a window of {@code jobsPerSeed} consecutive jobs starts.
 */
public final class LocalityBench {
    public enum Placer {
        PHALANX("phalanx"),
        NODE_BEST_FIT("node-best-fit");

        private final String cliName;

        Placer(String cliName) {
            this.cliName = cliName;
        }

        public String cliName() {
            return cliName;
        }

        GangPlacer create(long seed) {
            return this == PHALANX ? GangPlacer.phalanx(seed) : GangPlacer.nodeByNodeBestFit(new SplittableRandom(seed));
        }

        /** What produces this row, as the report names it. */
        public String describe() {
            return this == PHALANX ? GangPlacer.PHALANX
                    : "each pod on its own to the node it leaves with the fewest free GPUs, ties at random";
        }
    }

    /** One placer over all seeds; percentages pooled over seeds, {@code multiNodeAtFewestPctSd} across seeds. */
    public record PlacerResult(Placer placer, int gangs, int started, int multiNodeStarted, double multiNodeAtFewestPct,
                               double multiNodeAtFewestPctSd, double meanExtraDomains, int fitOneDomainStarted,
                               double fitOneDomainInOnePct, double meanWaitMinutes, Map<Integer, LocalityReplay.SizeStats> bySize,
                               List<LocalityReplay.Outcome> perSeed) {
    }

    public record Result(int domains, int jobsPerSeed, List<Long> seeds, List<Long> windowStarts, List<PlacerResult> placers,
                         double wallSeconds) {
    }

    private LocalityBench() {
    }

    /** Where the window of {@code size} consecutive jobs starts for {@code seed}. */
    static int windowStart(int jobs, int size, long seed) {
        return size >= jobs ? 0 : new SplittableRandom(seed).nextInt(jobs - size + 1);
    }

    public static Result run(List<PhillyTrace.Job> jobs, int domains, int jobsPerSeed, List<Long> seeds, int threads)
            throws InterruptedException {
        long started = System.nanoTime();
        List<Long> starts = new ArrayList<>();
        for (long seed : seeds) {
            starts.add((long) windowStart(jobs.size(), jobsPerSeed, seed));
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        try {
            Map<Placer, List<Future<LocalityReplay.Outcome>>> futures = new TreeMap<>();
            for (Placer placer : Placer.values()) {
                List<Future<LocalityReplay.Outcome>> perSeed = new ArrayList<>();
                for (int s = 0; s < seeds.size(); s++) {
                    int from = starts.get(s).intValue();
                    List<PhillyTrace.Job> window = jobs.subList(from, Math.min(jobs.size(), from + jobsPerSeed));
                    long seed = seeds.get(s);
                    perSeed.add(pool.submit(() -> LocalityReplay.run(domains, window, placer.create(seed))));
                }
                futures.put(placer, perSeed);
            }
            List<PlacerResult> results = new ArrayList<>();
            for (Map.Entry<Placer, List<Future<LocalityReplay.Outcome>>> e : futures.entrySet()) {
                List<LocalityReplay.Outcome> outcomes = new ArrayList<>();
                for (Future<LocalityReplay.Outcome> f : e.getValue()) {
                    outcomes.add(f.get());
                }
                results.add(summarize(e.getKey(), outcomes));
            }
            return new Result(domains, jobsPerSeed, List.copyOf(seeds), starts, results, (System.nanoTime() - started) / 1e9);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static PlacerResult summarize(Placer placer, List<LocalityReplay.Outcome> outcomes) {
        int gangs = 0, started = 0, multi = 0, fewest = 0, fitOne = 0, inOne = 0;
        long extra = 0;
        double waitSum = 0;
        Map<Integer, LocalityReplay.SizeStats> bySize = new TreeMap<>();
        List<Double> perSeedPct = new ArrayList<>();
        for (LocalityReplay.Outcome o : outcomes) {
            gangs += o.gangs();
            started += o.started();
            multi += o.multiNodeStarted();
            fewest += o.multiNodeAtFewest();
            extra += o.multiNodeExtraDomains();
            fitOne += o.fitOneDomainStarted();
            inOne += o.fitOneDomainInOne();
            waitSum += o.meanWaitSeconds() * o.started();
            o.bySize().forEach((size, stats) -> bySize.merge(size, stats, LocalityReplay.SizeStats::plus));
            if (o.multiNodeStarted() > 0) {
                perSeedPct.add(o.multiNodeAtFewestPct());
            }
        }
        double mean = perSeedPct.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double sd = Math.sqrt(perSeedPct.stream().mapToDouble(v -> (v - mean) * (v - mean)).average().orElse(Double.NaN));
        return new PlacerResult(placer, gangs, started, multi, multi == 0 ? Double.NaN : 100.0 * fewest / multi, sd,
                multi == 0 ? Double.NaN : (double) extra / multi, fitOne, fitOne == 0 ? Double.NaN : 100.0 * inOne / fitOne,
                started == 0 ? 0 : waitSum / started / 60, bySize, List.copyOf(outcomes));
    }
}
