package dev.phalanx.core.cycle;

import dev.phalanx.core.model.NodeInfo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The domains of one topology key (the values of that node label) during one cycle: which nodes each
 * holds and how much GPU is free in it. Labels do not change within a cycle, so only the free amounts
 * move; {@link CapacityView} keeps them current as it takes and gives capacity. Domains are numbered
 * in name order, so every walk over them is deterministic (invariant 5).
 */
public final class TopologyIndex {
    private final String key;
    private final String[] names;
    private final List<List<Integer>> nodes = new ArrayList<>();
    private final int[] domainOfNode; // -1: the node lacks the label
    private final long[] freeGpuMilli;
    private final long[] totalGpuMilli;
    private final int[][] nodesByWholeFreeDevices; // per domain: how many of its nodes have k untouched devices
    private final TreeSet<DomainRoom> byFreeGpu = new TreeSet<>();

    private record DomainRoom(long freeGpuMilli, int domain) implements Comparable<DomainRoom> {
        @Override
        public int compareTo(DomainRoom o) {
            int c = Long.compare(freeGpuMilli, o.freeGpuMilli);
            return c != 0 ? c : Integer.compare(domain, o.domain);
        }
    }

    TopologyIndex(String key, List<NodeInfo> allNodes, CapacityView view) {
        this.key = key;
        Map<String, List<Integer>> byName = new TreeMap<>();
        for (int i = 0; i < allNodes.size(); i++) {
            String v = allNodes.get(i).label(key);
            if (v != null) {
                byName.computeIfAbsent(v, k -> new ArrayList<>()).add(i);
            }
        }
        names = byName.keySet().toArray(new String[0]);
        domainOfNode = new int[allNodes.size()];
        Arrays.fill(domainOfNode, -1);
        freeGpuMilli = new long[names.length];
        totalGpuMilli = new long[names.length];
        int maxDevices = allNodes.stream().mapToInt(NodeInfo::gpuDevices).max().orElse(0);
        nodesByWholeFreeDevices = new int[names.length][maxDevices + 1];
        for (int d = 0; d < names.length; d++) {
            nodes.add(List.copyOf(byName.get(names[d])));
            for (int i : nodes.get(d)) {
                domainOfNode[i] = d;
                freeGpuMilli[d] += view.freeGpuMilli(i);
                totalGpuMilli[d] += 1000L * allNodes.get(i).gpuDevices();
                nodesByWholeFreeDevices[d][view.wholeFreeDevices(i)]++;
            }
            byFreeGpu.add(new DomainRoom(freeGpuMilli[d], d));
        }
    }

    /** Domains with at least {@code minFreeGpuMilli} GPU free, least free first, then in name order. */
    public Iterable<Integer> leastFreeFirst(long minFreeGpuMilli) {
        var tail = byFreeGpu.tailSet(new DomainRoom(minFreeGpuMilli, -1), true);
        return () -> tail.stream().map(DomainRoom::domain).iterator();
    }

    /** All domains, most free GPU first. */
    public Iterable<Integer> mostFreeFirst() {
        return () -> byFreeGpu.descendingSet().stream().map(DomainRoom::domain).iterator();
    }

    public String key() {
        return key;
    }

    public int size() {
        return names.length;
    }

    public String name(int domain) {
        return names[domain];
    }

    /** The domain named {@code name}, or -1. */
    public int domain(String name) {
        int d = Arrays.binarySearch(names, name);
        return d >= 0 ? d : -1;
    }

    /** The domain of node {@code node}, or -1 when the node lacks the label. */
    public int domainOf(int node) {
        return domainOfNode[node];
    }

    /** Node indexes of {@code domain}, in index order. */
    public List<Integer> nodes(int domain) {
        return nodes.get(domain);
    }

    public long freeGpuMilli(int domain) {
        return freeGpuMilli[domain];
    }

    /** All the GPU of the domain's nodes, free or not. */
    public long totalGpuMilli(int domain) {
        return totalGpuMilli[domain];
    }

    /**
     * How many pods of {@code gpus} whole GPUs each the untouched devices of {@code domain} could hold,
     * node by node; an upper bound on how many such pods fit there, whatever else they ask for.
     */
    public long wholeGpuPodsAtMost(int domain, int gpus) {
        if (gpus <= 0) {
            return Long.MAX_VALUE;
        }
        long pods = 0;
        int[] histogram = nodesByWholeFreeDevices[domain];
        for (int k = gpus; k < histogram.length; k++) {
            pods += (long) histogram[k] * (k / gpus);
        }
        return pods;
    }

    void wholeFreeDevicesChanged(int node, int before, int after) {
        int d = domainOfNode[node];
        if (d >= 0 && before != after) {
            nodesByWholeFreeDevices[d][before]--;
            nodesByWholeFreeDevices[d][after]++;
        }
    }

    void gpuTaken(int node, long milli) {
        int d = domainOfNode[node];
        if (d >= 0 && milli != 0) {
            byFreeGpu.remove(new DomainRoom(freeGpuMilli[d], d));
            freeGpuMilli[d] -= milli;
            byFreeGpu.add(new DomainRoom(freeGpuMilli[d], d));
        }
    }
}
