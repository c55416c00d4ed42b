package dev.phalanx.queue.status;

import dev.phalanx.core.model.Sorted;
import dev.phalanx.core.model.GangPhase;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The one phase machine of a gang, used live and in the simulator: which phase a gang is in, given the
 * one before and what its members are doing now.
 *
 * <ul>
 *   <li>Succeeded or Failed: every member finished (Failed when any did), and there were at least minMember;</li>
 *   <li>Running: minMember members running or finished, one at least running; a running gang stays Running
 *   while minMember members are bound or finished (a member being replaced does not take it back);</li>
 *   <li>Scheduled: minMember members bound or finished, one at least bound;</li>
 *   <li>Admitted: its queue admitted it this cycle and it waits for room;</li>
 *   <li>Pending: anything else (too few members, over its queue's limit or quota, invalid).</li>
 * </ul>
 * A gang that loses members it needs (evicted, deleted, a node gone) goes back to Pending or Admitted; a
 * finished gang that gets new members starts again. {@link #TRANSITIONS} lists every change it makes.
 */
public final class GangLifecycle {
    /** Every change of phase the machine makes; {@link #next} never makes another. */
    public static final Map<GangPhase, Set<GangPhase>> TRANSITIONS = transitions();

    private GangLifecycle() {
    }

    /**
     * What the members of a gang are doing: how many exist, how many hold a node ({@code bound}, including
     * running ones), run, and finished either way; and whether its queue admitted it this cycle.
     */
    public record Observation(int members, int minMember, int bound, int running, int succeeded, int failed,
                              boolean admitted) {
        int finished() {
            return succeeded + failed;
        }
    }

    private static Map<GangPhase, Set<GangPhase>> transitions() {
        Map<GangPhase, Set<GangPhase>> t = new EnumMap<>(GangPhase.class);
        for (GangPhase from : GangPhase.values()) {
            Set<GangPhase> to = EnumSet.complementOf(EnumSet.of(from));
            if (from == GangPhase.RUNNING) {
                to.remove(GangPhase.SCHEDULED); // while minMember stay bound, a running gang stays Running
            }
            if (from == GangPhase.SUCCEEDED) {
                to.remove(GangPhase.FAILED); // a member's end is final: an outcome is not revised
            }
            if (from == GangPhase.FAILED) {
                to.remove(GangPhase.SUCCEEDED);
            }
            t.put(from, Sorted.set(to));
        }
        return Sorted.map(t);
    }

    /** The phase after {@code previous} (null: none known yet) given {@code now}. */
    public static GangPhase next(GangPhase previous, Observation now) {
        GangPhase target = target(previous, now);
        if (previous != null && previous != target && !TRANSITIONS.get(previous).contains(target)) {
            throw new IllegalStateException("a gang cannot go from " + previous + " to " + target + " (" + now + ")");
        }
        return target;
    }

    private static GangPhase target(GangPhase previous, Observation o) {
        int finished = o.finished();
        if (o.members() > 0 && finished == o.members() && o.members() >= o.minMember()) {
            if (previous == GangPhase.SUCCEEDED || previous == GangPhase.FAILED) {
                return previous;
            }
            return o.failed() > 0 ? GangPhase.FAILED : GangPhase.SUCCEEDED;
        }
        if (o.bound() > 0 && o.bound() + finished >= o.minMember()) {
            boolean running = o.running() > 0 && o.running() + finished >= o.minMember();
            return running || previous == GangPhase.RUNNING ? GangPhase.RUNNING : GangPhase.SCHEDULED;
        }
        return o.admitted() ? GangPhase.ADMITTED : GangPhase.PENDING;
    }
}
