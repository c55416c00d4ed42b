package dev.phalanx.bench;

import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodGroupInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodPhase;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.RequiredNodeAffinity;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.SnapshotAssembler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A GPU cluster and its pending work for benchmarks, the same for a given size and seed: 8-GPU nodes
 * in NVLink domains of 8 nodes ({@value Keys#CLIQUE_LABEL}), two domains to a rack, four zones; one in
 * ten nodes an older GPU model. About {@link #LOADED_SHARE} of the nodes already run pods; two pending
 * pods per node wait in four team queues, as single pods, small gangs that prefer one rack, gangs that
 * need one NVLink domain and large gangs that prefer one rack. There is more pending work than free
 * GPUs, so every cycle also explains why gangs wait.
 */
public final class SyntheticCluster {
    public static final int GPUS_PER_NODE = 8;
    public static final int NODES_PER_CLIQUE = 8;
    public static final int CLIQUES_PER_RACK = 2;
    public static final int ZONES = 4;
    public static final double LOADED_SHARE = 0.5;
    public static final String H100 = "NVIDIA-H100-80GB-HBM3";
    public static final String A100 = "NVIDIA-A100-SXM4-80GB";
    private static final int TEAMS = 4;

    private final SplittableRandom random;
    private final List<PodInfo> pods = new ArrayList<>();
    private final List<PodGroupInfo> groups = new ArrayList<>();
    private long created;

    private SyntheticCluster(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** {@code nodes} nodes, {@code 2 * nodes} pending pods. */
    public static Snapshot snapshot(int nodes, long seed) {
        return snapshot(nodes, 2 * nodes, seed);
    }

    /** {@code nodes} nodes and at least {@code pendingPods} pending pods (the last gang may add a few more). */
    public static Snapshot snapshot(int nodes, int pendingPods, long seed) {
        return new SyntheticCluster(seed).build(nodes, pendingPods);
    }

    private Snapshot build(int nodeCount, int pendingPods) {
        List<NodeInfo> nodes = new ArrayList<>(nodeCount);
        for (int i = 0; i < nodeCount; i++) {
            nodes.add(node(i));
        }
        for (NodeInfo n : nodes) {
            if (random.nextDouble() < LOADED_SHARE) {
                load(n);
            }
        }
        int gang = 0;
        int pending = 0;
        while (pending < pendingPods) {
            int before = pods.size();
            addPendingGang(gang++);
            pending += pods.size() - before;
        }
        Map<String, QueueInfo> queues = new LinkedHashMap<>();
        for (int t = 0; t < TEAMS; t++) {
            queues.put(team(t), new QueueInfo(team(t), null, 0, null, Map.of(), 0, 0, 0, null));
        }
        return new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(created, nodes, pods, groups, queues, Map.of(), Map.of());
    }

    private static String team(int t) {
        return "team-" + t;
    }

    private static NodeInfo node(int i) {
        int clique = i / NODES_PER_CLIQUE;
        int rack = clique / CLIQUES_PER_RACK;
        String name = String.format("node-%05d", i);
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(Keys.HOSTNAME_LABEL, name);
        labels.put(Keys.CLIQUE_LABEL, String.format("clique-%04d", clique));
        labels.put(Keys.RACK_LABEL, String.format("rack-%03d", rack));
        labels.put(Keys.ZONE_LABEL, "zone-" + rack % ZONES);
        labels.put(Keys.GPU_PRODUCT_LABEL, rack % 10 == 9 ? A100 : H100);
        Resources allocatable = Resources.of(Keys.CPU, 16 * GPUS_PER_NODE, Keys.GPU, GPUS_PER_NODE)
                .add(Resources.of(Keys.MEMORY, 2048.0 * (1L << 30)));
        return new NodeInfo(name, labels, allocatable, List.of(), false);
    }

    /** Running pods on {@code n}: whole GPUs, now and then a shared half GPU, leaving part of the node free. */
    private void load(NodeInfo n) {
        int used = 1 + random.nextInt(GPUS_PER_NODE - 1);
        int gpu = 0;
        while (gpu < used) {
            int size = Math.min(used - gpu, 1 << random.nextInt(3));
            String name = n.name() + "-run-" + gpu;
            if (size == 1 && random.nextInt(4) == 0) {
                pods.add(pod(name, null, team(random.nextInt(TEAMS)), 500, 0, Map.of()).bound(n.name(), List.of(gpu)));
            } else {
                List<Integer> devices = new ArrayList<>();
                for (int d = gpu; d < gpu + size; d++) {
                    devices.add(d);
                }
                pods.add(pod(name, null, team(random.nextInt(TEAMS)), 0, size, Map.of()).bound(n.name(), devices));
            }
            gpu += size;
        }
    }

    private void addPendingGang(int index) {
        String team = team(random.nextInt(TEAMS));
        int kind = random.nextInt(100);
        String name = String.format("job-%05d", index);
        if (kind < 30) { // a single pod: 1, 2 or 4 GPUs, or half of one
            int gpus = 1 << random.nextInt(3);
            boolean half = random.nextInt(4) == 0;
            pods.add(pod(name, null, team, half ? 500 : 0, half ? 0 : gpus, Map.of()));
        } else if (kind < 55) { // 2 to 4 pods of 4 GPUs on H100s, preferably in one rack
            gang(name, team, 2 + random.nextInt(3), 4, null, Keys.RACK_LABEL, Map.of(Keys.GPU_PRODUCT_LABEL, H100));
        } else if (kind < 85) { // 4 or 8 full nodes inside one NVLink domain
            gang(name, team, 4 << random.nextInt(2), GPUS_PER_NODE, Keys.CLIQUE_LABEL, null, Map.of());
        } else { // 16 full nodes, preferably in one rack
            gang(name, team, 16, GPUS_PER_NODE, null, Keys.RACK_LABEL, Map.of());
        }
    }

    private void gang(String name, String team, int members, int gpus, String required, String preferred,
                      Map<String, String> nodeSelector) {
        groups.add(new PodGroupInfo("bench", name, team, members, null, required, preferred, true, created, null));
        for (int m = 0; m < members; m++) {
            pods.add(pod(name + "-" + m, name, team, 0, gpus, nodeSelector));
        }
    }

    private PodInfo pod(String name, String group, String team, int fractionMilli, int gpus, Map<String, String> nodeSelector) {
        long gpuMilli = fractionMilli > 0 ? fractionMilli : 1000L * gpus;
        Resources requests = Resources.ofMilli(Map.of(Keys.GPU, gpuMilli, Keys.CPU, Math.max(1000, 12_000 * gpuMilli / 1000),
                Keys.MEMORY, 64L * (1L << 30) * 1000 * Math.max(1, gpuMilli / 1000)));
        return new PodInfo("bench", name, group, group == null ? team : null, Keys.SCHEDULER_NAME, requests, fractionMilli,
                nodeSelector, List.of(), RequiredNodeAffinity.NONE, null, 0, created++, PodPhase.PENDING, null, List.of(), null);
    }
}
