package dev.phalanx.core.model;

import java.util.List;
import java.util.Map;

/**
 * A schedulable node as the cycle sees it. {@code gpuDevices} is the number of whole GPU devices,
 * taken from the node's allocatable {@code nvidia.com/gpu}.
 */
public record NodeInfo(String name, Map<String, String> labels, Resources allocatable, List<Taint> taints,
                       boolean unschedulable) {
    public NodeInfo {
        labels = Sorted.map(labels);
        taints = List.copyOf(taints);
    }

    public int gpuDevices() {
        return (int) (allocatable.milli(Keys.GPU) / 1000);
    }

    public String label(String key) {
        return labels.get(key);
    }
}
