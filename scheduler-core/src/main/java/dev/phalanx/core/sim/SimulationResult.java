package dev.phalanx.core.sim;

import dev.phalanx.core.model.Problem;

import java.util.List;
import java.util.Map;

/**
 * What a simulation did, in simulated seconds since its start (null where something did not happen).
 * Field names follow the JSON that {@code phalanx simulate --output json} prints.
 */
public record SimulationResult(Summary summary, List<PodRecord> pods, List<PodGroupRecord> podGroups,
                               List<QueueRecord> queues, List<Problem> problems, List<Sample> timeline) {

    /**
     * {@code podsBound}: pods bound at least once; {@code bindings}: bindings made (an evicted pod is bound again);
     * {@code gpuHoursUsed}: GPU-hours bound pods held; {@code gpuHoursLost}: the part of them evictions threw away,
     * each evicted pod's GPUs times its run since it started or last saved a checkpoint.
     */
    public record Summary(double simulatedSeconds, double gpuAllocationRatio, int podsBound, int bindings,
                          int podGroupsScheduled, int podGroupsPending, int evictions, int cycles, double totalGpus,
                          double gpuHoursUsed, double gpuHoursLost) {
    }

    /**
     * One pod; {@code node}, {@code gpuDevices} and {@code boundAt} are its last binding, {@code evictedRuns}
     * the earlier ones that an eviction ended. {@code waitSeconds}: from its submission to its first binding, or
     * to the end of the run while it never was bound; {@code reason}: why it still waits at the end (null when it
     * does not), as its PodScheduled condition would say live.
     */
    public record PodRecord(String namespace, String name, String podGroup, String queue, String node,
                            List<Integer> gpuDevices, Double submittedAt, Double boundAt, List<Double> evictedAt,
                            Double finishedAt, List<Run> evictedRuns, Double waitSeconds, String reason) {
    }

    /** A binding an eviction ended: where, from when to when, why and for which gang. */
    public record Run(String node, List<Integer> gpuDevices, Double boundAt, Double evictedAt, String reason,
                      String forGang) {
    }

    /** One PodGroup; {@code owner}: the workload that owns it (its automatic gang), null when none does; its subgroups. */
    public record PodGroupRecord(String namespace, String name, String queue, int minMember, String topologyRequired,
                                 String phase, Double submittedAt, Double scheduledAt, Double waitSeconds,
                                 String reason, Owner owner, List<SubGroupRecord> subGroups) {
        public PodGroupRecord {
            subGroups = subGroups == null ? List.of() : List.copyOf(subGroups);
        }
    }

    /**
     * One subgroup of a PodGroup at the end: its minimum (pods for a leaf, child subgroups otherwise), members bound,
     * whether it started, and where ({@code key=value} of its own topology key, null when none).
     */
    public record SubGroupRecord(String name, String parent, int minMember, int minSubGroups, int bound, boolean started,
                                 String placement) {
    }

    /** A workload by kind and name. */
    public record Owner(String kind, String name) {
    }

    public record QueueRecord(String name, String parent, Map<String, Double> fairShare, Map<String, Double> allocated,
                              String reason) {
    }

    /**
     * The cluster after a cycle: GPUs allocated and fair share per queue; {@code fairShareByWeightsGpus}, the share
     * the configured weights alone give (the fair share itself when no usage history is kept).
     */
    public record Sample(double at, Map<String, Double> allocatedGpus, Map<String, Double> fairShareGpus,
                         double totalAllocatedGpus, int pendingGangs, Map<String, Double> fairShareByWeightsGpus) {
        public Sample(double at, Map<String, Double> allocatedGpus, Map<String, Double> fairShareGpus,
                      double totalAllocatedGpus, int pendingGangs) {
            this(at, allocatedGpus, fairShareGpus, totalAllocatedGpus, pendingGangs, fairShareGpus);
        }
    }
}
