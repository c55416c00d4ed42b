package dev.phalanx.placement;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.cycle.Eviction;
import dev.phalanx.core.cycle.FairShares;
import dev.phalanx.core.cycle.PlacementPolicy;
import dev.phalanx.core.cycle.PreemptionPolicy;
import dev.phalanx.core.cycle.QueueUsage;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Snapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Step 4: the least costly set of victims whose eviction lets a waiting gang start.
 *
 * <p>Who may be evicted:
 * <ul>
 *   <li><b>preemption</b>, inside the gang's queue: preemptible gangs of strictly lower priority;</li>
 *   <li><b>reclaim</b>, across queues, only while the gang's queue stays within its fair share once the
 *   gang runs: preemptible gangs of queues holding more than their fair share, and never so much that a
 *   queue drops below its quota (in-quota usage is never reclaimed, invariant 3).</li>
 * </ul>
 * A running gang younger than its queue's {@code preemptMinRuntime} (preemption) or
 * {@code reclaimMinRuntime} (reclaim) is left alone. Members above a gang's minMember (elastic ones) are
 * taken one by one before any whole gang; whole gangs go in order of priority, then of the work they would
 * lose (their share of the cluster times their run since they started or last saved a checkpoint, see
 * {@link dev.phalanx.core.model.Checkpoint}). Victims are added in that order until the gang fits, then each
 * is dropped again, costliest first, if the gang still fits without it: what is evicted is needed.
 *
 * <p>Reclaim must pay ({@link ReclaimPayoff}): it goes ahead only when the gang would otherwise wait longer for
 * its room to free by itself than the victims' lost work is worth; else nothing is evicted, and the gang
 * waits, saying why. Priority preemption is not weighed: a higher priority says whose work is worth more.
 *
 * <p>No ping-pong: priority preemption only runs downhill, and a reclaim leaves the reclaiming queue at
 * or below its fair share while its victims' queue was above its own, so the victims cannot reclaim back
 * while nothing else changes.
 *
 * <p>A gang whose room frees up once pods already terminating are gone evicts nothing more: it is told to
 * wait for them, with its room held.
 */
public final class VictimSelection implements PreemptionPolicy {
    private static final double EPSILON = 1e-9;

    private final PlacementPolicy placement;
    private final ReclaimPayoff payoff;

    /** Reclaims whenever the rules allow ({@link ReclaimPayoff#ALWAYS}). */
    public VictimSelection(PlacementPolicy placement) {
        this(placement, ReclaimPayoff.ALWAYS);
    }

    /** {@code placement} judges whether the gang fits once victims are gone; it must keep the hard constraints. */
    public VictimSelection(PlacementPolicy placement, ReclaimPayoff payoff) {
        this.placement = placement;
        this.payoff = payoff;
    }

    public ReclaimPayoff payoff() {
        return payoff;
    }

    /**
     * Evicting this frees room: one elastic member, or every bound member of a gang. {@code workLost}: in
     * share-seconds (see {@link ReclaimPayoff}); {@code gpuHoursLost}: the same work in GPU-hours, to say.
     */
    private record Unit(Gang gang, List<PodInfo> pods, boolean elastic, String reason, double workLost, double gpuHoursLost) {
        Resources requests() {
            return BestFitPlacement.total(pods);
        }
    }

