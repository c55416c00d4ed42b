package dev.phalanx.core.model;

import java.util.List;
import java.util.Map;

/**
 * A schedulable node as the cycle sees it. {@code gpuDevices} is the number of whole GPU devices,
 * taken from the node's allocatable {@code nvidia.com/gpu}. {@code claimable}: the part of {@code allocatable}
 * that DRA drivers publish as devices on the node (its GPUs handed out through ResourceClaims); a pod asking for
 * such a resource in its containers cannot have those.
 */
public record NodeInfo(String name, Map<String, String> labels, Resources allocatable, List<Taint> taints,
                       boolean unschedulable, Resources claimable) {
    public NodeInfo {
        labels = Sorted.map(labels);
        taints = List.copyOf(taints);
        claimable = claimable == null ? Resources.NONE : claimable;
    }

    public NodeInfo(String name, Map<String, String> labels, Resources allocatable, List<Taint> taints, boolean unschedulable) {
        this(name, labels, allocatable, taints, unschedulable, Resources.NONE);
    }

    /** The same node with {@code devices} published through DRA added to what it offers. */
    public NodeInfo withClaimable(Resources devices) {
        return new NodeInfo(name, labels, allocatable.subtract(claimable).add(devices), taints, unschedulable, devices);
    }

    public int gpuDevices() {
        return (int) (allocatable.milli(Keys.GPU) / 1000);
    }

    public String label(String key) {
        return labels.get(key);
    }
}
