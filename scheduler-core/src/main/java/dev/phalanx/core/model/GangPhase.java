package dev.phalanx.core.model;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a gang. Pending: waiting (too few members, no room, over its queue's limit, or invalid).
 * Scheduled: at least minMember members bound. Running: at least minMember members running.
 * Succeeded/Failed: every member finished.
 */
public enum GangPhase {
    PENDING, SCHEDULED, RUNNING, SUCCEEDED, FAILED;

    private Set<GangPhase> next() {
        return switch (this) {
            case PENDING -> EnumSet.of(SCHEDULED, RUNNING, FAILED);
            // evicted or lost members send a gang back to Pending
            case SCHEDULED -> EnumSet.of(PENDING, RUNNING, SUCCEEDED, FAILED);
            case RUNNING -> EnumSet.of(PENDING, SUCCEEDED, FAILED);
            case SUCCEEDED, FAILED -> EnumSet.noneOf(GangPhase.class);
        };
    }

    public boolean canMoveTo(GangPhase target) {
        return target == this || next().contains(target);
    }

    /** The API's spelling: Pending, Scheduled, ... */
    public String display() {
        return name().charAt(0) + name().substring(1).toLowerCase();
    }
}
