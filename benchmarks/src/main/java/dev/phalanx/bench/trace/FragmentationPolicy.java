package dev.phalanx.bench.trace;

import dev.phalanx.bench.fragmentation.BestFitPolicy;
import dev.phalanx.bench.fragmentation.DotProductPolicy;
import dev.phalanx.bench.fragmentation.FragmentationGradientDescentPolicy;
import dev.phalanx.bench.fragmentation.GpuNodeState;
import dev.phalanx.bench.fragmentation.GpuPackingPolicy;
import dev.phalanx.bench.fragmentation.NodeScoringPolicy;
import dev.phalanx.bench.fragmentation.RandomPolicy;
import dev.phalanx.bench.fragmentation.WorkloadDistribution;
import dev.phalanx.scheduler.Policies;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The placements {@code phalanx bench fragmentation} compares, by CLI name and by the name the FGD paper's
 * results use. {@code phalanx} is the scheduler's own placement, {@link Policies#placement}, driven through
 * {@link SchedulerPlacer}; the others are node-scoring baselines as the FGD paper ran them. {@code fgd}
 * compares nodes the way the published figures were measured (whole-number kube-scheduler scores, ties at
 * random) against every pod type of the list; {@code fgd-95} against the most popular types covering 95% of
 * the pods, as the artifact's configuration reads; {@code fgd-exact} applies the paper's rule exactly.
 */
public enum FragmentationPolicy {
    RANDOM("random", "Random"),
    DOT_PRODUCT("dotprod", "DotProd"),
    GPU_PACKING("gpupacking", "GpuPacking"),
    BEST_FIT("bestfit", "BestFit"),
    FGD("fgd", "FGD"),
    FGD_95("fgd-95", null),
    FGD_EXACT("fgd-exact", null),
    PHALANX("phalanx", null);

    /**
     * Share of pods {@code fgd-95}'s target workload covers with its most popular types
     * ({@code podPopularityThreshold: 95} in hkust-adsl/kubernetes-scheduler-simulator's run scripts at 8f3d641).
     */
    public static final double FGD_POPULARITY_CUT = 0.95;

    private final String cliName;
    private final String publishedName;

    FragmentationPolicy(String cliName, String publishedName) {
        this.cliName = cliName;
        this.publishedName = publishedName;
    }

    public String cliName() {
        return cliName;
    }

    /** The policy's name in the published results (the FGD paper's artifact), null when they have none. */
    public String publishedName() {
        return publishedName;
    }

    /** What produces this row, as the report names it. */
    public String describe() {
        return switch (this) {
            case PHALANX -> "the scheduler's placement, Policies.placement(seed): TimefoldPlacement, warm start BestFitPlacement"
                    + " (NVLink tiers, fragmentation learned from each cycle's snapshot, best fit), one cycle per pod";
            case FGD -> "FGD re-implemented as the published runs score nodes (integer scores, random ties), target: every pod type";
            case FGD_95 -> "as fgd, target cut to the most popular types covering 95% of the pods";
            case FGD_EXACT -> "FGD re-implemented, least growth exactly, target: every pod type";
            default -> "baseline as the FGD paper ran it (kube-scheduler score plugin)";
        };
    }

    /** FGD's target workload: the pod list's types, as the published runs counted them, the most popular covering {@code cut}. */
    public static WorkloadDistribution fgdTarget(List<AlibabaGpuTrace.Pod> pods, double cut) {
        return WorkloadDistribution.popularTypes(pods.stream().map(AlibabaGpuTrace.Pod::demand).toList(),
                pods.stream().map(AlibabaGpuTrace.Pod::gpuSpec).toList(), cut);
    }

    /**
     * A fresh placer for one replay on an empty copy of {@code nodes} of the list {@code pods} (FGD's target
     * workload is counted from it): {@code random} breaks the baselines' ties, {@code seed} seeds the
     * scheduler's placement.
     */
    public FragmentationReplay.Placer placer(List<AlibabaGpuTrace.Node> nodes, List<AlibabaGpuTrace.Pod> pods,
                                             SplittableRandom random, long seed) {
        if (this == PHALANX) {
            return new SchedulerPlacer(nodes, Policies.placement(seed));
        }
        NodeScoringPolicy policy = switch (this) {
            case RANDOM -> new RandomPolicy(random);
            case DOT_PRODUCT -> new DotProductPolicy(random);
            case GPU_PACKING -> new GpuPackingPolicy(random);
            case BEST_FIT -> new BestFitPolicy(random);
            case FGD -> FragmentationGradientDescentPolicy.asPublished(fgdTarget(pods, 1), random);
            case FGD_95 -> FragmentationGradientDescentPolicy.asPublished(fgdTarget(pods, FGD_POPULARITY_CUT), random);
            case FGD_EXACT -> FragmentationGradientDescentPolicy.exact(fgdTarget(pods, 1), random);
            case PHALANX -> throw new IllegalStateException();
        };
        List<GpuNodeState> cluster = new ArrayList<>(nodes.size());
        for (AlibabaGpuTrace.Node n : nodes) {
            cluster.add(n.state());
        }
        return pod -> {
            NodeScoringPolicy.NodeChoice c = policy.choose(pod, cluster);
            if (!c.found()) {
                return false;
            }
            cluster.get(c.node()).assign(pod, c.device());
            return true;
        };
    }

    public static FragmentationPolicy byCliName(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        for (FragmentationPolicy p : values()) {
            if (p.cliName.equals(n)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown policy '" + name + "' (known: "
                + String.join(", ", Arrays.stream(values()).map(FragmentationPolicy::cliName).toList()) + ")");
    }
}