    @Override
    public Preemption find(Gang gang, List<PodInfo> mustPlace, CapacityView capacity, Snapshot snapshot,
                           FairShares shares, QueueUsage usage) {
        Set<String> terminating = snapshot.planning().terminating();
        if (!terminating.isEmpty()) {
            List<PodInfo> leaving = snapshot.pods().stream()
                    .filter(p -> p.phase().holdsResources() && terminating.contains(p.key())).toList();
            PlacementPolicy.Placement p = placement.place(gang, mustPlace, without(capacity, leaving));
            if (p.placed()) {
                return new Preemption(List.of(), p.bindings(), "waiting for " + leaving.size()
                        + " terminating pods to be gone");
            }
        }
        List<Unit> units = candidates(gang, mustPlace, snapshot, shares, usage, payoff.restartCostMillis());
        if (units.isEmpty()) {
            return null;
        }
        long needGpu = BestFitPlacement.total(mustPlace).milli(Keys.GPU);
        long freeGpu = 0;
        for (int i = 0; i < capacity.size(); i++) {
            freeGpu += capacity.freeGpuMilli(i);
        }
        // add victims, cheapest first, until the gang fits
        List<Unit> chosen = new ArrayList<>();
        Map<String, Resources> taken = new HashMap<>();
        PlacementPolicy.Placement fit = null;
        for (Unit u : units) {
            if (!allowed(u, gang.queue(), usage, shares, taken)) {
                continue;
            }
            chosen.add(u);
            taken.merge(u.gang().queue(), u.requests(), Resources::add);
            freeGpu += u.requests().milli(Keys.GPU);
            if (freeGpu < needGpu) {
                continue;
            }
            PlacementPolicy.Placement p = placement.place(gang, mustPlace, without(capacity, pods(chosen)));
            if (p.placed()) {
                fit = p;
                break;
            }
        }
        if (fit == null) {
            return null;
        }
        // then drop each victim, costliest first, that the gang does not need
        for (int k = chosen.size() - 1; k >= 0 && chosen.size() > 1; k--) {
            List<Unit> rest = new ArrayList<>(chosen);
            rest.remove(k);
            PlacementPolicy.Placement p = placement.place(gang, mustPlace, without(capacity, pods(rest)));
            if (p.placed()) {
                chosen = rest;
                fit = p;
            }
        }
        String cost = "";
        if (payoff.weighs() && chosen.stream().anyMatch(u -> Eviction.RECLAIMED.equals(u.reason()))) {
            Payoff p = weigh(gang, mustPlace, chosen, capacity, snapshot);
            if (!p.pays()) {
                return Preemption.declined(p.explanation());
            }
            cost = " (" + p.explanation() + ")";
        }
        List<Eviction> evictions = new ArrayList<>();
        Set<String> victims = new LinkedHashSet<>();
        Set<String> seen = new java.util.HashSet<>();
        for (Unit u : chosen) {
            victims.add(u.gang().key());
            for (PodInfo p : u.pods()) {
                if (seen.add(p.key())) {
                    evictions.add(new Eviction(p.namespace(), p.name(), p.nodeName(), u.gang().key(), u.reason(),
                            gang.key(), message(u, gang)));
                }
            }
        }
        return new Preemption(evictions, fit.bindings(), "evicting " + evictions.size() + " pods of "
                + String.join(", ", victims) + " to make room" + cost);
    }

    /** Whether reclaiming {@code chosen} pays, and the numbers that say so. */
    private record Payoff(boolean pays, String explanation) {
    }

    /**
     * Weighs the reclaim of {@code chosen} for {@code gang}: the victims' lost work against waiting. Waiting costs the
     * gang its share of the cluster for as long as its room takes to free by itself; the reclaim pays when that is
     * longer than the lost work divided by the gang's share (times {@link ReclaimPayoff#gainOverLoss}), that is when
     * releasing every pod expected to end by then still leaves no room for it.
     */
    private Payoff weigh(Gang gang, List<PodInfo> mustPlace, List<Unit> chosen, CapacityView capacity, Snapshot snapshot) {
        double loss = 0, lostGpuHours = 0;
        for (Unit u : chosen) {
            if (Eviction.RECLAIMED.equals(u.reason())) {
                loss += u.workLost();
                lostGpuHours += u.gpuHoursLost();
            }
        }
        Resources total = snapshot.totalAllocatable();
        double size = ReclaimPayoff.dominantShare(BestFitPlacement.total(mustPlace), total);
        String lost = String.format(java.util.Locale.ROOT, "%s of work since the victims started or last saved a checkpoint",
                amount(lostGpuHours, loss, total)) + (payoff.restartCostMillis() > 0 ? " and a restart of "
                + dev.phalanx.core.kube.Durations.format(payoff.restartCostMillis()) + " each" : "");
        if (size <= 0) {
            return new Payoff(true, "reclaim loses " + lost);
        }
        double worthSeconds = payoff.gainOverLoss() * loss / size;
        long horizon = worthSeconds >= Long.MAX_VALUE / 2000.0 ? Long.MAX_VALUE / 2 : (long) Math.ceil(worthSeconds * 1000);
        long deadline = snapshot.now() + horizon;
        Set<String> terminating = snapshot.planning().terminating();
        List<PodInfo> endingBy = new ArrayList<>();
        for (PodInfo p : snapshot.pods()) {
            if (p.phase().holdsResources() && (terminating.contains(p.key()) || ReclaimPayoff.expectedEnd(p, snapshot) <= deadline)) {
                endingBy.add(p);
            }
        }
        String within = dev.phalanx.core.kube.Durations.format(Math.max(1000, horizon));
        if (placement.placeQuickly(gang, mustPlace, without(capacity, endingBy)).placed()) {
            return new Payoff(false, "reclaiming would not pay: it would throw away " + lost
                    + ", while the room this gang needs is expected to free by itself within " + within);
        }
        return new Payoff(true, "it throws away " + lost + "; the room would not free by itself within " + within);
    }

