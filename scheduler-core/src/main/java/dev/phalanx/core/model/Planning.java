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
 * gangs among {@code reservations} whose room was made by evicting others.
 */
public record Planning(Map<String, Long> expectedEnds, Map<String, Long> runtimes, Map<String, List<String>> reservations,
                       Map<String, Long> startedAt, Set<String> terminating, Set<String> nominated) {
    public static final Planning NONE = new Planning(Map.of(), Map.of(), Map.of());

    public Planning {
        expectedEnds = Sorted.map(expectedEnds);
        runtimes = Sorted.map(runtimes);
        reservations = Sorted.map(reservations);
        startedAt = Sorted.map(startedAt);
        terminating = Sorted.set(terminating);
        nominated = Sorted.set(nominated);
    }

    public Planning(Map<String, Long> expectedEnds, Map<String, Long> runtimes, Map<String, List<String>> reservations) {
        this(expectedEnds, runtimes, reservations, Map.of(), Set.of(), Set.of());
    }

    /** What the cluster knows of its pods: when bound ones started, which are being deleted, run times. */
    public static Planning ofCluster(Map<String, Long> expectedEnds, Map<String, Long> runtimes, Map<String, Long> startedAt,
                                     Set<String> terminating) {
        return new Planning(expectedEnds, runtimes, Map.of(), startedAt, terminating, Set.of());
    }

    /** The same, with the room the last cycle held for waiting gangs (those it evicted for among {@code nominated}). */
    public Planning withRoomHeld(Map<String, List<String>> heldRoom, Set<String> nominatedGangs) {
        return new Planning(expectedEnds, runtimes, heldRoom, startedAt, terminating, nominatedGangs);
    }
}
