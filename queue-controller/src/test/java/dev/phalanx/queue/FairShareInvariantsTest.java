package dev.phalanx.queue;

import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.QueueTree;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.SnapshotAssembler;
import dev.phalanx.testing.PropertySeeds;
import org.apache.commons.numbers.fraction.BigFraction;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podInfo;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property tests of water-filling on random queue trees (quotas, weights, limits, priorities, demand
 * in whole and half GPUs), in exact arithmetic: no queue gets more than it asks for or its limit;
 * children share out exactly what their parent got, and roots exactly what the cluster has, whenever
 * demand and limits let them; a queue below its quota is never short of min(quota, demand) unless the
 * quotas themselves oversubscribe what is there.
 */
class FairShareInvariantsTest {
    @TestFactory
    Stream<DynamicTest> waterFillingKeepsItsPromisesOnRandomTrees() {
        return PropertySeeds.tests(300, seed -> check(seed, UsageDecay.OFF));
    }

    /** The invariants on the tree of {@code seed}; with {@code decay} on, every queue has a random usage history too. */
    static void check(long seed, UsageDecay decay) {
        Random rnd = new Random(seed);
        Map<String, QueueInfo> queues = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        int n = 1 + rnd.nextInt(7);
        for (int i = 0; i < n; i++) {
            String name = "q" + i;
            var q = queue(name).priority(rnd.nextInt(3));
            if (i > 0 && rnd.nextBoolean()) {
                q.parent(names.get(rnd.nextInt(names.size())));
            }
            String limit = rnd.nextInt(3) == 0 ? String.valueOf(rnd.nextInt(20)) : "-1";
            String quota = String.valueOf(rnd.nextInt(10));
            if (!limit.equals("-1") && Integer.parseInt(limit) < Integer.parseInt(quota)) {
                limit = quota;
            }
            q.gpu(quota, rnd.nextInt(4), limit);
            QueueInfo info = KubeObjects.queue(q.build(), 0);
            if (decay.on() && rnd.nextInt(5) > 0) {
                info = info.withHistory(new dev.phalanx.core.model.UsageHistory(-rnd.nextInt(10_000_000),
                        Map.of(Keys.GPU, rnd.nextDouble() * 40), Map.of(Keys.GPU, (double) rnd.nextInt(40))));
            }
            queues.put(name, info);
            names.add(name);
        }
        QueueTree tree = QueueTree.build(queues);
        List<PodInfo> pods = new ArrayList<>();
        for (String q : names) {
            if (!tree.isLeaf(q)) {
                continue;
            }
            int demand = rnd.nextInt(12);
            for (int i = 0; i < demand; i++) {
                var p = pod("ns", q + "-" + i).queue(q);
                pods.add(podInfo((rnd.nextInt(4) == 0 ? p.gpuFraction("0.5") : p.gpus(1)).build()));
            }
        }
        int nodes = 1 + rnd.nextInt(4);
        List<dev.phalanx.core.model.NodeInfo> cluster = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            cluster.add(KubeObjects.node(node("n" + i, 8)));
        }
        Snapshot s = new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(0, cluster, pods, List.of(), queues, Map.of(), Map.of());
        Map<String, BigFraction> share = FairShareCalculator.exactShares(s, Keys.GPU, decay);
        Map<String, Long> demand = new LinkedHashMap<>(); // what each leaf's pods ask for, thousandths of a GPU
        for (PodInfo p : pods) {
            demand.merge(p.queueLabel(), p.requests().milli(Keys.GPU), Long::sum);
        }
        Oracle usage = new Oracle(tree, demand);
        BigFraction capacity = BigFraction.of(nodes * 8000L);