    /** Lost work as GPU-hours when GPUs are lost, else as the share of the cluster times hours. */
    private static String amount(double gpuHours, double shareSeconds, Resources total) {
        if (gpuHours > 0 || total.milli(Keys.GPU) > 0) {
            return String.format(java.util.Locale.ROOT, "%.1f GPU-hours", gpuHours);
        }
        return String.format(java.util.Locale.ROOT, "%.3f cluster-hours", shareSeconds / 3600);
    }

    private static String message(Unit u, Gang forGang) {
        String what = u.elastic() ? "an elastic member (above minMember " + u.gang().minMember() + ") of " + u.gang().key()
                : "gang " + u.gang().key();
        return Eviction.PREEMPTED.equals(u.reason())
                ? what + " is preempted by " + forGang.key() + " (priority " + forGang.priority() + " over "
                  + u.gang().priority() + " in queue " + forGang.queue() + ")"
                : what + " is reclaimed for " + forGang.key() + ": queue " + forGang.queue()
                  + " is below its fair share and queue " + u.gang().queue() + " above its own";
    }

    /** Running gangs, cut into victim units, cheapest first; only those the rules allow. */
    private static List<Unit> candidates(Gang gang, List<PodInfo> mustPlace, Snapshot snapshot, FairShares shares,
                                         QueueUsage usage, long restartCostMillis) {
        boolean mayReclaim = withinFairShareAfter(gang.queue(), BestFitPlacement.total(mustPlace), usage, shares);
        Set<String> terminating = snapshot.planning().terminating();
        Resources total = snapshot.totalAllocatable();
        List<Unit> units = new ArrayList<>();
        for (Gang v : snapshot.gangs()) {
            if (v.key().equals(gang.key()) || !v.isValid() || !v.preemptible() || v.queue() == null) {
                continue;
            }
            String reason;
            if (v.queue().equals(gang.queue())) {
                if (v.priority() >= gang.priority()) {
                    continue;
                }
                reason = Eviction.PREEMPTED;
            } else if (mayReclaim) {
                reason = Eviction.RECLAIMED;
            } else {
                continue;
            }
            QueueInfo q = usage.tree().get(v.queue());
            if (q == null) {
                continue;
            }
            List<PodInfo> bound = v.bound().stream().filter(p -> !terminating.contains(p.key()))
                    .sorted(Comparator.comparing(PodInfo::name)).toList();
            if (bound.isEmpty()) {
                continue;
            }
            long started = Long.MAX_VALUE;
            for (PodInfo p : bound) {
                started = Math.min(started, snapshot.planning().startedAt().getOrDefault(p.key(), p.createdAt()));
            }
            long age = snapshot.now() - started;
            long minRuntime = Eviction.PREEMPTED.equals(reason) ? q.preemptMinRuntimeMillis() : q.reclaimMinRuntimeMillis();
            if (age < minRuntime) {
                continue;
            }
            double work = 0, gpuHours = 0;
            for (PodInfo p : bound) {
                work += workLost(p, snapshot, total, restartCostMillis);
                gpuHours += gpuHoursLost(p, snapshot);
            }
            for (List<PodInfo> pods : elasticMembers(v, bound)) {
                double w = 0, h = 0;
                for (PodInfo p : pods) {
                    w += workLost(p, snapshot, total, restartCostMillis);
                    h += gpuHoursLost(p, snapshot);
                }
                units.add(new Unit(v, pods, true, reason, w, h));
            }
            units.add(new Unit(v, bound, false, reason, work, gpuHours));
        }
        units.sort(Comparator.comparing((Unit u) -> !u.elastic())
                .thenComparingInt(u -> u.gang().priority())
                .thenComparingDouble(Unit::workLost)
                .thenComparing(u -> u.gang().key())
                .thenComparing(u -> u.pods().get(0).name()));
        return units;
    }

