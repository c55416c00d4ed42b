package dev.phalanx.core.cycle;

/**
 * One pod to evict so that a worthier gang ({@code forGang}) can start. {@code reason} is
 * {@code Preempted} (a gang of higher priority in the same queue), {@code Reclaimed} (a queue below
 * its fair share taking back from one above its own) or {@code StaleGang} (a member of a gang that
 * has held part of its members for longer than the grace period without starting; {@code forGang} is
 * then the gang itself) or {@code NodeFailed} (a member of a gang one of whose members runs on a node that failed,
 * restarted whole); {@code message} says it in words.
 */
public record Eviction(String namespace, String pod, String node, String victimGang, String reason, String forGang,
                       String message) {
    public static final String PREEMPTED = "Preempted";
    public static final String RECLAIMED = "Reclaimed";
    public static final String STALE_GANG = "StaleGang";
    public static final String NODE_FAILED = "NodeFailed";

    public String podKey() {
        return namespace + "/" + pod;
    }
}
