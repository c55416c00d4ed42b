package dev.phalanx.core.model;

import java.util.List;

/**
 * A gang: the members of one PodGroup, or a single pod without one ({@code implicit}).
 * {@code invalidReason} is set when the gang cannot be scheduled as declared; it is then never placed.
 */
public record Gang(String namespace, String name, boolean implicit, String queue, int minMember, int priority,
                   String topologyRequired, String topologyPreferred, boolean preemptible, long createdAt,
                   List<PodInfo> members, String invalidReason, SubGroups subGroups) {
    public Gang {
        members = List.copyOf(members);
        subGroups = subGroups == null ? SubGroups.NONE : subGroups;
    }

    /** A gang without subgroups. */
    public Gang(String namespace, String name, boolean implicit, String queue, int minMember, int priority,
                String topologyRequired, String topologyPreferred, boolean preemptible, long createdAt,
                List<PodInfo> members, String invalidReason) {
        this(namespace, name, implicit, queue, minMember, priority, topologyRequired, topologyPreferred, preemptible,
                createdAt, members, invalidReason, SubGroups.NONE);
    }

    public boolean hasSubGroups() {
        return !subGroups.isEmpty();
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
        if (hasSubGroups()) {
            SubGroupStart start = SubGroupStart.of(this);
            return start.started() ? 0 : start.pods() != null ? start.pods().size()
                    : Math.max(1, minMember - boundOrFinished());
        }
        return Math.max(0, minMember - boundOrFinished());
    }

    /**
     * The pending members that must be placed together for the gang to start: as many as it lacks, or for a gang with
     * subgroups the missing pods of the subgroups it needs, each complete; empty once it started.
     */
    public List<PodInfo> mustPlace() {
        if (hasSubGroups()) {
            SubGroupStart start = SubGroupStart.of(this);
            return start.started() || start.pods() == null ? List.of() : start.pods();
        }
        List<PodInfo> pending = pending();
        return pending.subList(0, Math.min(missingToStart(), pending.size()));
    }

    /** The same gang seen through only some of its members (e.g. the ones about to be placed). */
    public Gang withMembers(List<PodInfo> subset) {
        return new Gang(namespace, name, implicit, queue, minMember, priority, topologyRequired, topologyPreferred,
                preemptible, createdAt, subset, invalidReason, subGroups);
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
