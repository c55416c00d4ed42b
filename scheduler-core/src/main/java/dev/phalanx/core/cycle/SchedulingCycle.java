package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Snapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One scheduling cycle: fair share, admission, placement, decisions. {@link #decide} is a pure
 * function of the snapshot; {@link #run} then commits through the {@link Binder} (step 5).
 *
 * <p>Gang atomicity (invariant 2): a gang that has not started yet is placed for all the members it
 * still needs, or for none; members beyond minMember (elastic ones) are then placed one by one.
 */
public final class SchedulingCycle {
    private final FairSharePolicy fairShare;
    private final AdmissionPolicy admission;
    private final PlacementPolicy placement;

    public SchedulingCycle(FairSharePolicy fairShare, AdmissionPolicy admission, PlacementPolicy placement) {
        this.fairShare = fairShare;
        this.admission = admission;
        this.placement = placement;
    }

    public CycleResult decide(Snapshot snapshot) {
        FairShares shares = fairShare.compute(snapshot);
        QueueUsage usage = new QueueUsage(snapshot);
        CapacityView capacity = new CapacityView(snapshot);
        AdmissionPolicy.Ranking ranking = admission.order(snapshot, shares, usage);

        List<GangDecision> decisions = new ArrayList<>(ranking.notReady().values());
        decisions.sort(Comparator.comparing(GangDecision::gangKey));
        for (Gang gang : ranking.ready()) {
            decisions.add(decideOne(gang, usage, capacity));
        }
        Map<String, Map<String, Double>> allocated = new TreeMap<>();
        for (String q : usage.queueNames()) {
            allocated.put(q, usage.allocated(q).asUnitMap());
        }
        return new CycleResult(snapshot.now(), shares, decisions, allocated);
    }

    private GangDecision decideOne(Gang gang, QueueUsage usage, CapacityView capacity) {
        List<PodInfo> pending = gang.pending();
        int missing = gang.missingToStart();
        List<PodInfo> mustPlace = pending.subList(0, Math.min(missing, pending.size()));
        List<PodInfo> elastic = pending.subList(mustPlace.size(), pending.size());

        List<Binding> bindings = new ArrayList<>();
        if (!mustPlace.isEmpty()) {
            Resources request = sum(mustPlace);
            GangDecision refused = admission.check(gang.withMembers(mustPlace), usage);
            if (refused != null) {
                return refused;
            }
            PlacementPolicy.Placement p = placement.place(gang, mustPlace, capacity);
            if (!p.placed()) {
                return GangDecision.waiting(gang.key(), gang.queue(), p.reasonCode(), p.reason());
            }
            commitToView(p.bindings(), mustPlace, capacity);
            usage.allocate(gang.queue(), request);
            bindings.addAll(p.bindings());
        }
        for (PodInfo extra : elastic) {
            if (usage.limitProblem(gang.queue(), extra.requests()) != null) {
                break;
            }
            // the placement sees the members bound so far, so elastic ones join the gang's domain
            PlacementPolicy.Placement p = placement.place(withBindings(gang, bindings), List.of(extra), capacity);
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

    private static Gang withBindings(Gang gang, List<Binding> bindings) {
        if (bindings.isEmpty()) {
            return gang;
        }
        Map<String, Binding> byPod = new java.util.HashMap<>();
        bindings.forEach(b -> byPod.put(b.pod(), b));
        List<PodInfo> members = gang.members().stream()
                .map(m -> byPod.containsKey(m.name()) ? m.bound(byPod.get(m.name()).node(), byPod.get(m.name()).gpuDevices()) : m)
                .toList();
        return gang.withMembers(members);
    }

    private static void commitToView(List<Binding> bindings, List<PodInfo> pods, CapacityView capacity) {
        for (int k = 0; k < bindings.size(); k++) {
            Binding b = bindings.get(k);
            PodInfo pod = pods.stream().filter(p -> p.name().equals(b.pod())).findFirst().orElseThrow();
            capacity.take(capacity.indexOf(b.node()), pod, b.gpuDevices());
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
