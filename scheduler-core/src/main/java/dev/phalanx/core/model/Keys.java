package dev.phalanx.core.model;

/** Label keys, annotation names, resource names and defaults: one place for every name Phalanx reads or writes. */
public final class Keys {
    public static final String SCHEDULER_NAME = "phalanx-scheduler";
    /**
     * On a pod: the PodGroup it belongs to. As a label, set by its user; as an annotation, carried onto the pod by
     * the binding of a gang Phalanx formed itself (a workload's automatic PodGroup).
     */
    public static final String POD_GROUP_LABEL = "scheduling.phalanx.dev/pod-group";
    /** On a pod without a PodGroup: its queue. On a Namespace: the default queue of everything in it. */
    public static final String QUEUE_LABEL = "scheduling.phalanx.dev/queue";
    public static final String DEFAULT_QUEUE = "default";
    public static final String GPU_FRACTION_ANNOTATION = "scheduling.phalanx.dev/gpu-fraction";
    /** Written on a bound pod: the GPU device indexes on its node that it was given. */
    public static final String GPU_DEVICES_ANNOTATION = "scheduling.phalanx.dev/gpu-devices";

    /** On a workload: how many of its pods must start together, overriding what its kind implies. */
    public static final String MIN_MEMBER_ANNOTATION = "scheduling.phalanx.dev/min-member";
    /** On a workload: the topology its gang requires (a node label key). */
    public static final String TOPOLOGY_REQUIRED_ANNOTATION = "scheduling.phalanx.dev/topology-required";
    /** On a workload: the topology its gang prefers (a node label key). */
    public static final String TOPOLOGY_PREFERRED_ANNOTATION = "scheduling.phalanx.dev/topology-preferred";
    /** On a workload: pods per segment, each inside one domain of its required topology. */
    public static final String SEGMENT_SIZE_ANNOTATION = "scheduling.phalanx.dev/segment-size";
    /** On a workload: the node label each segment stays inside; {@value #CLIQUE_LABEL} when only the size is given. */
    public static final String SEGMENT_REQUIRED_ANNOTATION = "scheduling.phalanx.dev/segment-required";
    /** On a workload: "false" keeps its pods out of a gang; "true" asks for one where its kind has none by default. */
    public static final String GANG_ANNOTATION = "scheduling.phalanx.dev/gang";
    /**
     * On a pod: when its training job last wrote a checkpoint (RFC 3339). An eviction then loses only the work done
     * since; reclaim weighs that loss against what it gains, and prefers victims that lose least.
     */
    public static final String CHECKPOINTED_AT_ANNOTATION = "scheduling.phalanx.dev/checkpointed-at";
    /** On a pod: how often its training job writes a checkpoint, counted from its start (a duration: 30m, 1h). */
    public static final String CHECKPOINT_INTERVAL_ANNOTATION = "scheduling.phalanx.dev/checkpoint-interval";
    /** An Event reason: the PodGroup a workload's pods were given. */
    public static final String POD_GROUP_ASSIGNED_REASON = "PodGroupAssigned";

    public static final String GPU = "nvidia.com/gpu";
    public static final String CPU = "cpu";
    public static final String MEMORY = "memory";
    public static final String PODS = "pods";

    public static final String CLIQUE_LABEL = "nvidia.com/gpu.clique";
    /** The GPU model of a node (NVIDIA GPU feature discovery), e.g. NVIDIA-H100-80GB-HBM3; pods pick a model by it. */
    public static final String GPU_PRODUCT_LABEL = "nvidia.com/gpu.product";
    public static final String RACK_LABEL = "topology.kubernetes.io/rack";
    /** An example node label for the network spine a node sits under, a level above its NVLink domain. */
    public static final String SPINE_LABEL = "topology.phalanx.dev/spine";
    public static final String ZONE_LABEL = "topology.kubernetes.io/zone";
    public static final String HOSTNAME_LABEL = "kubernetes.io/hostname";

    /** A node taint the node lifecycle controller sets while the node's kubelet reports it not ready. */
    public static final String NOT_READY_TAINT = "node.kubernetes.io/not-ready";
    /** A node taint the node lifecycle controller sets while the node's kubelet does not report at all. */
    public static final String UNREACHABLE_TAINT = "node.kubernetes.io/unreachable";
    /**
     * Node conditions whose type starts with this (any case) report GPU health: NVIDIA NVSentinel's health checks
     * (GpuXidError, GpuPcieWatch, ...) and node-problem-detector GPU plugins, True while the fault lasts; a type ending
     * in "Healthy" (GPUHealthy) reports the opposite way, False while unhealthy.
     */
    public static final String GPU_HEALTH_CONDITION_PREFIX = "gpu";

    /** Simulation: when an object is created, as a duration since the start. */
    public static final String SIM_SUBMIT_AT = "sim.phalanx.dev/submit-at";
    /** Simulation: how long a pod runs once bound. */
    public static final String SIM_RUN_FOR = "sim.phalanx.dev/run-for";

    private Keys() {
    }
}
