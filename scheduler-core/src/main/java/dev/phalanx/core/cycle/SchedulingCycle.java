package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Snapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One scheduling cycle: fair share, admission, placement, decisions. {@link #decide} is a pure
 * function of the snapshot; {@link #run} then commits through the {@link Binder} (step 5).
 *
 * <p>Gang atomicity (invariant 2): a gang that has not started yet is placed for all the members it
 * still needs, or for none; members beyond minMember (elastic ones) are then placed one by one.
 *
 * <p>Liveness (invariant 6): the highest-ranked gang that fits the empty cluster and its queue but
 * finds no room now reserves the room it will use: nodes chosen by releasing, busiest-last, what runs
 * on them until the gang fits. Later gangs of the cycle only backfill around that room, or into it
 * when their known run time ends before the room is expected to free up. A reservation stays on the
 * same nodes from cycle to cycle, and its gang goes first while it holds one, so a stream of small
 * gangs cannot starve a large one.
 *
 * <p>Preemption (step 4): that same gang, before it waits for room to drain, may make room by evicting
 * what the {@link PreemptionPolicy} allows. Its room is then nominated: held for it, whole nodes, until
 * the victims are gone, so nobody else takes what they free.
 *
 * <p>Stale gangs (invariant 2): a gang that holds some members bound but fewer than minMember (a commit
 * cut short: a failed binding, a restart, a member deleted) first gets the members it lacks, like any
 * gang. When it still has not started {@link #staleGangGraceMillis} after its first member was bound,
 * its bound members are evicted, so no half gang holds GPUs for good; it then starts over, whole.
 */
public final class SchedulingCycle {
    private static final Set<String> ROOM_CODES = Set.of("InsufficientResources", "TopologyUnsatisfiable");

    private final FairSharePolicy fairShare;
    private final AdmissionPolicy admission;
    private final PlacementPolicy placement;
    private final boolean reservations;
    private final PreemptionPolicy preemption;
    private final long staleGangGraceMillis;

    /** How long a gang may hold fewer than minMember bound members before they are evicted, unless told. */
    public static final long DEFAULT_STALE_GANG_GRACE_MILLIS = 60_000;

    public SchedulingCycle(FairSharePolicy fairShare, AdmissionPolicy admission, PlacementPolicy placement) {
        this(fairShare, admission, placement, true);
    }

    /** {@code reservations} false: no room is held for a blocked gang (the plain first-fit baseline). */
    public SchedulingCycle(FairSharePolicy fairShare, AdmissionPolicy admission, PlacementPolicy placement,
                           boolean reservations) {
        this(fairShare, admission, placement, reservations, PreemptionPolicy.NONE);
    }

    public SchedulingCycle(FairSharePolicy fairShare, AdmissionPolicy admission, PlacementPolicy placement,
                           boolean reservations, PreemptionPolicy preemption) {
        this(fairShare, admission, placement, reservations, preemption, DEFAULT_STALE_GANG_GRACE_MILLIS);
    }

    private SchedulingCycle(FairSharePolicy fairShare, AdmissionPolicy admission, PlacementPolicy placement,
                            boolean reservations, PreemptionPolicy preemption, long staleGangGraceMillis) {
        this.fairShare = fairShare;
        this.admission = admission;
        this.placement = placement;
        this.reservations = reservations;
        this.preemption = preemption;
        this.staleGangGraceMillis = staleGangGraceMillis;
    }

    /** The same cycle with another grace period for stale gangs. */
    public SchedulingCycle withStaleGangGrace(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("the stale gang grace period must not be negative, got " + millis);
        }
        return new SchedulingCycle(fairShare, admission, placement, reservations, preemption, millis);
    }

    /** Room held for one waiting gang: pseudo-members taken out of the capacity view until it can start. */
    private record Reservation(String gangKey, List<Binding> room, List<PodInfo> members, long freesAt) {
        List<String> nodes() {
            return room.stream().map(Binding::node).distinct().sorted().toList();
        }
    }

    public CycleResult decide(Snapshot snapshot) {
        FairShares shares = fairShare.compute(snapshot);
        QueueUsage usage = new QueueUsage(snapshot);
        CapacityView capacity = new CapacityView(snapshot);
        AdmissionPolicy.Ranking ranking = admission.order(snapshot, shares, usage);

        List<GangDecision> decisions = new ArrayList<>(ranking.notReady().values());
        decisions.sort(Comparator.comparing(GangDecision::gangKey));
        Map<String, List<String>> held = snapshot.planning().reservations();
        List<Gang> ready = new ArrayList<>(ranking.ready());
        // a gang that held room last cycle goes first, so its room is not given away meanwhile, unless a
        // gang of its queue with a higher priority may start too: that one keeps its place ahead of it. A
        // gang others were evicted for always goes first: the room is its own.
        Set<String> nominatedBefore = snapshot.planning().nominated();
        ready.sort(Comparator.comparingInt(g -> nominatedBefore.contains(g.key()) ? 0
                : held.containsKey(g.key()) && !outranked(g, ready, usage) ? 1 : 2));

        Reservation reservation = null;
        boolean nominated = false;
        List<Eviction> evictions = new ArrayList<>();
        for (Gang gang : ready) {
            GangDecision d = decideOne(gang, usage, capacity, reservation, snapshot);
            if (reservations && reservation == null && d.outcome() == GangDecision.Outcome.WAITING
                    && ROOM_CODES.contains(d.reasonCode())) {
                List<PodInfo> mustPlace = mustPlace(gang);
                if (placement.placeQuickly(gang, mustPlace, capacity.empty()).placed()) {
                    PreemptionPolicy.Preemption room = preemption.find(gang, mustPlace, capacity, snapshot, shares, usage);
                    if (room != null) {
                        reservation = nominate(gang, mustPlace, room, capacity);
                        nominated = true;
                        evictions.addAll(room.evictions());
                        d = GangDecision.waiting(d.gangKey(), d.queue(), "Preempting", room.summary()
                                + "; the room on " + String.join(", ", reservation.nodes()) + " is held for it");
                        decisions.add(d);
                        continue;
                    }
                    reservation = reserve(gang, mustPlace, capacity, snapshot, held.getOrDefault(gang.key(), List.of()));
                    if (reservation != null) {
                        d = GangDecision.waiting(d.gangKey(), d.queue(), d.reasonCode(), d.reason()
                                + "; room is reserved for it on " + String.join(", ", reservation.nodes()));
                    }
                } else {
                    d = GangDecision.waiting(d.gangKey(), d.queue(), "Unschedulable", d.reason()
                            + "; it would not fit even the empty cluster");
                }
            }
            decisions.add(d);
        }
        evictions.addAll(staleGangs(snapshot, decisions, evictions));
        Map<String, Map<String, Double>> allocated = new TreeMap<>();
        for (String q : usage.queueNames()) {
            allocated.put(q, usage.allocated(q).asUnitMap());
        }
        Map<String, List<String>> reserved = reservation == null ? Map.of() : Map.of(reservation.gangKey(), reservation.nodes());
        return new CycleResult(snapshot.now(), shares, decisions, allocated, reserved, evictions,
                nominated ? Set.of(reservation.gangKey()) : Set.of());
    }

    /**
     * Evictions of the bound members of gangs that have held fewer than minMember of them, without being
     * completed this cycle, for longer than the grace period.
     */
    private List<Eviction> staleGangs(Snapshot snapshot, List<GangDecision> decisions, List<Eviction> already) {
        Set<String> placed = new java.util.HashSet<>();
        decisions.stream().filter(d -> d.outcome() == GangDecision.Outcome.PLACED).forEach(d -> placed.add(d.gangKey()));
        Set<String> evicting = new java.util.HashSet<>();
        already.forEach(e -> evicting.add(e.podKey()));
        List<Eviction> out = new ArrayList<>();
        for (Gang g : snapshot.gangs()) {
            List<PodInfo> bound = g.bound();
            if (g.implicit() || bound.isEmpty() || g.phase() != dev.phalanx.core.model.GangPhase.PENDING
                    || placed.contains(g.key())) {
                continue;
            }
            long first = Long.MAX_VALUE;
            for (PodInfo p : bound) {
                first = Math.min(first, snapshot.planning().startedAt().getOrDefault(p.key(), snapshot.now()));
            }
            if (snapshot.now() - first < staleGangGraceMillis) {
                continue;
            }
            for (PodInfo p : bound) {
                if (!snapshot.planning().terminating().contains(p.key()) && evicting.add(p.key())) {
                    out.add(new Eviction(p.namespace(), p.name(), p.nodeName(), g.key(), Eviction.STALE_GANG, g.key(),
                            "gang " + g.key() + " has held " + bound.size() + " of its minMember " + g.minMember()
                                    + " members for " + ((snapshot.now() - first) / 1000) + "s without starting; its bound "
                                    + "members are evicted so it can start over whole"));
                }
            }
        }
        return out;
    }

    /**
     * Holds the nodes a preemption freed for {@code gang}: nothing else is placed on them this cycle,
     * and next cycle the gang goes first.
     */
    private static Reservation nominate(Gang gang, List<PodInfo> mustPlace, PreemptionPolicy.Preemption room,
                                        CapacityView capacity) {
        Map<String, PodInfo> byName = new HashMap<>();
        mustPlace.forEach(m -> byName.put(m.name(), m));
        List<PodInfo> members = new ArrayList<>();
        for (Binding b : room.placement()) {
            members.add(byName.get(b.pod()));
        }
        Reservation r = new Reservation(gang.key(), room.placement(), members, Long.MAX_VALUE);
        for (String node : r.nodes()) {
            capacity.occupy(capacity.indexOf(node));
        }
        return r;
    }

    private boolean outranked(Gang gang, List<Gang> ready, QueueUsage usage) {
        for (Gang other : ready) {
            if (other.priority() > gang.priority() && java.util.Objects.equals(other.queue(), gang.queue())
                    && admission.check(other.withMembers(mustPlace(other)), usage) == null) {
                return true;
            }
        }
        return false;
    }

    private static List<PodInfo> mustPlace(Gang gang) {
        List<PodInfo> pending = gang.pending();
        return pending.subList(0, Math.min(gang.missingToStart(), pending.size()));
    }

    private GangDecision decideOne(Gang gang, QueueUsage usage, CapacityView capacity, Reservation reservation,
                                   Snapshot snapshot) {
        List<PodInfo> pending = gang.pending();
        List<PodInfo> mustPlace = mustPlace(gang);
        List<PodInfo> elastic = pending.subList(mustPlace.size(), pending.size());
        boolean backfill = reservation != null && endsBefore(pending, snapshot, reservation.freesAt());

        List<Binding> bindings = new ArrayList<>();
        if (!mustPlace.isEmpty()) {
            GangDecision refused = admission.check(gang.withMembers(mustPlace), usage);
            if (refused != null) {
                return refused;
            }
            PlacementPolicy.Placement p = placeAround(gang, mustPlace, capacity, reservation, backfill);
            if (!p.placed()) {
                return GangDecision.waiting(gang.key(), gang.queue(), p.reasonCode(), p.reason());
            }
            commitToView(p.bindings(), mustPlace, capacity);
            usage.allocate(gang.queue(), sum(mustPlace));
            bindings.addAll(p.bindings());
        }
        for (PodInfo extra : elastic) {
            if (usage.limitProblem(gang.queue(), extra.requests()) != null) {
                break;
            }
            // the placement sees the members bound so far, so elastic ones join the gang's domain
            PlacementPolicy.Placement p = placeAround(withBindings(gang, bindings), List.of(extra), capacity, reservation,
                    backfill);
            if (!p.placed()) {
                break;
            }
            commitToView(p.bindings(), List.of(extra), capacity);
            usage.allocate(gang.queue(), extra.requests());
            bindings.addAll(p.bindings());
        }
        if (bindings.isEmpty()) {
            return GangDecision.waiting(gang.key(), gang.queue(), "NoRoom", "no room for more members now");
        }
        return GangDecision.placed(gang.key(), gang.queue(), bindings);
    }

    /**
     * Places on the room left around the reservation; a gang that will be gone before the reserved room
     * is needed may also use the reserved room (backfill).
     */
    private PlacementPolicy.Placement placeAround(Gang gang, List<PodInfo> pods, CapacityView capacity,
                                                  Reservation reservation, boolean backfill) {
        if (!backfill) {
            return placement.place(gang, pods, capacity);
        }
        for (int k = 0; k < reservation.room().size(); k++) {
            Binding b = reservation.room().get(k);
            capacity.give(capacity.indexOf(b.node()), reservation.members().get(k), b.gpuDevices());
        }
        try {
            return placement.place(gang, pods, capacity);
        } finally {
            for (int k = 0; k < reservation.room().size(); k++) {
                Binding b = reservation.room().get(k);
                capacity.take(capacity.indexOf(b.node()), reservation.members().get(k), b.gpuDevices());
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

    /**
     * Finds the room {@code gang} will start in: release nodes, the ones it held before first, then
     * the ones with the most free GPU, until its members fit on the released nodes alone; hold that
     * room in {@code capacity}.
     */
    private Reservation reserve(Gang gang, List<PodInfo> mustPlace, CapacityView capacity, Snapshot snapshot,
                                List<String> heldBefore) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < capacity.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingInt((Integer i) -> heldBefore.contains(capacity.node(i).name()) ? 0 : 1)
                .thenComparing(Comparator.comparingLong(capacity::freeGpuMilli).reversed())
                .thenComparing(i -> capacity.node(i).name()));
        long need = sum(mustPlace).milli(dev.phalanx.core.model.Keys.GPU);
        // the room is whole nodes to drain: nothing else starts there until the gang does, so it waits at
        // most until what runs on them now has ended. The fewest nodes, in that order, that hold the gang:
        // more released nodes never hold it less, so a binary search over how many finds them with a
        // handful of placements instead of one per node
        int first = 0;
        long released = 0;
        while (first < order.size() && released < need) {
            released += capacity.node(order.get(first++)).allocatable().milli(dev.phalanx.core.model.Keys.GPU);
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
        if (p == null || !p.placed()) {
            return null;
        }
        Map<String, PodInfo> byName = new HashMap<>();
        mustPlace.forEach(m -> byName.put(m.name(), m));
        List<PodInfo> members = new ArrayList<>();
        for (Binding b : p.bindings()) {
            PodInfo m = byName.get(b.pod());
            members.add(m);
            capacity.take(capacity.indexOf(b.node()), m, b.gpuDevices());
        }
        return new Reservation(gang.key(), p.bindings(), members, freesAt(p.bindings(), snapshot));
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

    /** When everything now running on the reserved nodes is expected to be gone; MAX_VALUE when unknown. */
    private static long freesAt(List<Binding> room, Snapshot snapshot) {
        Set<String> nodes = new java.util.HashSet<>();
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

    private static Gang withBindings(Gang gang, List<Binding> bindings) {
        if (bindings.isEmpty()) {
            return gang;
        }
        Map<String, Binding> byPod = new HashMap<>();
        bindings.forEach(b -> byPod.put(b.pod(), b));
        List<PodInfo> members = gang.members().stream()
                .map(m -> byPod.containsKey(m.name()) ? m.bound(byPod.get(m.name()).node(), byPod.get(m.name()).gpuDevices()) : m)
                .toList();
        return gang.withMembers(members);
    }

    private static void commitToView(List<Binding> bindings, List<PodInfo> pods, CapacityView capacity) {
        Map<String, PodInfo> byName = new LinkedHashMap<>();
        pods.forEach(p -> byName.put(p.name(), p));
        for (Binding b : bindings) {
            capacity.take(capacity.indexOf(b.node()), byName.get(b.pod()), b.gpuDevices());
        }
    }

    private static Resources sum(List<PodInfo> pods) {
        Resources r = Resources.NONE;
        for (PodInfo p : pods) {
            r = r.add(p.requests());
        }
        return r;
    }

    /** Decides, then commits every placed gang through {@code binder}, gang by gang. */
    public CycleResult run(ClusterSource source, Binder binder) {
        CycleResult result = decide(source.snapshot());
        for (GangDecision d : result.placed()) {
            binder.bind(d, d.bindings());
        }
        return result;
    }
}
