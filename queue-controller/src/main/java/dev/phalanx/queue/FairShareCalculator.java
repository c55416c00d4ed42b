package dev.phalanx.queue;

import dev.phalanx.core.cycle.FairSharePolicy;
import dev.phalanx.core.cycle.FairShares;
import dev.phalanx.core.cycle.QueueUsage;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.QueueTree;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.UsageHistory;
import org.apache.commons.numbers.fraction.BigFraction;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Step 1, fair share by hierarchical water-filling, per resource, in exact rational arithmetic (a
 * third of a GPU stays a third; the shares of siblings add up to exactly what their parent had).
 * Among siblings, each queue first gets min(quota, demand) — in proportion to quota when the quotas
 * oversubscribe what is there; what remains is poured by overQuotaWeight, higher {@code priority}
 * first, each queue capped by its limit and its demand, round after round until nothing more can be
 * given. A parent's share is then divided among its children the same way. Demand is what a queue's
 * gangs hold plus what they wait for; a parent asks for what its children can take ({@link #canTake}),
 * so no share is handed down to children who cannot use it.
 *
 * <p>With usage history ({@link UsageDecay} on), each queue's decayed usage is carried forward to the
 * snapshot's time from what its status last said (the same code live and in simulation, on the cycle's
 * clock), and the surplus of each priority level is poured with effective weights that favour the queues
 * that used less than their part of it recently ({@link UsageDecay#effectiveWeight}). Quotas are given
 * first as ever, so the promise that a queue gets min(quota, demand) holds whatever its history.
 */
public final class FairShareCalculator implements FairSharePolicy {
    private final UsageDecay decay;

    /** Fair share from the snapshot alone, without usage history. */
    public FairShareCalculator() {
        this(UsageDecay.OFF);
    }

    public FairShareCalculator(UsageDecay decay) {
        this.decay = decay;
    }

    public UsageDecay decay() {
        return decay;
    }

    @Override
    public FairShares compute(Snapshot snapshot) {
        QueueUsage usage = new QueueUsage(snapshot);
        QueueTree tree = usage.tree();
        Set<String> resources = new TreeSet<>(snapshot.totalAllocatable().names());
        for (QueueInfo q : tree.queues().values()) {
            resources.addAll(q.resources().keySet());
        }
        Map<String, Map<String, Double>> out = new TreeMap<>();
        Map<String, Map<String, Double>> alone = new TreeMap<>();
        Map<String, Map<String, Double>> decayed = new TreeMap<>();
        Map<String, Map<String, Double>> weights = new TreeMap<>();
        for (String q : tree.queues().keySet()) {
            out.put(q, new TreeMap<>());
        }
        if (decay.on()) {
            for (QueueInfo q : tree.queues().values()) {
                UsageHistory h = q.history() == null ? UsageHistory.none(snapshot.now())
                        : q.history().advance(snapshot.now(), decay.halfLifeMillis());
                decayed.put(q.name(), new TreeMap<>(h.decayed()));
                alone.put(q.name(), new TreeMap<>());
                weights.put(q.name(), new TreeMap<>());
            }
            resources.addAll(decayed.values().stream().flatMap(m -> m.keySet().stream()).toList());
        }
        for (String r : resources) {
            Map<String, BigFraction> shares = new HashMap<>();
            Weighting w = decay.on() ? new Weighting(decay, decayed, weights, new boolean[1]) : Weighting.CONFIGURED;
            divide(BigFraction.of(snapshot.totalAllocatable().milli(r)), tree.roots(), r, tree, usage, shares, w);
            shares.forEach((q, v) -> out.get(q).put(r, v.doubleValue() / 1000.0));
            if (decay.on()) {
                Map<String, BigFraction> plain = shares;
                if (w.shifted()) { // else the configured weights alone gave these very shares
                    plain = new HashMap<>();
                    divide(BigFraction.of(snapshot.totalAllocatable().milli(r)), tree.roots(), r, tree, usage, plain,
                            Weighting.CONFIGURED);
                }
                plain.forEach((q, v) -> alone.get(q).put(r, v.doubleValue() / 1000.0));
                for (QueueInfo q : tree.queues().values()) {
                    weights.get(q.name()).putIfAbsent(r, q.share(r).overQuotaWeight());
                }
            }
        }
        return decay.on() ? new FairShares(out, alone, decayed, weights, decay.halfLifeMillis()) : new FairShares(out);
    }

    /** Exact shares in thousandths of a unit, for callers that need them to add up exactly. */
    static Map<String, BigFraction> exactShares(Snapshot snapshot, String resource) {
        return exactShares(snapshot, resource, UsageDecay.OFF);
    }

    /** The same, with usage history weighed as {@code decay} says. */
    static Map<String, BigFraction> exactShares(Snapshot snapshot, String resource, UsageDecay decay) {
        QueueUsage usage = new QueueUsage(snapshot);
        Map<String, BigFraction> shares = new HashMap<>();
        Weighting w = Weighting.CONFIGURED;
        if (decay.on()) {
            Map<String, Map<String, Double>> decayed = new TreeMap<>();
            for (QueueInfo q : usage.tree().queues().values()) {
                decayed.put(q.name(), q.history() == null ? Map.of()
                        : q.history().advance(snapshot.now(), decay.halfLifeMillis()).decayed());
            }
            w = new Weighting(decay, decayed, new HashMap<>(), new boolean[1]);
        }
        new FairShareCalculator(decay).divide(BigFraction.of(snapshot.totalAllocatable().milli(resource)), usage.tree().roots(),
                resource, usage.tree(), usage, shares, w);
        return shares;
    }

    /**
     * The over-quota weights a surplus is poured with among the queues that want more of it: the configured
     * ones, or with usage history the effective ones ({@link UsageDecay#effectiveWeight}), each queue's
     * entitlement being its configured part of {@code surplus}. Records the weights it gave in {@code given}, and
     * in {@code anyShifted} whether any differed from the configured one.
     */
    private record Weighting(UsageDecay decay, Map<String, Map<String, Double>> decayed,
                             Map<String, Map<String, Double>> given, boolean[] anyShifted) {
        static final Weighting CONFIGURED = new Weighting(UsageDecay.OFF, Map.of(), Map.of(), new boolean[1]);

        boolean shifted() {
            return anyShifted[0];
        }

        Map<String, BigFraction> of(Set<String> open, BigFraction surplus, QueueTree tree, String r) {
            Map<String, BigFraction> out = new HashMap<>();
            BigFraction total = BigFraction.ZERO;
            for (String q : open) {
                total = total.add(weight(tree.get(q).share(r).overQuotaWeight()));
            }
            for (String q : open) {
                QueueInfo.Share s = tree.get(q).share(r);
                if (!decay.on()) {
                    out.put(q, weight(s.overQuotaWeight()));
                    continue;
                }
                double entitled = weight(s.overQuotaWeight()).divide(total).multiply(surplus).doubleValue();
                double over = decayed.getOrDefault(q, Map.of()).getOrDefault(r, 0.0) * 1000 - s.quotaMilli();
                double effective = decay.effectiveWeight(s.overQuotaWeight(), entitled, over);
                given.computeIfAbsent(q, k -> new TreeMap<>()).put(r, effective);
                anyShifted[0] |= effective != s.overQuotaWeight();
                out.put(q, weight(effective));
            }
            return out;
        }
    }

    /**
     * The most a queue can use of a share: a leaf its demand, a parent what its children can take —
     * all a child wants if it has a weight, else only up to its quota — each capped by the limit.
     */
    static BigFraction canTake(String q, String resource, QueueTree tree, QueueUsage usage) {
        QueueInfo.Share s = tree.get(q).share(resource);
        BigFraction want;
        if (tree.isLeaf(q)) {
            want = BigFraction.of(usage.requested(q).milli(resource));
        } else {
            want = BigFraction.ZERO;
            for (String c : tree.children(q)) {
                QueueInfo.Share cs = tree.get(c).share(resource);
                BigFraction child = canTake(c, resource, tree, usage);
                want = want.add(cs.overQuotaWeight() > 0 ? child : min(child, BigFraction.of(cs.quotaMilli())));
            }
        }
        return s.limited() ? min(want, BigFraction.of(s.limitMilli())) : want;
    }

    private void divide(BigFraction available, List<String> siblings, String resource, QueueTree tree, QueueUsage usage,
                        Map<String, BigFraction> shares, Weighting weighting) {
        if (siblings.isEmpty()) {
            return;
        }
        Map<String, BigFraction> want = new HashMap<>();
        Map<String, BigFraction> given = new HashMap<>();
        BigFraction quotaSum = BigFraction.ZERO;
        for (String q : siblings) {
            want.put(q, canTake(q, resource, tree, usage));
            quotaSum = quotaSum.add(min(BigFraction.of(tree.get(q).share(resource).quotaMilli()), want.get(q)));
        }
        BigFraction scale = quotaSum.compareTo(available) > 0 ? available.divide(quotaSum) : BigFraction.ONE;
        BigFraction remaining = available;
        for (String q : siblings) {
            BigFraction g = min(BigFraction.of(tree.get(q).share(resource).quotaMilli()), want.get(q)).multiply(scale);
            given.put(q, g);
            remaining = remaining.subtract(g);
        }
        TreeMap<Integer, List<String>> byPriority = new TreeMap<>(Comparator.reverseOrder());
        for (String q : siblings) {
            byPriority.computeIfAbsent(tree.get(q).priority(), k -> new ArrayList<>()).add(q);
        }
        for (List<String> level : byPriority.values()) {
            Set<String> open = new LinkedHashSet<>();
            for (String q : level) {
                if (want.get(q).compareTo(given.get(q)) > 0 && tree.get(q).share(resource).overQuotaWeight() > 0) {
                    open.add(q);
                }
            }
            Map<String, BigFraction> levelWeights = open.isEmpty() || remaining.signum() <= 0 ? Map.of()
                    : weighting.of(open, remaining, tree, resource);
            // each round either exhausts what remains or fills at least one queue, so it ends
            while (remaining.signum() > 0 && !open.isEmpty()) {
                BigFraction weights = BigFraction.ZERO;
                for (String q : open) {
                    weights = weights.add(levelWeights.get(q));
                }
                BigFraction pour = remaining;
                for (String q : List.copyOf(open)) {
                    BigFraction offer = pour.multiply(levelWeights.get(q)).divide(weights);
                    BigFraction take = min(offer, want.get(q).subtract(given.get(q)));
                    given.merge(q, take, BigFraction::add);
                    remaining = remaining.subtract(take);
                    if (want.get(q).compareTo(given.get(q)) <= 0) {
                        open.remove(q);
                    }
                }
            }
        }
        for (String q : siblings) {
            shares.put(q, given.get(q));
            divide(given.get(q), tree.children(q), resource, tree, usage, shares, weighting);
        }
    }

    static BigFraction min(BigFraction a, BigFraction b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** A weight as written: 0.1 is one tenth, not the binary fraction nearest to it. */
    static BigFraction weight(double w) {
        BigDecimal d = BigDecimal.valueOf(w);
        return d.scale() <= 0 ? BigFraction.of(d.toBigIntegerExact()) : BigFraction.of(d.unscaledValue(), BigInteger.TEN.pow(d.scale()));
    }
}
