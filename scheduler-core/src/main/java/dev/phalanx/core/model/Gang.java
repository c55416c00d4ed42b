package dev.phalanx.core.model;

import java.util.List;

/**
 * A gang: the members of one PodGroup, or a single pod without one ({@code implicit}).
 * {@code invalidReason} is set when the gang cannot be scheduled as declared; it is then never placed.
 */
public record Gang(String namespace, String name, boolean implicit, String queue, int minMember, int priority,
                   String topologyRequired, String topologyPreferred, boolean preemptible, long createdAt,
                   List<PodInfo> members, String invalidReason) {
    public Gang {
        members = List.copyOf(members);
    }

    public String key() {
        return namespace + "/" + name;
    }

    /** Members waiting to be placed and ready for it: pending and not held back (see {@link #held}). */
    public List<PodInfo> pending() {
        return members.stream().filter(PodInfo::isSchedulable).toList();
    }

    /** Pending members not ready to be scheduled (a scheduling gate, a claim not created yet). */
    public List<PodInfo> held() {
        return members.stream().filter(p -> p.isPending() && p.hold() != null).toList();
    }

    public List<PodInfo> bound() {
        return members.stream().filter(p -> p.phase().holdsResources()).toList();
    }

    public long finishedCount() {
        return members.stream().filter(p -> p.phase().finished()).count();
    }

    /**
     * Members still needed, beyond those bound or already finished, before the gang counts as started;
     * 0 for a started gang, whose further members are elastic.
     */
    public int missingToStart() {
        return Math.max(0, minMember - boundOrFinished());
    }

    /** The same gang seen through only some of its members (e.g. the ones about to be placed). */
    public Gang withMembers(List<PodInfo> subset) {
        return new Gang(namespace, name, implicit, queue, minMember, priority, topologyRequired, topologyPreferred,
                preemptible, createdAt, subset, invalidReason);
    }

    public boolean isValid() {
        return invalidReason == null;
    }

    /** Everything the pending members ask for. */
    public Resources pendingRequest() {
        Resources r = Resources.NONE;
        for (PodInfo p : pending()) {
            r = r.add(p.requests());
        }
        return r;
    }

    /** Members bound, running or finished: a gang whose count reaches minMember has started. */
    public int boundOrFinished() {
        return bound().size() + (int) finishedCount();
    }
}
