package dev.phalanx.core.model;

/** A PodGroup object as declared. {@code invalidReason} is set when the object cannot be honoured as written. */
public record PodGroupInfo(String namespace, String name, String queue, int minMember, String priorityClassName,
                           String topologyRequired, String topologyPreferred, boolean preemptible, long createdAt,
                           String invalidReason) {
    public String key() {
        return namespace + "/" + name;
    }
}
