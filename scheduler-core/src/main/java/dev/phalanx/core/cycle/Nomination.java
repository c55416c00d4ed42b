package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Planning;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Who goes first, and the room preemption made. Keeps liveness under preemption (invariant 6): the room
 * that evicting others freed belongs to the gang it was freed for. That room is held for it (whole nodes,
 * nothing else placed there) until the victims are gone, and next cycle that gang goes first, whatever
 * ranks above it. A gang that held a reservation last cycle goes next, so its room is not given away
 * meanwhile, unless a gang of its own queue with a higher priority may start too: that one keeps its
 * place ahead of it.
 */
final class Nomination {
    private Nomination() {
    }

    /**
     * {@code ready} reordered: gangs others were evicted for first, then gangs holding room from the last
     * cycle that no admissible gang of their queue outranks, then the rest in their ranking order.
     */
    static List<Gang> firstInLine(List<Gang> ready, Planning planning, Predicate<Gang> admissible) {
        List<Gang> out = new ArrayList<>(ready);
        out.sort(Comparator.comparingInt(g -> planning.nominated().contains(g.key()) ? 0
                : planning.reservations().containsKey(g.key()) && !outranked(g, ready, admissible) ? 1 : 2));
        return out;
    }

    private static boolean outranked(Gang gang, List<Gang> ready, Predicate<Gang> admissible) {
        for (Gang other : ready) {
            if (other.priority() > gang.priority() && Objects.equals(other.queue(), gang.queue()) && admissible.test(other)) {
                return true;
            }
        }
        return false;
    }

    /** Holds the nodes a preemption frees for {@code gang}: nothing else is placed on them this cycle. */
    static HeldRoom hold(Gang gang, List<PodInfo> mustPlace, PreemptionPolicy.Preemption preemption, CapacityView capacity) {
        Map<String, PodInfo> byName = new HashMap<>();
        mustPlace.forEach(m -> byName.put(m.name(), m));
        List<PodInfo> members = new ArrayList<>();
        for (Binding b : preemption.placement()) {
            members.add(byName.get(b.pod()));
        }
        HeldRoom room = new HeldRoom(gang.key(), preemption.placement(), members, Long.MAX_VALUE, true);
        for (String node : room.nodes()) {
            capacity.occupy(capacity.indexOf(node));
        }
        return room;
    }
}
