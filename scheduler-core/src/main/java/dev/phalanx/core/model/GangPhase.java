package dev.phalanx.core.model;

/**
 * Where a gang is in its life, as its PodGroup's {@code status.phase} shows it. Pending: its queue has not
 * admitted it (too few members, over its queue's limit or quota, invalid). Admitted: its queue admitted it
 * and it waits for room. Scheduled: at least minMember members bound. Running: at least minMember members
 * running (or finished). Succeeded/Failed: every member finished. Which phase follows which is decided in
 * one place, the queue controller's {@code GangLifecycle}.
 */
public enum GangPhase {
    PENDING, ADMITTED, SCHEDULED, RUNNING, SUCCEEDED, FAILED;

    /** The API's spelling: Pending, Admitted, Scheduled, ... */
    public String display() {
        return name().charAt(0) + name().substring(1).toLowerCase();
    }

    /** True once the gang has had minMember members bound: Scheduled, Running or finished. */
    public boolean started() {
        return this == SCHEDULED || this == RUNNING || this == SUCCEEDED || this == FAILED;
    }
}
