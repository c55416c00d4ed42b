package dev.phalanx.core.model;

import java.util.List;
import java.util.Map;

/**
 * A schedulable node as the cycle sees it. {@code gpuDevices} is the number of whole GPU devices,
 * taken from the node's allocatable {@code nvidia.com/gpu}. {@code claimable}: the part of {@code allocatable}
 * that DRA drivers publish as devices on the node (its GPUs handed out through ResourceClaims); a pod asking for
 * such a resource in its containers cannot have those. {@code unavailable}: why the node takes no new pods although
 * it is not cordoned (not ready, unreachable, its GPUs reported unhealthy), null when it takes them.
 */
public record NodeInfo(String name, Map<String, String> labels, Resources allocatable, List<Taint> taints,
                       boolean unschedulable, Resources claimable, Unavailable unavailable) {
    /**
     * Why a node takes no new pods: {@code code} "notReady", "unreachable", "gpuUnhealthy" (a GPU health condition) or
     * "gpuDevicesUnhealthy" (the device plugin offers fewer GPUs than the node has), a {@code message} saying what
     * reported it, and {@code since} when (epoch milliseconds; 0 when unknown).
     */
    public record Unavailable(String code, String message, long since) {
        /** True when what runs there is lost: the node is down or unreachable, or its GPUs failed as a whole. */
        public boolean runningPodsLost() {
            return !code.equals("gpuDevicesUnhealthy");
        }
    }

    public NodeInfo {
        labels = Sorted.map(labels);
        taints = List.copyOf(taints);
        claimable = claimable == null ? Resources.NONE : claimable;
    }

    public NodeInfo(String name, Map<String, String> labels, Resources allocatable, List<Taint> taints, boolean unschedulable,
                    Resources claimable) {
        this(name, labels, allocatable, taints, unschedulable, claimable, null);
    }

    public NodeInfo(String name, Map<String, String> labels, Resources allocatable, List<Taint> taints, boolean unschedulable) {
        this(name, labels, allocatable, taints, unschedulable, Resources.NONE, null);
    }

    /** The same node with {@code devices} published through DRA added to what it offers. */
    public NodeInfo withClaimable(Resources devices) {
        return new NodeInfo(name, labels, allocatable.subtract(claimable).add(devices), taints, unschedulable, devices,
                unavailable);
    }

    /** The same node, unavailable for {@code why} (null: available). */
    public NodeInfo withUnavailable(Unavailable why) {
        return new NodeInfo(name, labels, allocatable, taints, unschedulable, claimable, why);
    }

    /** True when it takes new pods: not cordoned, ready, its GPUs healthy. Only such nodes count in the cluster's size. */
    public boolean takesNewPods() {
        return !unschedulable && unavailable == null;
    }

    public int gpuDevices() {
        return (int) (allocatable.milli(Keys.GPU) / 1000);
    }

    public String label(String key) {
        return labels.get(key);
    }
}
