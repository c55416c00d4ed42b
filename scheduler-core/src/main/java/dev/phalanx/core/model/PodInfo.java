package dev.phalanx.core.model;

import java.util.List;
import java.util.Map;

/**
 * One pod. {@code requests} already counts a fractional GPU as thousandths of {@code nvidia.com/gpu};
 * {@code gpuFractionMilli} is non-zero only for such a pod, which shares one device with others.
 * {@code gpuDevices} holds the device indexes given to a bound pod. {@code nodeAffinity} is its required
 * node affinity, {@link RequiredNodeAffinity#NONE} when it has none. {@code constraints}: its labels, claims and
 * scheduling gates. {@code claimed}: the part of {@code requests} its ResourceClaims' devices count as (a GPU given
 * through DRA counts as {@code nvidia.com/gpu}), none for a pod without claims. {@code hold}: why it is not ready to be
 * scheduled yet (a scheduling gate, a claim not created yet), null when it is.
 */
public record PodInfo(String namespace, String name, String podGroup, String queueLabel, String schedulerName,
                      Resources requests, int gpuFractionMilli, Map<String, String> nodeSelector,
                      List<Toleration> tolerations, RequiredNodeAffinity nodeAffinity, String priorityClassName,
                      int priority, long createdAt,
                      PodPhase phase, String nodeName, List<Integer> gpuDevices, String invalidReason,
                      PodConstraints constraints, Resources claimed, Hold hold) {
    /** Why a pod is not ready to be scheduled: a reason code (e.g. SchedulingGated) and a sentence. */
    public record Hold(String code, String message) {
    }

    /** A pod with no labels, claims or gates of interest. */
    public PodInfo(String namespace, String name, String podGroup, String queueLabel, String schedulerName,
                   Resources requests, int gpuFractionMilli, Map<String, String> nodeSelector,
                   List<Toleration> tolerations, RequiredNodeAffinity nodeAffinity, String priorityClassName,
                   int priority, long createdAt, PodPhase phase, String nodeName, List<Integer> gpuDevices,
                   String invalidReason) {
        this(namespace, name, podGroup, queueLabel, schedulerName, requests, gpuFractionMilli, nodeSelector, tolerations,
                nodeAffinity, priorityClassName, priority, createdAt, phase, nodeName, gpuDevices, invalidReason,
                PodConstraints.NONE, Resources.NONE, null);
    }

    public PodInfo {
        constraints = constraints == null ? PodConstraints.NONE : constraints;
        claimed = claimed == null ? Resources.NONE : claimed;
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
                invalidReason, constraints, claimed, hold);
    }

    /** The same pod in the gang of PodGroup {@code group}. */
    public PodInfo withPodGroup(String group) {
        return new PodInfo(namespace, name, group, queueLabel, schedulerName, requests, gpuFractionMilli, nodeSelector,
                tolerations, nodeAffinity, priorityClassName, priority, createdAt, phase, nodeName, gpuDevices, invalidReason,
                constraints, claimed, hold);
    }

    public PodInfo withPhase(PodPhase newPhase) {
        boolean keepNode = newPhase != PodPhase.PENDING;
        return new PodInfo(namespace, name, podGroup, queueLabel, schedulerName, requests, gpuFractionMilli,
                nodeSelector, tolerations, nodeAffinity, priorityClassName, priority, createdAt, newPhase,
                keepNode ? nodeName : null, keepNode ? gpuDevices : List.of(), invalidReason, constraints, claimed, hold);
    }

    /** The same pod, its claims' devices counted as {@code claimed} on top of its containers' requests. */
    public PodInfo withClaimed(Resources claimed) {
        return new PodInfo(namespace, name, podGroup, queueLabel, schedulerName, requests.subtract(this.claimed).add(claimed),
                gpuFractionMilli, nodeSelector, tolerations, nodeAffinity, priorityClassName, priority, createdAt, phase,
                nodeName, gpuDevices, invalidReason, constraints, claimed, hold);
    }

    /** The same pod, not ready to be scheduled for {@code why} (null: ready). */
    public PodInfo withHold(Hold why) {
        return new PodInfo(namespace, name, podGroup, queueLabel, schedulerName, requests, gpuFractionMilli, nodeSelector,
                tolerations, nodeAffinity, priorityClassName, priority, createdAt, phase, nodeName, gpuDevices, invalidReason,
                constraints, claimed, why);
    }

    /** Pending and ready to be scheduled. */
    public boolean isSchedulable() {
        return phase == PodPhase.PENDING && hold == null;
    }

    /** What its GPUs are given through: the containers' nvidia.com/gpu requests, without those of its claims. */
    public long deviceGpuMilli() {
        return requests.milli(Keys.GPU) - claimed.milli(Keys.GPU);
    }

    public PodInfo withConstraints(PodConstraints c) {
        return new PodInfo(namespace, name, podGroup, queueLabel, schedulerName, requests, gpuFractionMilli, nodeSelector,
                tolerations, nodeAffinity, priorityClassName, priority, createdAt, phase, nodeName, gpuDevices, invalidReason,
                c, claimed, hold);
    }

    /** The same pod under another name (a stand-in for a copy of it). */
    public PodInfo renamed(String newName) {
        return new PodInfo(namespace, newName, podGroup, queueLabel, schedulerName, requests, gpuFractionMilli, nodeSelector,
                tolerations, nodeAffinity, priorityClassName, priority, createdAt, phase, nodeName, gpuDevices, invalidReason,
                constraints, claimed, hold);
    }
}
