package dev.phalanx.placement;

import dev.phalanx.core.cycle.TopologyIndex;
import dev.phalanx.core.model.Keys;

/**
 * How much a node costs a pod in NVLink domains ({@value Keys#CLIQUE_LABEL}), lowest first: 0 outside every
 * domain, or inside one for a gang that asked for a topology (it chose its domain); 1 inside a domain already
 * partly used, for a pod of a gang without a topology; +2 when the pod's GPUs would leave a whole, unused
 * domain partly used. The solver's soft constraints charge the same ({@code PlacementConstraints}
 * {@code brokenNvlinkDomain} and {@code nvlinkDomainUsed}), so the warm start and the search agree.
 */
final class NvlinkTier {
    private NvlinkTier() {
    }

    static int of(TopologyIndex cliques, int node, long podGpuMilli, boolean noTopology) {
        int d = cliques.domainOf(node);
        if (d < 0) {
            return 0;
        }
        long total = cliques.totalGpuMilli(d);
        return of(false, total > 0 && cliques.freeGpuMilli(d) == total, total, podGpuMilli, noTopology);
    }

    static int of(boolean outsideDomains, boolean wholeDomain, long domainGpuMilli, long podGpuMilli, boolean noTopology) {
        if (outsideDomains) {
            return 0;
        }
        int tier = noTopology ? 1 : 0;
        return breaks(wholeDomain, domainGpuMilli, podGpuMilli) ? tier + 2 : tier;
    }

    /** True when {@code podGpuMilli} placed in a domain leaves it partly used where it was whole. */
    static boolean breaks(boolean wholeDomain, long domainFreeGpuMilli, long podGpuMilli) {
        return wholeDomain && podGpuMilli > 0 && podGpuMilli < domainFreeGpuMilli;
    }
}
