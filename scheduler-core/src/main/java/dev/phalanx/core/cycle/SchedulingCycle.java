package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.PodInfo;
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
 * Steps 1 to 4 of a cycle, a pure function of the snapshot: fair share, admission, placement and
 * preemption, giving each gang a decision ({@link CycleResult}). {@link CycleRunner} takes a snapshot,
 * calls {@link #decide} and commits what it returns.
 *
 * <p>Gang atomicity (invariant 2): a gang that has not started yet is placed for all the members it still
 * needs, or for none; members beyond minMember (elastic ones) are then placed one by one, each through the
 * same admission check as any gang, so a queue's limit and, for a gang that may not be preempted, its quota
 * hold for them too (invariant 3).
 *
 * <p>Where the other invariants are kept: room held for a blocked gang and backfill around it in
 * {@link Reservations}; room made by preemption and who goes first in {@link Nomination}; half-started gangs
 * in {@link StaleGangs}.
 */
public final class SchedulingCycle {
    /** Why a gang may wait for room: none now, or none beside the pods there now (ConstraintsUnsatisfied). */
    private static final Set<String> ROOM_CODES = Set.of("InsufficientResources", "TopologyUnsatisfiable", "SubGroupUnsatisfiable",
            "ConstraintsUnsatisfied");

    /** The code of a gang restarted whole because a node it ran on failed. */
    public static final String RESTARTING = "NodeFailed";

    private final CyclePolicies policies;
    private final Reservations reservations;
    private final StaleGangs staleGangs;

    public SchedulingCycle(CyclePolicies policies) {
        this.policies = policies;
        this.reservations = new Reservations(policies.placement());
        this.staleGangs = new StaleGangs(policies.staleGangGraceMillis());
    }

    public CyclePolicies policies() {
        return policies;
    }

    public CycleResult decide(Snapshot snapshot) {
        AdmissionPolicy admission = policies.admission();
        FairShares shares = policies.fairShare().compute(snapshot);
        QueueUsage usage = new QueueUsage(snapshot);
        CapacityView capacity = new CapacityView(snapshot);
        AdmissionPolicy.Ranking ranking = admission.order(snapshot, shares, usage);

        List<GangDecision> decisions = new ArrayList<>(ranking.notReady().values());
        decisions.sort(Comparator.comparing(GangDecision::gangKey));
        Map<String, List<String>> heldBefore = snapshot.planning().reservations();
        List<Gang> ready = Nomination.firstInLine(ranking.ready(), snapshot.planning(),
                g -> admission.check(g.withMembers(mustPlace(g)), usage) == null);

        HeldRoom held = null;
        List<Eviction> evictions = new ArrayList<>();
        Map<GangShape, Boolean> fitsEmpty = new HashMap<>();
        Map<List<Object>, GangDecision> unplaced = new HashMap<>();
        for (Gang gang : ready) {
            GangDecision d = decideOne(gang, usage, capacity, held, snapshot, unplaced);
            if (d.outcome() == GangDecision.Outcome.WAITING && ROOM_CODES.contains(d.reasonCode())) {
                List<PodInfo> mustPlace = mustPlace(gang);
                // a fact of the gang, whatever else waits: gangs of one shape are asked once per cycle
                boolean couldEverFit = fitsEmpty.computeIfAbsent(GangShape.of(gang, mustPlace),
                        k -> policies.placement().placeQuickly(gang, mustPlace, capacity.empty()).placed());
                if (!couldEverFit) {
                    d = GangDecision.waiting(d.gangKey(), d.queue(), "Unschedulable", d.reason()
                            + "; it would not fit even the empty cluster");
                } else if (policies.reservations() && held == null) {
                    PreemptionPolicy.Preemption room = policies.preemption().find(gang, mustPlace, capacity, snapshot,
                            shares, usage);
                    if (room != null && !room.declined()) {
                        held = Nomination.hold(gang, mustPlace, room, capacity);
                        evictions.addAll(room.evictions());
                        d = GangDecision.waiting(d.gangKey(), d.queue(), "Preempting", room.summary()
                                + "; the room on " + String.join(", ", held.nodes()) + " is held for it");
                    } else {
                        String why = room == null ? "" : "; " + room.summary();
                        held = reservations.reserve(gang, mustPlace, capacity, snapshot,
                                heldBefore.getOrDefault(gang.key(), List.of()));
                        if (held != null) {
                            d = GangDecision.waiting(d.gangKey(), d.queue(), d.reasonCode(), d.reason() + why
                                    + "; room is reserved for it on " + String.join(", ", held.nodes()));
                        } else if (!why.isEmpty()) {
                            d = GangDecision.waiting(d.gangKey(), d.queue(), d.reasonCode(), d.reason() + why);
                        }
                    }
                }
            }
            decisions.add(d);
        }
        for (StaleGangs.Restart r : staleGangs.afterNodeFailures(snapshot, evictions)) {
            evictions.addAll(r.evictions());
            decisions.removeIf(d -> d.gangKey().equals(r.gang().key()));
            decisions.add(GangDecision.waiting(r.gang().key(), r.gang().queue(), RESTARTING, r.message()));
        }
        evictions.addAll(staleGangs.evictions(snapshot, decisions, evictions));
        Map<String, Map<String, Double>> allocated = new TreeMap<>();
        for (String q : usage.queueNames()) {
            allocated.put(q, usage.allocated(q).asUnitMap());
        }
        Map<String, List<String>> reserved = held == null ? Map.of() : Map.of(held.gangKey(), held.nodes());
        Set<String> nominated = held != null && held.nominated() ? Set.of(held.gangKey()) : Set.of();
        Map<String, String> nominatedNodes = new TreeMap<>();
        if (held != null && held.nominated()) {
            held.room().forEach(b -> nominatedNodes.put(b.podKey(), b.node()));
        }
        return new CycleResult(snapshot.now(), shares, decisions, allocated, reserved, evictions, nominated, nominatedNodes);
    }

    /**
     * What decides whether a gang fits a cluster: its topology and what each member asks for and may run on.
     * Gangs of one shape fit the same room.
     */
    private record GangShape(String required, String preferred, List<List<Object>> pods, String ownGang) {
        static GangShape of(Gang gang, List<PodInfo> pods) {
            List<List<Object>> kinds = new ArrayList<>();
            for (PodInfo p : pods) {
                kinds.add(List.of(p.requests(), p.gpuFractionMilli(), p.nodeSelector(), p.tolerations(), p.nodeAffinity(),
                        p.constraints().shape()));
            }
            // a gang with subgroups is its own shape: which leaf each pod is in and where its members run decide too
            return new GangShape(gang.topologyRequired(), gang.topologyPreferred(), kinds,
                    gang.hasSubGroups() ? gang.key() : null);
        }
    }

    /** The members a gang that has not started must place together: as many pending ones as it lacks. */
    private static List<PodInfo> mustPlace(Gang gang) {
        return gang.mustPlace();
    }

    /**
     * {@code unplaced}: placements that failed earlier in this cycle, by gang shape and the room it was offered. Free
     * room only shrinks during a cycle, so a gang of a shape that did not fit does not fit later in the same cycle
     * either: it is told the same reason without a placement being tried again.
     */
    private GangDecision decideOne(Gang gang, QueueUsage usage, CapacityView capacity, HeldRoom held, Snapshot snapshot,
                                   Map<List<Object>, GangDecision> unplaced) {
        List<PodInfo> pending = gang.pending();
        List<PodInfo> mustPlace = mustPlace(gang);
        List<List<PodInfo>> elastic = dev.phalanx.core.model.SubGroupStart.elasticUnits(gang, mustPlace);
        boolean backfill = Reservations.mayBackfill(pending, snapshot, held);

        List<Binding> bindings = new ArrayList<>();
        if (!mustPlace.isEmpty()) {
            GangDecision refused = policies.admission().check(gang.withMembers(mustPlace), usage);
            if (refused != null) {
                return refused;
            }
            List<Object> shape = List.of(GangShape.of(gang, mustPlace), backfill, held == null ? "" : held.gangKey());
            GangDecision known = unplaced.get(shape);
            if (known != null) {
                return GangDecision.waiting(gang.key(), gang.queue(), known.reasonCode(), known.reason());
            }
            PlacementPolicy.Placement p = reservations.placeAround(gang, mustPlace, capacity, held, backfill);
            if (!p.placed()) {
                GangDecision d = GangDecision.waiting(gang.key(), gang.queue(), p.reasonCode(), p.reason());
                if (p.reason() == null || mustPlace.stream().noneMatch(m -> p.reason().contains(m.name()))) {
                    unplaced.put(shape, d); // a reason that names a member is this gang's own
                }
                return d;
            }
            bindings.addAll(take(p.bindings(), mustPlace, capacity));
            usage.allocate(gang.queue(), Reservations.sum(mustPlace));
        }
        String elasticWait = null;
        for (List<PodInfo> extra : elastic) {
            GangDecision refused = policies.admission().check(gang.withMembers(extra), usage);
            if (refused != null) {
                elasticWait = refused.message();
                break;
            }
            // the placement sees the members bound so far, so elastic ones join the gang's domain (and a whole
            // subgroup above the gang's minimum starts complete, or not at all)
            PlacementPolicy.Placement p = reservations.placeAround(withBindings(gang, bindings), extra, capacity,
                    held, backfill);
            if (!p.placed()) {
                elasticWait = p.reasonCode() + ": " + p.reason();
                if (extra.size() > 1) {
                    continue; // another subgroup, or a single pod, may still fit
                }
                break;
            }
            bindings.addAll(take(p.bindings(), extra, capacity));
            usage.allocate(gang.queue(), Reservations.sum(extra));
        }
        if (bindings.isEmpty()) {
            return GangDecision.waiting(gang.key(), gang.queue(), "NoRoom", "no room for more members now"
                    + (elasticWait == null ? "" : " (" + elasticWait + ")"));
        }
        return GangDecision.placed(gang.key(), gang.queue(), bindings);
    }

    /** {@code gang} with the members that {@code bindings} place shown bound where they go. */
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

    /** Assumes the bindings on the cycle's view; returns them with the claims and volumes each pod's binding must write first. */
    private static List<Binding> take(List<Binding> bindings, List<PodInfo> pods, CapacityView capacity) {
        Map<String, PodInfo> byName = new LinkedHashMap<>();
        pods.forEach(p -> byName.put(p.name(), p));
        List<Binding> out = new ArrayList<>(bindings.size());
        for (Binding b : bindings) {
            PodInfo pod = byName.get(b.pod());
            capacity.take(capacity.indexOf(b.node()), pod, b.gpuDevices());
            List<dev.phalanx.core.dra.ClaimInfo> written = capacity.claimWrites(pod.key());
            Binding full = written.isEmpty() ? b : b.withClaims(written);
            var volumes = capacity.volumeWrites(pod.key());
            out.add(volumes.isEmpty() ? full : full.withVolumes(volumes));
        }
        return out;
    }
}
