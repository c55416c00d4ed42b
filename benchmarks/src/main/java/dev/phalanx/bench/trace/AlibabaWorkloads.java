package dev.phalanx.bench.trace;

import dev.phalanx.bench.fragmentation.GpuDemand;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * The 17 workloads the FGD paper (Weng et al., USENIX ATC 2023) publishes figures for, built from the trace's
 * default pod list ({@code openb_pod_list_default.csv}) by one rule per family. The paper's artifact
 * (hkust-adsl/kubernetes-scheduler-simulator, {@code data/csv/openb_pod_list_*.csv}) ships its 16 variant
 * files but no generator; the rules below follow the authors' definitions of the families (the axis labels
 * of the paper's Figs. 11-14: non-GPU pods' share of pod count; GPU-sharing, multi-GPU and model-constrained
 * pods' share of GPU demand) and what those files show about how rows were drawn. benchmarks/README.md puts
 * the resulting statistics next to the published files'.
 *
 * <ul>
 *   <li>{@code cpuF} (F = 050, 100, 200, 250; f = F/1000, the non-GPU share of pods): every GPU pod once, in
 *   the default order, after {@code n = round(f/(1-f) x GPU pods)} non-GPU pods drawn from the default's
 *   non-GPU pods, without replacement while n does not exceed them, else with replacement.</li>
 *   <li>{@code gpushareX} (x = X/100, the GPU-sharing pods' share of GPU demand): the non-GPU pods unchanged,
 *   and as many GPU pods as the default has, each the next GPU-sharing pod (drawn with replacement) while the
 *   sharing share of the GPU demand drawn so far is below x, else the next of the other GPU pods (whole and
 *   multi-GPU together, in a random order, without replacement).</li>
 *   <li>{@code gpuspecX} (x = X/100, 33 meaning a third: the share of GPU demand whose pods name GPU models):
 *   the default list, where each GPU-sharing pod names models with probability 0.87x and each other GPU pod
 *   with probability 1.13x (the rates the published files show by pod class, about x of GPU demand in all),
 *   the models drawn from the mix the published files give each class of pod ({@link #SPECS}).</li>
 *   <li>{@code multigpuX} (x = X/100, the multi-GPU pods' share of GPU demand): the default list, then
 *   multi-GPU pods of the default drawn with replacement until their share of GPU demand reaches x.</li>
 * </ul>
 * Each variant is drawn from its own recorded seed ({@link #seed}), so it is the same on every run; pods are
 * renamed {@code openb-pod-0000...} in list order.
 */
public final class AlibabaWorkloads {
    public static final String DEFAULT = "default";
    /** Every workload the paper publishes figures for, in the order of its artifact's table. */
    public static final List<String> NAMES = List.of(DEFAULT, "cpu050", "cpu100", "cpu200", "cpu250",
            "gpushare40", "gpushare60", "gpushare80", "gpushare100",
            "gpuspec10", "gpuspec20", "gpuspec25", "gpuspec33",
            "multigpu20", "multigpu30", "multigpu40", "multigpu50");
    /** The seed every variant's draws start from, mixed with the variant's name. */
    public static final long GENERATION_SEED = 2023;

    /** A {@code gpu_spec} value as the published files write it, and its weight within a class of pod. */
    record Spec(String text, double weight) {
    }

    /**
     * The models that model-constrained pods name, by class of pod, pooled over the published gpuspec05..33
     * files (share of that class's constrained pods, in percent; counts for the multi-GPU classes). The
     * duplicated {@code V100M32} is written as in those files.
     */
    static final List<List<Spec>> SPECS = List.of(
            // sharing pods (one GPU, below 1000 thousandths)
            List.of(new Spec("T4", 64.5), new Spec("P100", 33.7), new Spec("G2|P100|T4|V100M16|V100M32", 1.8)),
            // one whole GPU
            List.of(new Spec("T4", 45.2), new Spec("G2", 22.6), new Spec("V100M16|V100M32", 10.5),
                    new Spec("P100|V100M16|V100M32", 6.5), new Spec("G3", 5.1), new Spec("P100|T4|V100M16|V100M32", 1.8),
                    new Spec("G2|P100|T4|V100M16|V100M32", 1.8), new Spec("A10|G2|T4|V100M16|V100M32", 1.6),
                    new Spec("V100M16|V100M32|V100M32", 1.5), new Spec("V100M32", 1.2), new Spec("P100|V100M16", 0.8),
                    new Spec("A10|T4", 0.5), new Spec("V100M16", 0.4), new Spec("P100", 0.2),
                    new Spec("A10|G2|P100|T4|V100M16|V100M32|V100M32", 0.2), new Spec("P100|T4", 0.02),
                    new Spec("T4|V100M16|V100M32", 0.02)),
            // 2 GPUs
            List.of(new Spec("P100|V100M16|V100M32", 6), new Spec("T4|V100M16|V100M32", 3), new Spec("V100M16|V100M32", 3),
                    new Spec("V100M32", 3)),
            // 4 GPUs
            List.of(new Spec("G2", 12), new Spec("V100M16|V100M32|V100M32", 7), new Spec("V100M16|V100M32", 2)),
            // 8 GPUs
            List.of(new Spec("G2", 21), new Spec("G3", 16)));

    private AlibabaWorkloads() {
    }

    /** The workload {@code name} (one of {@link #NAMES}) built from the default pod list {@code base}. */
    public static List<AlibabaGpuTrace.Pod> build(String name, List<AlibabaGpuTrace.Pod> base) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        if (!NAMES.contains(n)) {
            throw new IllegalArgumentException("unknown workload '" + name + "' (known: " + String.join(", ", NAMES) + ", all)");
        }
        if (n.equals(DEFAULT)) {
            return base;
        }
        SplittableRandom random = new SplittableRandom(seed(n));
        int level = Integer.parseInt(n.replaceAll("[a-z]", ""));
        List<AlibabaGpuTrace.Pod> out;
        if (n.startsWith("cpu")) {
            out = nonGpuShare(base, level / 1000.0, random);
        } else if (n.startsWith("gpushare")) {
            out = sharingShare(base, level / 100.0, random);
        } else if (n.startsWith("gpuspec")) {
            out = modelConstrained(base, level == 33 ? 1 / 3.0 : level / 100.0, random);
        } else {
            out = multiGpuShare(base, level / 100.0, random);
        }
        return renamed(out);
    }

    /** The seed workload {@code name}'s draws start from: {@link #GENERATION_SEED} mixed with the name. */
    static long seed(String name) {
        return GENERATION_SEED * 1_000_003L + name.hashCode();
    }

    static boolean nonGpu(AlibabaGpuTrace.Pod p) {
        return p.demand().gpuCount() == 0;
    }

    static boolean sharing(AlibabaGpuTrace.Pod p) {
        return p.demand().sharesDevice();
    }

    static boolean multiGpu(AlibabaGpuTrace.Pod p) {
        return p.demand().gpuCount() > 1;
    }

    private static List<AlibabaGpuTrace.Pod> only(List<AlibabaGpuTrace.Pod> pods, Predicate<AlibabaGpuTrace.Pod> keep) {
        return pods.stream().filter(keep).toList();
    }

    private static List<AlibabaGpuTrace.Pod> nonGpuShare(List<AlibabaGpuTrace.Pod> base, double f, SplittableRandom random) {
        List<AlibabaGpuTrace.Pod> cpu = only(base, AlibabaWorkloads::nonGpu);
        List<AlibabaGpuTrace.Pod> gpu = only(base, p -> !nonGpu(p));
        int n = (int) Math.round(f / (1 - f) * gpu.size());
        List<AlibabaGpuTrace.Pod> out = new ArrayList<>(n + gpu.size());
        if (n <= cpu.size()) {
            List<AlibabaGpuTrace.Pod> shuffled = shuffled(cpu, random);
            out.addAll(shuffled.subList(0, n));
        } else {
            for (int i = 0; i < n; i++) {
                out.add(cpu.get(random.nextInt(cpu.size())));
            }
        }
        out.addAll(gpu);
        return out;
    }

    private static List<AlibabaGpuTrace.Pod> sharingShare(List<AlibabaGpuTrace.Pod> base, double x, SplittableRandom random) {
        List<AlibabaGpuTrace.Pod> cpu = only(base, AlibabaWorkloads::nonGpu);
        List<AlibabaGpuTrace.Pod> share = only(base, AlibabaWorkloads::sharing);
        List<AlibabaGpuTrace.Pod> other = only(base, p -> !nonGpu(p) && !sharing(p));
        int gpuPods = share.size() + other.size();
        List<AlibabaGpuTrace.Pod> otherOrder = shuffled(other, random);
        List<AlibabaGpuTrace.Pod> drawnShare = new ArrayList<>();
        List<AlibabaGpuTrace.Pod> drawnOther = new ArrayList<>();
        long shareMilli = 0, totalMilli = 0;
        for (int i = 0; i < gpuPods; i++) {
            boolean below = totalMilli == 0 || (double) shareMilli / totalMilli < x;
            AlibabaGpuTrace.Pod next;
            if (x >= 1 || below || drawnOther.size() == otherOrder.size()) {
                next = share.get(random.nextInt(share.size()));
                drawnShare.add(next);
                shareMilli += next.demand().gpuMilli();
            } else {
                next = otherOrder.get(drawnOther.size());
                drawnOther.add(next);
            }
            totalMilli += next.demand().gpuMilli();
        }
        List<AlibabaGpuTrace.Pod> out = new ArrayList<>(cpu);
        out.addAll(drawnShare);
        out.addAll(drawnOther);
        return out;
    }

    private static List<AlibabaGpuTrace.Pod> modelConstrained(List<AlibabaGpuTrace.Pod> base, double x, SplittableRandom random) {
        List<AlibabaGpuTrace.Pod> out = new ArrayList<>(base.size());
        for (AlibabaGpuTrace.Pod p : base) {
            if (nonGpu(p)) {
                out.add(p);
                continue;
            }
            double rate = sharing(p) ? 0.87 * x : 1.13 * x;
            if (random.nextDouble() >= rate) {
                out.add(p);
                continue;
            }
            String spec = draw(SPECS.get(specClass(p.demand())), random);
            Set<String> models = new LinkedHashSet<>(Arrays.asList(spec.split("\\|")));
            GpuDemand d = p.demand();
            out.add(new AlibabaGpuTrace.Pod(p.name(), new GpuDemand(d.cpuMilli(), d.memoryMib(), d.gpuCount(),
                    d.gpuMilliPerDevice(), models), spec));
        }
        return out;
    }

    /** 0 sharing, 1 one whole GPU, 2, 3 and 4 for 2, 4 and 8 GPUs. */
    static int specClass(GpuDemand d) {
        if (d.sharesDevice()) {
            return 0;
        }
        return switch (d.gpuCount()) {
            case 1 -> 1;
            case 2 -> 2;
            case 4 -> 3;
            case 8 -> 4;
            default -> throw new IllegalArgumentException("no model mix for pods of " + d.gpuCount() + " GPUs");
        };
    }

    private static String draw(List<Spec> specs, SplittableRandom random) {
        double total = specs.stream().mapToDouble(Spec::weight).sum();
        double u = random.nextDouble() * total;
        for (Spec s : specs) {
            u -= s.weight();
            if (u < 0) {
                return s.text();
            }
        }
        return specs.get(specs.size() - 1).text();
    }

    private static List<AlibabaGpuTrace.Pod> multiGpuShare(List<AlibabaGpuTrace.Pod> base, double x, SplittableRandom random) {
        List<AlibabaGpuTrace.Pod> multi = only(base, AlibabaWorkloads::multiGpu);
        List<AlibabaGpuTrace.Pod> out = new ArrayList<>(base);
        long multiMilli = 0, totalMilli = 0;
        for (AlibabaGpuTrace.Pod p : base) {
            totalMilli += p.demand().gpuMilli();
            multiMilli += multiGpu(p) ? p.demand().gpuMilli() : 0;
        }
        if (Boolean.getBoolean("wl.pubmulti")) {
            int[][] counts = {{20, 97, 38, 37}, {30, 192, 96, 68}, {40, 315, 140, 139}, {50, 512, 206, 191}};
            for (int[] c : counts) {
                if (Math.round(x * 100) == c[0]) {
                    int[] sizes = {8, 2, 4};
                    for (int k = 0; k < 3; k++) {
                        int size = sizes[k];
                        List<AlibabaGpuTrace.Pod> ofSize = multi.stream().filter(p -> p.demand().gpuCount() == size).toList();
                        for (int j = 0; j < c[k + 1]; j++) {
                            out.add(ofSize.get(random.nextInt(ofSize.size())));
                        }
                    }
                }
            }
            return out;
        }
        while ((double) multiMilli / totalMilli < x) {
            AlibabaGpuTrace.Pod p = multi.get(random.nextInt(multi.size()));
            out.add(p);
            multiMilli += p.demand().gpuMilli();
            totalMilli += p.demand().gpuMilli();
        }
        return out;
    }

    private static List<AlibabaGpuTrace.Pod> shuffled(List<AlibabaGpuTrace.Pod> pods, SplittableRandom random) {
        List<AlibabaGpuTrace.Pod> s = new ArrayList<>(pods);
        for (int i = s.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            AlibabaGpuTrace.Pod t = s.get(i);
            s.set(i, s.get(j));
            s.set(j, t);
        }
        return s;
    }

    private static List<AlibabaGpuTrace.Pod> renamed(List<AlibabaGpuTrace.Pod> pods) {
        List<AlibabaGpuTrace.Pod> out = new ArrayList<>(pods.size());
        for (int i = 0; i < pods.size(); i++) {
            AlibabaGpuTrace.Pod p = pods.get(i);
            out.add(new AlibabaGpuTrace.Pod(String.format("openb-pod-%04d", i), p.demand(), p.gpuSpec()));
        }
        return out;
    }

    /** What a pod list holds, in the terms of the paper's families; as the README's tables give it. */
    public record Statistics(String workload, int pods, int nonGpu, int sharing, int wholeOne, int multi, double gpuDemand,
                             double gpuDemandPctOfCapacity, double sharingPctOfDemand, double multiPctOfDemand,
                             int constrained, double constrainedPctOfGpuPods, double constrainedPctOfDemand) {
    }

    public static Statistics statistics(String workload, List<AlibabaGpuTrace.Pod> pods, long capacityMilli) {
        int nonGpu = 0, sharing = 0, whole = 0, multi = 0, constrained = 0;
        long demand = 0, shareMilli = 0, multiMilli = 0, constrainedMilli = 0;
        for (AlibabaGpuTrace.Pod p : pods) {
            GpuDemand d = p.demand();
            demand += d.gpuMilli();
            if (nonGpu(p)) {
                nonGpu++;
            } else if (sharing(p)) {
                sharing++;
                shareMilli += d.gpuMilli();
            } else if (multiGpu(p)) {
                multi++;
                multiMilli += d.gpuMilli();
            } else {
                whole++;
            }
            if (d.gpuCount() > 0 && !d.allowedModels().isEmpty()) {
                constrained++;
                constrainedMilli += d.gpuMilli();
            }
        }
        int gpuPods = pods.size() - nonGpu;
        return new Statistics(workload, pods.size(), nonGpu, sharing, whole, multi, demand / 1000.0,
                100.0 * demand / capacityMilli, 100.0 * shareMilli / demand, 100.0 * multiMilli / demand, constrained,
                gpuPods == 0 ? 0 : 100.0 * constrained / gpuPods, 100.0 * constrainedMilli / demand);
    }
}
