package dev.phalanx.queue;

import dev.phalanx.core.cycle.FairSharePolicy;
import dev.phalanx.core.cycle.FairShares;
import dev.phalanx.core.cycle.QueueUsage;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.QueueTree;
import dev.phalanx.core.model.Snapshot;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Step 1, fair share by hierarchical water-filling, per resource. Among siblings, each queue first
 * gets min(quota, demand); what remains is poured by overQuotaWeight, higher {@code priority} first,
 * each queue capped by its limit and its demand, round after round until nothing more can be given.
 * A parent's share is then divided among its children the same way. Demand is what a queue's gangs
 * hold plus what they wait for.
 */
public final class FairShareCalculator implements FairSharePolicy {
    private static final double EPSILON = 1e-9;

    @Override
    public FairShares compute(Snapshot snapshot) {
        QueueUsage usage = new QueueUsage(snapshot);
        QueueTree tree = usage.tree();
        Set<String> resources = new TreeSet<>(snapshot.totalAllocatable().names());
        for (QueueInfo q : tree.queues().values()) {
            resources.addAll(q.resources().keySet());
        }
        Map<String, Map<String, Double>> out = new TreeMap<>();
        for (String r : resources) {
            double capacity = snapshot.totalAllocatable().units(r);
            Map<String, Double> shares = new HashMap<>();
            divide(capacity, tree.roots(), r, tree, usage, shares);
            shares.forEach((q, v) -> out.computeIfAbsent(q, k -> new TreeMap<>()).put(r, v));
        }
        for (String q : tree.queues().keySet()) {
            out.computeIfAbsent(q, k -> new TreeMap<>());
        }
        return new FairShares(out);
    }

    private void divide(double available, List<String> siblings, String resource, QueueTree tree, QueueUsage usage,
                        Map<String, Double> shares) {
        if (siblings.isEmpty()) {
            return;
        }
        Map<String, Double> want = new HashMap<>();
        Map<String, Double> given = new HashMap<>();
        double quotaSum = 0;
        for (String q : siblings) {
            QueueInfo.Share s = tree.get(q).share(resource);
            double demand = usage.requested(q).units(resource);
            double cap = s.limited() ? Math.min(demand, s.limitMilli() / 1000.0) : demand;
            want.put(q, cap);
            quotaSum += Math.min(s.quotaMilli() / 1000.0, cap);
        }
        // quotas first; if they oversubscribe what is available, in proportion to them
        double scale = quotaSum > available && quotaSum > 0 ? available / quotaSum : 1.0;
        double remaining = available;
        for (String q : siblings) {
            double g = Math.min(tree.get(q).share(resource).quotaMilli() / 1000.0, want.get(q)) * scale;
            given.put(q, g);
            remaining -= g;
        }
        // then the surplus, by weight, priority level by priority level
        TreeMap<Integer, List<String>> byPriority = new TreeMap<>(java.util.Comparator.reverseOrder());
        for (String q : siblings) {
            byPriority.computeIfAbsent(tree.get(q).priority(), k -> new ArrayList<>()).add(q);
        }
        for (List<String> level : byPriority.values()) {
            Set<String> open = new LinkedHashSet<>();
            for (String q : level) {
                if (want.get(q) - given.get(q) > EPSILON && tree.get(q).share(resource).overQuotaWeight() > 0) {
                    open.add(q);
                }
            }
            while (remaining > EPSILON && !open.isEmpty()) {
                double weights = 0;
                for (String q : open) {
                    weights += tree.get(q).share(resource).overQuotaWeight();
                }
                double pour = remaining;
                for (String q : List.copyOf(open)) {
                    double offer = pour * tree.get(q).share(resource).overQuotaWeight() / weights;
                    double take = Math.min(offer, want.get(q) - given.get(q));
                    given.merge(q, take, Double::sum);
                    remaining -= take;
                    if (want.get(q) - given.get(q) <= EPSILON) {
                        open.remove(q);
                    }
                }
            }
        }
        for (String q : siblings) {
            shares.put(q, given.get(q));
            divide(given.get(q), tree.children(q), resource, tree, usage, shares);
        }
    }
}
