package dev.phalanx.bench.trace;

import dev.phalanx.bench.fragmentation.GpuDemand;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs the FGD protocol ({@link FragmentationReplay}) for every policy and seed, in the same run and on the
 * same arrival sequences: for one seed every policy sees exactly the same pods in the same order. Replays
 * are independent, so they run in parallel; each has its own random source derived from its seed, so the
 * figures do not depend on the number of threads.
 */
public final class FragmentationBench {
    /**
     * The mean and population standard deviation of one figure over the seeds; a seed whose figure is undefined
     * (arrivals of a tiny cluster can step over the levels around 100%) is left out, NaN when all are.
     */
    public record Stat(double mean, double sd) {
        static Stat of(double[] values) {
            double[] defined = java.util.Arrays.stream(values).filter(v -> !Double.isNaN(v)).toArray();
            if (defined.length == 0) {
                return new Stat(Double.NaN, Double.NaN);
            }
            double sum = 0;
            for (double v : defined) {
                sum += v;
            }
            double mean = sum / defined.length;
            double sq = 0;
            for (double v : defined) {
                sq += (v - mean) * (v - mean);
            }
            return new Stat(mean, Math.sqrt(sq / defined.length));
        }
    }

    /** One policy over all seeds. {@code seconds} is the wall time its replays took, summed over seeds. */
    public record PolicyResult(FragmentationPolicy policy, Stat unallocatedGpuPct, Stat allocatedGpuPctAt130,
                               Stat podsDropped, double[] meanAllocatedPctByArrivedPct, List<FragmentationReplay.Outcome> perSeed,
                               double seconds) {
    }

    /** One workload (a pod list) under every policy. */
    public record Result(String workload, int nodes, long gpuCapacityMilli, int podsInList, List<Long> seeds,
                         List<PolicyResult> policies, double wallSeconds) {
        /** The result of {@code policy}, or null when it was not run. */
        public PolicyResult of(FragmentationPolicy policy) {
            return policies.stream().filter(p -> p.policy() == policy).findFirst().orElse(null);
        }
    }

    private FragmentationBench() {
    }

    public static Result run(String workload, List<AlibabaGpuTrace.Node> nodes, List<AlibabaGpuTrace.Pod> pods, List<Long> seeds,
                             List<FragmentationPolicy> policies, int threads) throws InterruptedException {
        long started = System.nanoTime();
        List<GpuDemand> demands = pods.stream().map(AlibabaGpuTrace.Pod::demand).toList();
        long capacity = FragmentationReplay.gpuCapacityMilli(nodes);
        record Timed(FragmentationReplay.Outcome outcome, double seconds) {
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        try {
            List<List<Future<Timed>>> futures = new ArrayList<>();
            for (FragmentationPolicy policy : policies) {
                List<Future<Timed>> perSeed = new ArrayList<>();
                for (long seed : seeds) {
                    perSeed.add(pool.submit(() -> {
                        long t0 = System.nanoTime();
                        SplittableRandom root = new SplittableRandom(seed);
                        List<GpuDemand> arrivals = FragmentationReplay.arrivals(demands, capacity, root.split());
                        FragmentationReplay.Outcome o = FragmentationReplay.run(capacity, arrivals,
                                policy.placer(nodes, pods, root.split(), seed));
                        return new Timed(o, (System.nanoTime() - t0) / 1e9);
                    }));
                }
                futures.add(perSeed);
            }
            List<PolicyResult> results = new ArrayList<>();
            for (int p = 0; p < policies.size(); p++) {
                List<FragmentationReplay.Outcome> outcomes = new ArrayList<>();
                double seconds = 0;
                for (Future<Timed> f : futures.get(p)) {
                    Timed t = f.get();
                    outcomes.add(t.outcome);
                    seconds += t.seconds;
                }
                results.add(summarize(policies.get(p), outcomes, seconds));
            }
            return new Result(workload, nodes.size(), capacity, pods.size(), List.copyOf(seeds), results,
                    (System.nanoTime() - started) / 1e9);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static PolicyResult summarize(FragmentationPolicy policy, List<FragmentationReplay.Outcome> outcomes, double seconds) {
        int n = outcomes.size();
        double[] unallocated = new double[n], at130 = new double[n], dropped = new double[n];
        double[] curve = new double[FragmentationReplay.CURVE_LEVELS];
        for (int i = 0; i < n; i++) {
            FragmentationReplay.Outcome o = outcomes.get(i);
            unallocated[i] = o.unallocatedPctAt100();
            at130[i] = o.allocatedPctAtEnd();
            dropped[i] = o.podsDropped();
            for (int k = 0; k < curve.length; k++) {
                curve[k] += o.allocatedPctByArrivedPct()[k] / n; // NaN where any seed has no figure
            }
        }
        return new PolicyResult(policy, Stat.of(unallocated), Stat.of(at130), Stat.of(dropped), curve, List.copyOf(outcomes), seconds);
    }
}
