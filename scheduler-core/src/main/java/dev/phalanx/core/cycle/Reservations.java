package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Snapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reservation and backfill, which keep liveness (invariant 6): a stream of small gangs cannot starve a
 * large one. The highest-ranked gang that fits the empty cluster and its queue but finds no room now
 * reserves the room it will use: whole nodes chosen by releasing, the ones it held before first, then the
 * ones with the most free GPU, what runs on them until the gang fits. Nothing else starts there until it
 * does, so it waits at most until what runs there now has ended. Later gangs of the cycle place around
 * that room, or into it when their known run time ends before the room is expected to free up (backfill).
 * A reservation stays on the same nodes from cycle to cycle ({@link Nomination} puts its gang first).
 */
final class Reservations {
    private final PlacementPolicy placement;

    Reservations(PlacementPolicy placement) {
        this.placement = placement;
    }

    /** The room {@code gang} will start in, held in {@code capacity}; null when releasing every node would not hold it. */
    HeldRoom reserve(Gang gang, List<PodInfo> mustPlace, CapacityView capacity, Snapshot snapshot, List<String> heldBefore) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < capacity.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingInt((Integer i) -> heldBefore.contains(capacity.node(i).name()) ? 0 : 1)
                .thenComparing(Comparator.comparingLong(capacity::freeGpuMilli).reversed())
                .thenComparing(i -> capacity.node(i).name()));
        long need = sum(mustPlace).milli(Keys.GPU);
        // the fewest nodes, in that order, that hold the gang: more released nodes never hold it less, so a
        // binary search over how many finds them with a handful of placements instead of one per node
        int first = 0;
        long released = 0;
        while (first < order.size() && released < need) {
            released += capacity.node(order.get(first++)).allocatable().milli(Keys.GPU);
        }
        if (released < need) {
            return null;
        }
        PlacementPolicy.Placement p = releasedFirst(gang, mustPlace, capacity, order, order.size());
        if (!p.placed()) {
            return null;
        }
        int lo = first, hi = order.size(); // hi holds the gang
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            PlacementPolicy.Placement at = releasedFirst(gang, mustPlace, capacity, order, mid);
            if (at.placed()) {
                hi = mid;
                p = at;
            } else {
                lo = mid + 1;
            }
        }
        Map<String, PodInfo> byName = new HashMap<>();
        mustPlace.forEach(m -> byName.put(m.name(), m));
        List<PodInfo> members = new ArrayList<>();
        for (Binding b : p.bindings()) {
            PodInfo m = byName.get(b.pod());
            members.add(m);
            capacity.hold(capacity.indexOf(b.node()), m, b.gpuDevices());
        }
        return new HeldRoom(gang.key(), p.bindings(), members, freesAt(p.bindings(), snapshot), false);
    }

    /** Where the gang goes when the first {@code count} nodes of {@code order} are released and no other. */
    private PlacementPolicy.Placement releasedFirst(Gang gang, List<PodInfo> mustPlace, CapacityView capacity,
                                                    List<Integer> order, int count) {
        CapacityView future = capacity.copy();
        for (int i = 0; i < future.size(); i++) {
            future.occupy(i);
        }
        for (int k = 0; k < count; k++) {
            future.release(order.get(k));
        }
        return placement.placeQuickly(gang, mustPlace, future);
    }

    /** True when {@code pods} will all be gone before the room {@code held} is needed, so they may use it. */
    static boolean mayBackfill(List<PodInfo> pods, Snapshot snapshot, HeldRoom held) {
        return held != null && endsBefore(pods, snapshot, held.freesAt());
    }

    /**
     * Places on the room left around {@code held}, or, with {@code backfill}, on that room too. Leaves
     * {@code capacity} as it found it.
     */
    PlacementPolicy.Placement placeAround(Gang gang, List<PodInfo> pods, CapacityView capacity, HeldRoom held,
                                          boolean backfill) {
        if (!backfill) {
            return placement.place(gang, pods, capacity);
        }
        for (int k = 0; k < held.room().size(); k++) {
            Binding b = held.room().get(k);
            capacity.unhold(capacity.indexOf(b.node()), held.members().get(k), b.gpuDevices());
        }
        try {
            return placement.place(gang, pods, capacity);
        } finally {
            for (int k = 0; k < held.room().size(); k++) {
                Binding b = held.room().get(k);
                capacity.hold(capacity.indexOf(b.node()), held.members().get(k), b.gpuDevices());
            }
        }
    }

    /** True when every pod's run time is known and all of them would end by {@code deadline} if started now. */
    private static boolean endsBefore(List<PodInfo> pods, Snapshot snapshot, long deadline) {
        if (deadline == Long.MAX_VALUE) {
            return false;
        }
        for (PodInfo p : pods) {
            Long runtime = snapshot.planning().runtimes().get(p.key());
            if (runtime == null || snapshot.now() + runtime > deadline) {
                return false;
            }
        }
        return true;
    }

    /** When everything now running on the reserved nodes is expected to be gone; MAX_VALUE when unknown. */
    private static long freesAt(List<Binding> room, Snapshot snapshot) {
        Set<String> nodes = new HashSet<>();
        room.forEach(b -> nodes.add(b.node()));
        long latest = snapshot.now();
        for (PodInfo p : snapshot.pods()) {
            if (p.phase().holdsResources() && nodes.contains(p.nodeName())) {
                Long end = snapshot.planning().expectedEnds().get(p.key());
                if (end == null) {
                    return Long.MAX_VALUE;
                }
                latest = Math.max(latest, end);
            }
        }
        return latest;
    }

    static dev.phalanx.core.model.Resources sum(List<PodInfo> pods) {
        dev.phalanx.core.model.Resources r = dev.phalanx.core.model.Resources.NONE;
        for (PodInfo p : pods) {
            r = r.add(p.requests());
        }
        return r;
    }
}