        BigFraction rootSum = BigFraction.ZERO;
        BigFraction rootWant = BigFraction.ZERO;
        for (String r : tree.roots()) {
            rootSum = rootSum.add(share.get(r));
            rootWant = rootWant.add(takes(r, tree, usage));
        }
        assertThat(rootSum.compareTo(capacity)).as("seed %d: roots share at most the cluster", seed).isLessThanOrEqualTo(0);
        assertThat(rootSum).as("seed %d: roots share the cluster, or all they want", seed).isEqualTo(FairShareCalculator.min(capacity, rootWant));
        quotasAreMetWhereTheyFit(seed, tree.roots(), capacity, share, tree, usage);
        for (String q : tree.queues().keySet()) {
            if (tree.get(q).invalidReason() != null) {
                continue;
            }
            BigFraction mine = share.get(q);
            assertThat(mine.compareTo(want(q, tree, usage))).as("seed %d: %s gets no more than it wants", seed, q).isLessThanOrEqualTo(0);
            List<String> children = tree.children(q);
            if (!children.isEmpty()) {
                BigFraction sum = BigFraction.ZERO;
                BigFraction childWant = BigFraction.ZERO;
                for (String c : children) {
                    sum = sum.add(share.get(c));
                    childWant = childWant.add(takes(c, tree, usage));
                }
                assertThat(sum).as("seed %d: children of %s share exactly what it got, or all they want", seed, q)
                        .isEqualTo(FairShareCalculator.min(mine, childWant));
                quotasAreMetWhereTheyFit(seed, children, mine, share, tree, usage);
            }
        }
    }

    /**
     * Siblings sharing {@code available}: when what they ask for up to their quotas fits in it, each gets at
     * least that much (a queue is never short of min(quota, demand) unless the quotas oversubscribe).
     */
    private static void quotasAreMetWhereTheyFit(long seed, List<String> siblings, BigFraction available, Map<String, BigFraction> share,
                                                 QueueTree tree, Oracle usage) {
        List<String> valid = siblings.stream().filter(q -> tree.get(q).invalidReason() == null).toList();
        BigFraction needed = BigFraction.ZERO;
        for (String q : valid) {
            needed = needed.add(inQuota(q, tree, usage));
        }
        if (needed.compareTo(available) > 0) {
            return; // the quotas oversubscribe what is there: they are scaled down, no promise per queue
        }
        for (String q : valid) {
            assertThat(share.get(q).compareTo(inQuota(q, tree, usage))).as("seed %d: %s gets min(quota, demand)", seed, q)
                    .isGreaterThanOrEqualTo(0);
        }
    }

    private static BigFraction inQuota(String q, QueueTree tree, Oracle usage) {
        return FairShareCalculator.min(want(q, tree, usage), BigFraction.of(tree.get(q).share(Keys.GPU).quotaMilli()));
    }

    /** The demand of every leaf, counted from the pods themselves, independently of the code under test. */
    private record Oracle(QueueTree tree, Map<String, Long> demand) {
    }

    /** What a queue can use, capped by its limit: its pods' demand (a parent's: what its children take). */
    private static BigFraction want(String q, QueueTree tree, Oracle usage) {
        QueueInfo.Share s = tree.get(q).share(Keys.GPU);
        BigFraction w;
        if (tree.isLeaf(q)) {
            w = BigFraction.of(usage.demand().getOrDefault(q, 0L));
        } else {
            w = BigFraction.ZERO;
            for (String c : tree.children(q)) {
                if (tree.get(c).invalidReason() == null) {
                    w = w.add(takes(c, tree, usage));
                }
            }
        }
        return s.limited() ? FairShareCalculator.min(w, BigFraction.of(s.limitMilli())) : w;
    }

    /** What a queue takes from its parent's share: all it can use with a weight, else up to its quota. */
    private static BigFraction takes(String q, QueueTree tree, Oracle usage) {
        QueueInfo.Share s = tree.get(q).share(Keys.GPU);
        BigFraction w = want(q, tree, usage);
        return s.overQuotaWeight() > 0 ? w : FairShareCalculator.min(w, BigFraction.of(s.quotaMilli()));
    }
}
