package dev.phalanx.bench.trace;

import dev.phalanx.bench.fragmentation.GpuDemand;
import dev.phalanx.bench.fragmentation.GpuNodeState;
import dev.phalanx.bench.fragmentation.NodeScoringPolicy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The FGD paper's measurement protocol on a GPU trace (Weng et al., USENIX ATC 2023, §6): nothing
 * departs; the pod list, shuffled, is inflated by resampling until the next pod would take the arrived GPU
 * demand above {@link #INFLATE_TO} of the cluster's GPUs; pods are placed one at a time, and a pod that
 * fits no node is dropped. The GPU demand of a pod is {@code num_gpu × gpu_milli / 1000}.
 *
 * <p>The figure of merit is the share of GPUs left unallocated when arrived demand reaches 100% of
 * capacity. "Reaches" is the first-crossing rule: the allocation right after the first pod that takes
 * arrived demand to 100% or more; no interpolation (one pod moves the figure by about 0.02%).
 */
public final class FragmentationReplay {
    public static final double INFLATE_TO = 1.30;
    /** Arrived-demand levels at which the allocation curve is sampled: 0, 1, ..., 130 percent. */
    public static final int CURVE_LEVELS = 131;

    /**
     * What one replay measured. {@code allocatedPctByArrivedPct[k]} is the allocated share right after the
     * first pod that took arrived demand to k% or more (NaN when arrivals never got there).
     */
    public record Outcome(double unallocatedPctAt100, double allocatedPctAtEnd, double arrivedPctAtEnd, int podsArrived,
                          int podsDropped, double[] allocatedPctByArrivedPct) {
    }

    private FragmentationReplay() {
    }

    public static long gpuCapacityMilli(List<AlibabaGpuTrace.Node> nodes) {
        long sum = 0;
        for (AlibabaGpuTrace.Node n : nodes) {
            sum += n.gpus() * (long) GpuDemand.WHOLE_DEVICE;
        }
        return sum;
    }

    /**
     * The arrival sequence for one seed: the pod list shuffled, then pods drawn from it with replacement,
     * all while the next pod keeps arrived GPU demand within {@link #INFLATE_TO} of {@code capacityMilli};
     * the first pod that would exceed it ends the sequence (also within the shuffled list, should the list
     * alone exceed it).
     */
    public static List<GpuDemand> arrivals(List<GpuDemand> pods, long capacityMilli, RandomGenerator random) {
        long totalDemand = 0;
        for (GpuDemand p : pods) {
            totalDemand += p.gpuMilli();
        }
        if (totalDemand == 0) {
            throw new IllegalArgumentException("the pod list asks for no GPU at all; the protocol inflates GPU demand");
        }
        long limit = (long) Math.floor(capacityMilli * INFLATE_TO);
        List<GpuDemand> shuffled = new ArrayList<>(pods);
        Collections.shuffle(shuffled, random);
        List<GpuDemand> out = new ArrayList<>((int) (pods.size() * 1.5));
        long arrived = 0;
        for (GpuDemand p : shuffled) {
            if (arrived + p.gpuMilli() > limit) {
                return out;
            }
            arrived += p.gpuMilli();
            out.add(p);
        }
        while (true) {
            GpuDemand p = pods.get(random.nextInt(pods.size()));
            if (arrived + p.gpuMilli() > limit) {
                return out;
            }
            arrived += p.gpuMilli();
            out.add(p);
        }
    }

    /** Places {@code arrivals} one at a time on a fresh, empty copy of {@code nodes} with {@code policy}. */
    public static Outcome run(List<AlibabaGpuTrace.Node> nodes, List<GpuDemand> arrivals, NodeScoringPolicy policy) {
        List<GpuNodeState> cluster = new ArrayList<>(nodes.size());
        for (AlibabaGpuTrace.Node n : nodes) {
            cluster.add(n.state());
        }
        long capacity = gpuCapacityMilli(nodes);
        double[] curve = new double[CURVE_LEVELS];
        java.util.Arrays.fill(curve, Double.NaN);
        long arrived = 0, allocated = 0;
        int dropped = 0;
        int nextLevel = 0;
        for (GpuDemand pod : arrivals) {
            arrived += pod.gpuMilli();
            NodeScoringPolicy.NodeChoice choice = policy.choose(pod, cluster);
            if (choice.found()) {
                cluster.get(choice.node()).assign(pod, choice.device());
                allocated += pod.gpuMilli();
            } else {
                dropped++;
            }
            // levels k with arrived >= k% of capacity, i.e. 100 * arrived >= k * capacity
            while (nextLevel < CURVE_LEVELS && 100 * arrived >= nextLevel * capacity) {
                curve[nextLevel++] = 100.0 * allocated / capacity;
            }
        }
        double unallocatedAt100 = Double.isNaN(curve[100]) ? Double.NaN : 100 - curve[100];
        return new Outcome(unallocatedAt100, 100.0 * allocated / capacity, 100.0 * arrived / capacity, arrivals.size(),
                dropped, curve);
    }
}