    /**
     * The members a started gang can lose and stay started, as units that may go one by one or all together: the last
     * ones by name beyond its minMember; for a gang with subgroups, whole subgroups above the minimum (the last declared
     * first), then pods beyond a subgroup's own minimum, never a fragment of a subgroup it needs.
     */
    static List<List<PodInfo>> elasticMembers(Gang v, List<PodInfo> bound) {
        List<List<PodInfo>> out = new ArrayList<>();
        if (!v.hasSubGroups()) {
            int elastic = bound.size() + (int) v.finishedCount() - v.minMember();
            for (int k = 0; k < elastic && k < bound.size(); k++) {
                out.add(List.of(bound.get(bound.size() - 1 - k)));
            }
            return out;
        }
        dev.phalanx.core.model.SubGroups tree = v.subGroups();
        java.util.Set<String> removed = new java.util.HashSet<>();
        java.util.Set<String> offered = new java.util.HashSet<>();
        bound.forEach(p -> offered.add(p.name()));
        for (PodInfo p : v.bound()) {
            if (!offered.contains(p.name())) {
                removed.add(p.name()); // terminating already: gone for the count, whatever is taken now
            }
        }
        List<dev.phalanx.core.model.SubGroups.Node> leaves = new ArrayList<>(tree.nodes().stream().filter(tree::isLeaf).toList());
        java.util.Collections.reverse(leaves);
        for (dev.phalanx.core.model.SubGroups.Node leaf : leaves) {
            List<PodInfo> mine = tree.membersOf(leaf.name(), bound);
            if (!mine.isEmpty() && startedWithout(v, removed, mine)) {
                mine.forEach(p -> removed.add(p.name()));
                out.add(mine);
            }
        }
        for (int k = bound.size() - 1; k >= 0; k--) {
            PodInfo p = bound.get(k);
            if (!removed.contains(p.name()) && startedWithout(v, removed, List.of(p))) {
                removed.add(p.name());
                out.add(List.of(p));
            }
        }
        return out;
    }

    /** Whether {@code v} stays started without the members named in {@code removed} and {@code more}. */
    private static boolean startedWithout(Gang v, java.util.Set<String> removed, List<PodInfo> more) {
        java.util.Set<String> gone = new java.util.HashSet<>(removed);
        more.forEach(p -> gone.add(p.name()));
        Gang rest = v.withMembers(v.members().stream().filter(m -> !gone.contains(m.name())).toList());
        return rest.missingToStart() == 0;
    }

    /**
     * The pod's run since it started or last saved a checkpoint, plus what starting again costs it, in share-seconds:
     * what evicting it throws away.
     */
    private static double workLost(PodInfo p, Snapshot snapshot, Resources total, long restartCostMillis) {
        return ReclaimPayoff.dominantShare(p.requests(), total) * (lostMillis(p, snapshot) + restartCostMillis) / 1000.0;
    }

    private static double gpuHoursLost(PodInfo p, Snapshot snapshot) {
        return p.requests().units(Keys.GPU) * lostMillis(p, snapshot) / 3_600_000.0;
    }

    private static long lostMillis(PodInfo p, Snapshot snapshot) {
        long started = snapshot.planning().startedAt().getOrDefault(p.key(), p.createdAt());
        return snapshot.planning().workLostMillis(p.key(), started, snapshot.now());
    }

    /** The reclaim rules, given what is already taken from each queue; preemption needs no more than the candidates' rules. */
    private static boolean allowed(Unit u, String forQueue, QueueUsage usage, FairShares shares, Map<String, Resources> taken) {
        if (Eviction.PREEMPTED.equals(u.reason())) {
            return true;
        }
        String q = u.gang().queue();
        QueueInfo info = usage.tree().get(q);
        Resources before = usage.allocated(q).subtract(taken.getOrDefault(q, Resources.NONE));
        Resources after = before.subtract(u.requests());
        boolean aboveFairShare = false;
        for (String r : u.requests().names()) {
            if (u.requests().milli(r) == 0) {
                continue;
            }
            if (before.units(r) > shares.of(q, r) + EPSILON) {
                aboveFairShare = true;
            }
            if (info.resources().containsKey(r) && after.milli(r) < info.share(r).quotaMilli()) {
                return false; // in-quota usage is never reclaimed
            }
        }
        return aboveFairShare && !q.equals(forQueue);
    }

    /** True when {@code queue} holding {@code request} more stays within its fair share on every resource asked for. */
    private static boolean withinFairShareAfter(String queue, Resources request, QueueUsage usage, FairShares shares) {
        Resources after = usage.allocated(queue).add(request);
        for (String r : request.names()) {
            if (request.milli(r) > 0 && after.units(r) > shares.of(queue, r) + EPSILON) {
                return false;
            }
        }
        return true;
    }

    private static CapacityView without(CapacityView capacity, List<PodInfo> leaving) {
        CapacityView v = capacity.copy();
        for (PodInfo p : leaving) {
            Integer i = v.indexOf(p.nodeName());
            if (i != null) {
                v.give(i, p, p.gpuDevices());
            }
        }
        return v;
    }

    private static List<PodInfo> pods(List<Unit> units) {
        Map<String, PodInfo> all = new java.util.LinkedHashMap<>();
        for (Unit u : units) {
            u.pods().forEach(p -> all.putIfAbsent(p.key(), p));
        }
        return List.copyOf(all.values());
    }
}
