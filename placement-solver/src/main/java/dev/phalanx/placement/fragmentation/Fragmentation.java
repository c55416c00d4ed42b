package dev.phalanx.placement.fragmentation;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * How much of a node's free GPU the workload is expected to be unable to use, in thousandths of a GPU, and
 * what placing a pod on the node costs. Lower is better; a node with no free GPU has none.
 *
 * <p>A node's fragmentation averages three estimates, each over the workload's shapes weighed by how many
 * pods have them:
 * <ul>
 *   <li><b>the next pod</b> (FGD's measure, Weng et al., USENIX ATC 2023): for a shape, all the free GPU when
 *   a pod of it cannot run on the node (no GPU wanted, a model it does not accept, too few devices with room,
 *   too little CPU), else the free thousandths on devices with less room than its share;</li>
 *   <li><b>a run of pods</b>: the free GPU left over after packing onto the node as many pods of the shape as
 *   fit together, by devices and by CPU. It sees six GPUs stranded on a node whose CPU holds two more pods,
 *   and a 320 pod wasting 210 of a 530 gap that a 470 pod would fill to 60;</li>
 *   <li><b>the mix</b>: the pods that may run on a node of this kind taken together, as one average pod, and
 *   the free GPU its CPU would leave stranded: a node with fewer free cores per free GPU than the workload
 *   asks for strands the difference. Pods that want no GPU count with {@value #CPU_ONLY_SHARE} of their CPU
 *   here, the part of it a GPU node should expect to give up to them.</li>
 * </ul>
 * The first two weigh half together, the mix the other half.
 *
 * <p>Placing a pod costs the growth of the node's fragmentation and, per thousandth of GPU it takes, the
 * {@link #pressure} on the node's GPU model: the share of the workload's GPU demand that can only run on a
 * few models, divided by those models' share of the cluster's GPUs. A model that pods naming it would fill
 * is kept for them; pods that accept any model go elsewhere first.
 *
 * <p>Values are cached by {@link NodeState}: nodes in the same state are measured once per workload.
 */
public final class Fragmentation {
    static final double NEXT_POD = 0.25;
    static final double RUN_OF_PODS = 0.25;
    static final double MIX = 0.5;
    static final double CPU_ONLY_SHARE = 0.3;

    /** Nodes alike in GPU model, devices and CPU, and how much GPU they have together. */
    public record NodeType(String model, int devices, long cpuMilli, long gpuMilli) {
        /** True when a pod of {@code s} could run on an empty node of this type. */
        boolean holds(PodShape s) {
            return s.accepts(model) && devices >= s.gpus() && cpuMilli >= s.cpuMilli();
        }
    }

    private record GrowthKey(NodeState state, PodShape pod) {
    }

    private final Workload workload;
    private final double cpuOnlyCpu; // weighted CPU of the pods that want no GPU
    private final double cpuOnlyWeight;
    private final long[] cpu;
    private final int[] gpus;
    private final int[] share;
    private final int[] shareIndex;
    private final double[] weight;
    private final List<PodShape> shapes;
    private final int[] distinctShares;
    private final Map<String, boolean[]> acceptedByModel = new HashMap<>();
    private final Map<String, Double> pressure = new HashMap<>();
    private final Map<NodeState, Double> values = new HashMap<>();
    private final Map<GrowthKey, Double> growths = new HashMap<>();

    /** The workload's fragmentation, on a cluster of unknown make-up (no model pressure). */
    public Fragmentation(Workload workload) {
        this(workload, List.of());
    }

    /** The workload's fragmentation on a cluster of nodes of {@code nodeTypes}. */
    public Fragmentation(Workload workload, List<NodeType> nodeTypes) {
        this.workload = workload;
        List<Workload.Share> gpuShares = workload.shares().stream().filter(s -> s.shape().gpus() > 0).toList();
        this.cpuOnlyWeight = workload.shares().stream().filter(s -> s.shape().gpus() == 0).mapToDouble(Workload.Share::weight).sum();
        this.cpuOnlyCpu = workload.shares().stream().filter(s -> s.shape().gpus() == 0)
                .mapToDouble(s -> s.weight() * s.shape().cpuMilli()).sum();
        int n = gpuShares.size();
        cpu = new long[n];
        gpus = new int[n];
        share = new int[n];
        weight = new double[n];
        shapes = gpuShares.stream().map(Workload.Share::shape).toList();
        TreeSet<Integer> distinct = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            PodShape s = shapes.get(i);
            cpu[i] = s.cpuMilli();
            gpus[i] = s.gpus();
            share[i] = s.gpuMilliPerDevice();
            weight[i] = gpuShares.get(i).weight();
            distinct.add(share[i]);
        }
        distinctShares = distinct.stream().mapToInt(Integer::intValue).toArray();
        shareIndex = new int[n];
        for (int i = 0; i < n; i++) {
            shareIndex[i] = Arrays.binarySearch(distinctShares, share[i]);
        }
        modelPressure(gpuShares, nodeTypes);
    }

    private void modelPressure(List<Workload.Share> gpuShares, List<NodeType> nodeTypes) {
        double capacity = nodeTypes.stream().mapToDouble(NodeType::gpuMilli).sum();
        double demand = gpuShares.stream().mapToDouble(s -> s.weight() * s.shape().gpuMilli()).sum();
        if (capacity <= 0 || demand <= 0) {
            return;
        }
        Map<String, Double> byModel = new HashMap<>();
        for (NodeType t : nodeTypes) {
            if (t.model() != null) {
                byModel.merge(t.model(), (double) t.gpuMilli(), Double::sum);
            }
        }
        for (Workload.Share s : gpuShares) {
            if (s.shape().models().isEmpty()) {
                continue;
            }
            double room = 0;
            for (String m : s.shape().models()) {
                room += byModel.getOrDefault(m, 0.0);
            }
            if (room <= 0) {
                continue; // it can run nowhere: no model to keep for it
            }
            double demandShare = s.weight() * s.shape().gpuMilli() / demand;
            for (String m : s.shape().models()) {
                if (byModel.containsKey(m)) {
                    pressure.merge(m, demandShare / (room / capacity), Double::sum);
                }
            }
        }
    }

    public Workload workload() {
        return workload;
    }

    /** What taking one thousandth of a GPU of {@code model} costs, in thousandths of a GPU the workload would miss. */
    public double pressure(String model) {
        return model == null ? 0 : pressure.getOrDefault(model, 0.0);
    }

    /** The fragmentation of a node in state {@code s}. */
    public double of(NodeState s) {
        Double v = values.get(s);
        if (v == null) {
            v = compute(s);
            values.put(s, v);
        }
        return v;
    }

    /**
     * What a node going from {@code before} to {@code after} by taking {@code gpuMilli} thousandths of GPU costs:
     * the growth of its fragmentation (negative: it shrinks) and the pressure on its model.
     */
    public double cost(NodeState before, NodeState after, long gpuMilli) {
        return of(after) - of(before) + pressure(before.model()) * gpuMilli;
    }

    /**
     * What placing a pod of {@code pod} on a node in state {@code s} costs ({@link #cost}), its devices taken by
     * the cycle's rule; {@link Double#NaN} when its GPUs do not fit the devices.
     */
    public double growth(NodeState s, PodShape pod) {
        GrowthKey k = new GrowthKey(s, pod);
        Double g = growths.get(k);
        if (g == null) {
            NodeState after = s.after(pod);
            g = after == null ? Double.NaN : cost(s, after, pod.gpuMilli());
            growths.put(k, g);
        }
        return g;
    }

    private double compute(NodeState s) {
        long free = s.gpuMilliFree();
        if (free == 0) {
            return 0;
        }
        int k = distinctShares.length;
        int[] roomy = new int[k];
        long[] roomyMilli = new long[k];
        long[] slots = new long[k];
        for (int d = 0; d < s.devices(); d++) {
            int f = s.deviceFree(d);
            for (int j = 0; j < k && distinctShares[j] <= f; j++) {
                roomy[j]++;
                roomyMilli[j] += f;
                slots[j] += f / distinctShares[j];
            }
        }
        boolean[] accepted = accepted(s.model());
        long cpuFree = Math.max(0, s.cpuFree());
        double nextPod = cpuOnlyWeight * free;
        double runOfPods = cpuOnlyWeight * free;
        double mixGpu = 0, mixCpu = CPU_ONLY_SHARE * cpuOnlyCpu;
        for (int i = 0; i < weight.length; i++) {
            int j = shareIndex[i];
            boolean runs = accepted[i] && roomy[j] >= gpus[i] && cpuFree >= cpu[i];
            nextPod += weight[i] * (runs ? free - roomyMilli[j] : free);
            long fit = accepted[i] ? slots[j] / gpus[i] : 0;
            if (cpu[i] > 0) {
                fit = Math.min(fit, cpuFree / cpu[i]);
            }
            runOfPods += weight[i] * (free - fit * gpus[i] * (long) share[i]);
            if (accepted[i] && gpus[i] <= s.devices() && cpu[i] <= s.cpuCapacity()) {
                mixGpu += weight[i] * gpus[i] * (double) share[i];
                mixCpu += weight[i] * cpu[i];
            }
        }
        double stranded = mixGpu <= 0 || mixCpu <= 0 ? free : Math.max(0, free - cpuFree * mixGpu / mixCpu);
        return NEXT_POD * nextPod + RUN_OF_PODS * runOfPods + MIX * stranded;
    }

    private boolean[] accepted(String model) {
        return acceptedByModel.computeIfAbsent(model == null ? "" : model, m -> {
            boolean[] a = new boolean[shapes.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = shapes.get(i).accepts(model);
            }
            return a;
        });
    }
}
