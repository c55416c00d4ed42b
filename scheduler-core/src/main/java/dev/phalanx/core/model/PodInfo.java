package dev.phalanx.core.model;

import java.util.List;
import java.util.Map;

/**
 * One pod. {@code requests} already counts a fractional GPU as thousandths of {@code nvidia.com/gpu};
 * {@code gpuFractionMilli} is non-zero only for such a pod, which shares one device with others.
 * {@code gpuDevices} holds the device indexes given to a bound pod. {@code nodeAffinity} is its required
 * node affinity, {@link RequiredNodeAffinity#NONE} when it has none.
 */
public record PodInfo(String namespace, String name, String podGroup, String queueLabel, String schedulerName,
                      Resources requests, int gpuFractionMilli, Map<String, String> nodeSelector,
                      List<Toleration> tolerations, RequiredNodeAffinity nodeAffinity, String priorityClassName,
                      int priority, long createdAt,
                      PodPhase phase, String nodeName, List<Integer> gpuDevices, String invalidReason) {
    public PodInfo {
        nodeSelector = Sorted.map(nodeSelector);
        tolerations = List.copyOf(tolerations);
        nodeAffinity = nodeAffinity == null ? RequiredNodeAffinity.NONE : nodeAffinity;
        gpuDevices = List.copyOf(gpuDevices);
    }

    public String key() {
        return namespace + "/" + name;
    }

    public boolean isPending() {
        return phase == PodPhase.PENDING;
    }

    /** Whole GPU devices this pod needs (0 for a fractional pod). */
    public int wholeGpus() {
        return gpuFractionMilli > 0 ? 0 : (int) ((requests.milli(Keys.GPU) + 999) / 1000);
    }

    public PodInfo bound(String node, List<Integer> devices) {
        return new PodInfo(namespace, name, podGroup, queueLabel, schedulerName, requests, gpuFractionMilli,
                nodeSelector, tolerations, nodeAffinity, priorityClassName, priority, createdAt, PodPhase.BOUND, node, devices,
                invalidReason);
    }

    /** The same pod in the gang of PodGroup {@code group}. */
    public PodInfo withPodGroup(String group) {
        return new PodInfo(namespace, name, group, queueLabel, schedulerName, requests, gpuFractionMilli, nodeSelector,
                tolerations, nodeAffinity, priorityClassName, priority, createdAt, phase, nodeName, gpuDevices, invalidReason);
    }

    public PodInfo withPhase(PodPhase newPhase) {
        boolean keepNode = newPhase != PodPhase.PENDING;
        return new PodInfo(namespace, name, podGroup, queueLabel, schedulerName, requests, gpuFractionMilli,
                nodeSelector, tolerations, nodeAffinity, priorityClassName, priority, createdAt, newPhase,
                keepNode ? nodeName : null, keepNode ? gpuDevices : List.of(), invalidReason);
    }
}
