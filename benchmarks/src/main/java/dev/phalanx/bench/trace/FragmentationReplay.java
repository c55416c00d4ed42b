package dev.phalanx.bench.trace;

import dev.phalanx.bench.fragmentation.GpuDemand;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The FGD paper's measurement protocol on a GPU trace (Weng et al., USENIX ATC 2023, §6, as its artifact
 * hkust-adsl/kubernetes-scheduler-simulator at 8f3d641 runs it): nothing departs; the pod list is shuffled,
 * then inflated by resampling until the next pod would take the arrived GPU demand above {@link #INFLATE_TO}
 * of the cluster's GPUs, or, for a list that asks for more than that, thinned by removing pods at random
 * until it does not; pods are placed one at a time, and a pod that fits no node is dropped. The GPU demand of
 * a pod is {@code num_gpu × gpu_milli / 1000}.
 *
 * <p>After every pod (placed, dropped or asking for no GPU), and once before the first, the replay notes the
 * arrived demand and the allocated GPUs, each in percent of capacity. The figure at k% arrived is, as the
 * artifact computes it, the mean allocation over the notes whose arrived percentage rounds (half to even) to
 * k, allocations rounded to hundredths; when no note rounds to k, over those that round to k-1..k+1. The figure
 * of merit is 100 minus the figure at 100%: the GPUs left unallocated when arrived demand reaches capacity.
 */
public final class FragmentationReplay {
    public static final double INFLATE_TO = 1.30;
    /** Arrived-demand levels at which the allocation curve is given: 0, 1, ..., 130 percent. */
    public static final int CURVE_LEVELS = 131;

    /** Places one pod at a time on a cluster of its own, empty at first; true when the pod got a node. */
    public interface Placer {
        boolean place(GpuDemand pod);
    }

    /**
     * What one replay measured. {@code allocatedPctByArrivedPct[k]} is the figure at k% arrived (NaN when
     * arrivals never came near it).
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
     * The arrival sequence for one seed: the pod list shuffled; then, while the next pod keeps arrived GPU demand
     * within {@link #INFLATE_TO} of {@code capacityMilli}, pods drawn from the list with replacement, the first
     * that would exceed it ending the sequence. A list that alone exceeds it loses pods chosen at random
     * instead, until it does not; the others keep their shuffled order.
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
        List<GpuDemand> out = new ArrayList<>(pods);
        Collections.shuffle(out, random);
        if (totalDemand > limit) {
            while (totalDemand > limit) {
                totalDemand -= out.remove(random.nextInt(out.size())).gpuMilli();
            }
            return out;
        }
        long arrived = totalDemand;
        while (true) {
            GpuDemand p = pods.get(random.nextInt(pods.size()));
            if (arrived + p.gpuMilli() > limit) {
                return out;
            }
            arrived += p.gpuMilli();
            out.add(p);
        }
    }

    /** Places {@code arrivals} one at a time with {@code placer} on a cluster of {@code capacityMilli} GPU. */
    public static Outcome run(long capacityMilli, List<GpuDemand> arrivals, Placer placer) {
        int levels = CURVE_LEVELS + 70; // a list thinned to 130% never goes further; room to spare
        double[] sum = new double[levels];
        int[] notes = new int[levels];
        long arrived = 0, allocated = 0;
        int dropped = 0;
        note(sum, notes, 0, 0, capacityMilli);
        for (GpuDemand pod : arrivals) {
            arrived += pod.gpuMilli();
            if (placer.place(pod)) {
                allocated += pod.gpuMilli();
            } else {
                dropped++;
            }
            note(sum, notes, arrived, allocated, capacityMilli);
        }
        double[] curve = new double[CURVE_LEVELS];
        for (int k = 0; k < CURVE_LEVELS; k++) {
            curve[k] = figure(sum, notes, k);
        }
        double unallocatedAt100 = Double.isNaN(curve[100]) ? Double.NaN : 100 - curve[100];
        return new Outcome(unallocatedAt100, 100.0 * allocated / capacityMilli, 100.0 * arrived / capacityMilli,
                arrivals.size(), dropped, curve);
    }

    private static void note(double[] sum, int[] notes, long arrived, long allocated, long capacityMilli) {
        int level = (int) Math.rint(100.0 * arrived / capacityMilli);
        if (level < sum.length) {
            sum[level] += Math.rint(10_000.0 * allocated / capacityMilli) / 100;
            notes[level]++;
        }
    }

    private static double figure(double[] sum, int[] notes, int k) {
        if (notes[k] > 0) {
            return sum[k] / notes[k];
        }
        double s = 0;
        int n = 0;
        for (int j = Math.max(0, k - 1); j <= k + 1 && j < notes.length; j++) {
            s += sum[j];
            n += notes[j];
        }
        return n == 0 ? Double.NaN : s / n;
    }
}
