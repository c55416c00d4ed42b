package dev.phalanx.core.model;

/**
 * A PodGroup object as declared: Phalanx's own, or a native {@code scheduling.k8s.io} one ({@code nativeGroup}).
 * {@code invalidReason} is set when the object cannot be honoured as written; {@code ownerKind} and
 * {@code ownerName} name the workload that owns it (null when none does).
 */
public record PodGroupInfo(String namespace, String name, String queue, int minMember, String priorityClassName,
                           String topologyRequired, String topologyPreferred, boolean preemptible, long createdAt,
                           String invalidReason, String ownerKind, String ownerName, boolean nativeGroup,
                           SubGroups subGroups) {
    public PodGroupInfo {
        subGroups = subGroups == null ? SubGroups.NONE : subGroups;
    }

    public PodGroupInfo(String namespace, String name, String queue, int minMember, String priorityClassName,
                        String topologyRequired, String topologyPreferred, boolean preemptible, long createdAt,
                        String invalidReason, String ownerKind, String ownerName, boolean nativeGroup) {
        this(namespace, name, queue, minMember, priorityClassName, topologyRequired, topologyPreferred, preemptible,
                createdAt, invalidReason, ownerKind, ownerName, nativeGroup, SubGroups.NONE);
    }

    public PodGroupInfo(String namespace, String name, String queue, int minMember, String priorityClassName,
                        String topologyRequired, String topologyPreferred, boolean preemptible, long createdAt,
                        String invalidReason) {
        this(namespace, name, queue, minMember, priorityClassName, topologyRequired, topologyPreferred, preemptible, createdAt,
                invalidReason, null, null, false);
    }

    public String key() {
        return namespace + "/" + name;
    }
}
