package dev.phalanx.bench.trace;

import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A cluster of NVLink domains shaped like GB200 NVL72 racks: each rack is one domain of
 * {@link #NODES_PER_DOMAIN} nodes with {@link #GPUS_PER_NODE} GPUs, labelled with its
 * {@code nvidia.com/gpu.clique} (and rack) as GPU feature discovery would. CPU and memory are ample, so
 * GPUs decide where gangs fit.
 */
public final class NvlinkCluster {
    public static final int NODES_PER_DOMAIN = 18;
    public static final int GPUS_PER_NODE = 4;
    public static final int GPUS_PER_DOMAIN = NODES_PER_DOMAIN * GPUS_PER_NODE;
    /** CPU cores each pod asks per GPU; nodes have twice that, so CPU never limits a placement. */
    public static final int CORES_PER_GPU = 16;

    private NvlinkCluster() {
    }

    public static String domainName(int domain) {
        return String.format("nvl72-%02d", domain);
    }

    public static List<NodeInfo> nodes(int domains) {
        if (domains < 1) {
            throw new IllegalArgumentException("a cluster needs at least one NVLink domain, got " + domains);
        }
        List<NodeInfo> nodes = new ArrayList<>(domains * NODES_PER_DOMAIN);
        Resources allocatable = Resources.of(Keys.GPU, GPUS_PER_NODE, Keys.CPU, 2.0 * CORES_PER_GPU * GPUS_PER_NODE)
                .add(Resources.of(Keys.MEMORY, 2e12));
        for (int d = 0; d < domains; d++) {
            for (int n = 0; n < NODES_PER_DOMAIN; n++) {
                String name = domainName(d) + "-node-" + String.format("%02d", n);
                nodes.add(new NodeInfo(name, Map.of(Keys.HOSTNAME_LABEL, name, Keys.CLIQUE_LABEL, domainName(d),
                        Keys.RACK_LABEL, "rack-" + String.format("%02d", d)), allocatable, List.of(), false));
            }
        }
        return nodes;
    }

    /** Free capacity of an empty cluster; replays then take and give pods on it as gangs start and finish. */
    public static CapacityView emptyView(List<NodeInfo> nodes) {
        return new CapacityView(new Snapshot(0, nodes, Map.of(), Map.of(), List.of(), List.of(), List.of(), null));
    }
}
