package dev.phalanx.core.model;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a cycle may know beyond the cluster objects. {@code expectedEnds}: when bound pods are expected
 * to finish (epoch or simulated milliseconds); {@code runtimes}: how long pending pods will run once
 * started; both known in simulation (sim.phalanx.dev/run-for), empty live. {@code reservations}: the
 * nodes each waiting gang reserved in the previous cycle, so a reservation stays where it was.
 * {@code startedAt}: when each bound pod was bound (a gang's age guards it against preemption);
 * {@code terminating}: bound pods being deleted, whose room is about to free up. {@code nominated}: the
 * gangs among {@code reservations} whose room was made by evicting others. {@code checkpoints}: what bound pods
 * said of their checkpoints ({@link Checkpoint}), for those that said anything.
 */
public record Planning(Map<String, Long> expectedEnds, Map<String, Long> runtimes, Map<String, List<String>> reservations,
                       Map<String, Long> startedAt, Set<String> terminating, Set<String> nominated,
                       Map<String, Checkpoint> checkpoints) {
    public static final Planning NONE = new Planning(Map.of(), Map.of(), Map.of());

    public Planning {
        expectedEnds = Sorted.map(expectedEnds);
        runtimes = Sorted.map(runtimes);
        reservations = Sorted.map(reservations);
        startedAt = Sorted.map(startedAt);
        terminating = Sorted.set(terminating);
        nominated = Sorted.set(nominated);
        checkpoints = Sorted.map(checkpoints);
    }

    public Planning(Map<String, Long> expectedEnds, Map<String, Long> runtimes, Map<String, List<String>> reservations) {
        this(expectedEnds, runtimes, reservations, Map.of(), Set.of(), Set.of(), Map.of());
    }

    /** What the cluster knows of its pods: when bound ones started, which are being deleted, run times. */
    public static Planning ofCluster(Map<String, Long> expectedEnds, Map<String, Long> runtimes, Map<String, Long> startedAt,
                                     Set<String> terminating) {
        return ofCluster(expectedEnds, runtimes, startedAt, terminating, Map.of());
    }

    /** The same, with what pods said of their checkpoints. */
    public static Planning ofCluster(Map<String, Long> expectedEnds, Map<String, Long> runtimes, Map<String, Long> startedAt,
                                     Set<String> terminating, Map<String, Checkpoint> checkpoints) {
        return new Planning(expectedEnds, runtimes, Map.of(), startedAt, terminating, Set.of(), checkpoints);
    }

    /** The same, with the room the last cycle held for waiting gangs (those it evicted for among {@code nominated}). */
    public Planning withRoomHeld(Map<String, List<String>> heldRoom, Set<String> nominatedGangs) {
        return new Planning(expectedEnds, runtimes, heldRoom, startedAt, terminating, nominatedGangs, checkpoints);
    }

    /** The work pod {@code podKey}, started at {@code startedAt}, would lose if evicted at {@code now} (milliseconds). */
    public long workLostMillis(String podKey, long startedAt, long now) {
        return checkpoints.getOrDefault(podKey, Checkpoint.NONE).workLostMillis(startedAt, now);
    }
}
