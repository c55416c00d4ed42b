package dev.phalanx.bench.trace;

import dev.phalanx.bench.fragmentation.BestFitPolicy;
import dev.phalanx.bench.fragmentation.DotProductPolicy;
import dev.phalanx.bench.fragmentation.FragmentationGradientDescentPolicy;
import dev.phalanx.bench.fragmentation.GpuPackingPolicy;
import dev.phalanx.bench.fragmentation.NodeScoringPolicy;
import dev.phalanx.bench.fragmentation.PhalanxFragmentationPolicy;
import dev.phalanx.bench.fragmentation.RandomPolicy;
import dev.phalanx.bench.fragmentation.WorkloadDistribution;

import java.util.Arrays;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * The node-scoring policies {@code phalanx bench fragmentation} compares, by CLI name and by the name the FGD
 * paper's results use. {@code fgd} compares nodes the way the published figures were measured (whole-number
 * kube-scheduler scores, ties at random); {@code fgd-exact} applies the paper's rule exactly.
 */
public enum FragmentationPolicy {
    RANDOM("random", "Random"),
    DOT_PRODUCT("dotprod", "DotProd"),
    GPU_PACKING("gpupacking", "GpuPacking"),
    BEST_FIT("bestfit", "BestFit"),
    FGD("fgd", "FGD"),
    FGD_EXACT("fgd-exact", null),
    PHALANX("phalanx", null);

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

    /** A fresh policy for one replay: {@code workload} is the target workload, {@code random} breaks ties. */
    public NodeScoringPolicy create(WorkloadDistribution workload, RandomGenerator random) {
        return switch (this) {
            case RANDOM -> new RandomPolicy(random);
            case DOT_PRODUCT -> new DotProductPolicy(random);
            case GPU_PACKING -> new GpuPackingPolicy(random);
            case BEST_FIT -> new BestFitPolicy(random);
            case FGD -> FragmentationGradientDescentPolicy.asPublished(workload, random);
            case FGD_EXACT -> FragmentationGradientDescentPolicy.exact(workload, random);
            case PHALANX -> new PhalanxFragmentationPolicy(workload);
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
