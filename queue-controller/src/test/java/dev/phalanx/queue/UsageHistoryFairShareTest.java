package dev.phalanx.queue;

import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.core.cycle.FairShares;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.SnapshotAssembler;
import dev.phalanx.core.model.UsageHistory;
import dev.phalanx.testing.PropertySeeds;
import org.apache.commons.numbers.fraction.BigFraction;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
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
import static org.assertj.core.api.Assertions.within;

/**
 * Fair share with usage history: worked examples of how decayed usage shifts the division of the surplus beyond
 * quotas, and properties over random histories (quotas untouched, more past use never a larger share).
 */
class UsageHistoryFairShareTest {
    private static final long HOUR = 3_600_000L;
    private static final UsageDecay SIX_HOURS = new UsageDecay(6 * HOUR, 1.0);

    /** {@code gpus} GPUs, each queue wanting {@code want} 1-GPU pods, with a decayed GPU usage as of time 0. */
    private static Snapshot snapshot(long now, int gpus, Map<String, Integer> want, Map<String, Double> decayed, Queue... queues) {
        List<PodInfo> pods = new ArrayList<>();
        want.forEach((q, n) -> {
            for (int i = 0; i < n; i++) {
                pods.add(podInfo(pod("ns", q + "-" + i).gpus(1).queue(q).build()));
            }
        });
        Map<String, QueueInfo> qs = new LinkedHashMap<>();
        for (Queue q : queues) {
            String name = q.getMetadata().getName();
            QueueInfo info = KubeObjects.queue(q, 0);
            if (decayed.containsKey(name)) {
                info = info.withHistory(new UsageHistory(0, Map.of(Keys.GPU, decayed.get(name)), Map.of()));
            }
            qs.put(name, info);
        }
        List<io.fabric8.kubernetes.api.model.Node> nodes = new ArrayList<>();
        for (int i = 0; i < gpus / 8; i++) {
            nodes.add(node("n" + i, 8));
        }
        return new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(now, nodes.stream().map(KubeObjects::node).toList(), pods,
                List.of(), qs, Map.of(), Map.of());
    }

    @Test
    void aQueueThatUsedNothingRecentlyGetsMoreOfTheSurplusThanOneThatUsedIt() {
        // 16 GPUs, no quotas, weights 1: each is entitled to 8 of the surplus. a used none: weight x2; b used 16,
        // twice its part: weight x2^(1-2) = 0.5. The surplus splits 2 : 0.5, so 12.8 and 3.2 instead of 8 and 8.
        FairShares f = new FairShareCalculator(SIX_HOURS).compute(snapshot(0, 16, Map.of("a", 16, "b", 16),
                Map.of("a", 0.0, "b", 16.0), queue("a").build(), queue("b").build()));
        assertThat(f.of("a", Keys.GPU)).isCloseTo(12.8, within(1e-9));
        assertThat(f.of("b", Keys.GPU)).isCloseTo(3.2, within(1e-9));
        assertThat(f.effectiveWeight("a", Keys.GPU)).isEqualTo(2.0);
        assertThat(f.effectiveWeight("b", Keys.GPU)).isEqualTo(0.5);
        assertThat(f.byWeightsAlone("a", Keys.GPU)).isCloseTo(8, within(1e-9));
        assertThat(f.decayed("b", Keys.GPU)).isEqualTo(16.0);
        assertThat(f.keepsHistory()).isTrue();
    }

    @Test
    void queuesThatUsedTheirPartKeepTheirWeights() {
        FairShares f = new FairShareCalculator(SIX_HOURS).compute(snapshot(0, 16, Map.of("a", 16, "b", 16),
                Map.of("a", 8.0, "b", 8.0), queue("a").gpu("0", 3, "-1").build(), queue("b").build()));
        // entitled to 12 and 4; a used 8 (less: weight 3 x 2^(1/3)), b used 8 (twice: 1 x 2^-1)
        assertThat(f.effectiveWeight("a", Keys.GPU)).isEqualTo(3.8);
        assertThat(f.effectiveWeight("b", Keys.GPU)).isEqualTo(0.5);
        FairShares even = new FairShareCalculator(SIX_HOURS).compute(snapshot(0, 16, Map.of("a", 16, "b", 16),
                Map.of("a", 12.0, "b", 4.0), queue("a").gpu("0", 3, "-1").build(), queue("b").build()));
        assertThat(even.effectiveWeight("a", Keys.GPU)).isEqualTo(3.0);
        assertThat(even.effectiveWeight("b", Keys.GPU)).isEqualTo(1.0);
        assertThat(even.of("a", Keys.GPU)).isCloseTo(12, within(1e-9));
    }

    @Test
    void quotasAreGivenWhateverTheHistoryAndOnlyUseAboveQuotaCounts() {
        // no surplus: 8 and 8 whatever b used
        FairShares none = new FairShareCalculator(SIX_HOURS).compute(snapshot(0, 16, Map.of("a", 16, "b", 16),
                Map.of("a", 0.0, "b", 16.0), queue("a").gpu("8", 1, "-1").build(), queue("b").gpu("8", 1, "-1").build()));
        assertThat(none.of("a", Keys.GPU)).isCloseTo(8, within(1e-9));
        assertThat(none.of("b", Keys.GPU)).isCloseTo(8, within(1e-9));
        // quotas 4 and 4, surplus 8 (4 each by weight): a used exactly its quota (nothing above: x2), b 8 above (x0.5)
        FairShares f = new FairShareCalculator(SIX_HOURS).compute(snapshot(0, 16, Map.of("a", 16, "b", 16),
                Map.of("a", 4.0, "b", 12.0), queue("a").gpu("4", 1, "-1").build(), queue("b").gpu("4", 1, "-1").build()));
        assertThat(f.of("a", Keys.GPU)).isCloseTo(4 + 8 * 0.8, within(1e-9));
        assertThat(f.of("b", Keys.GPU)).isCloseTo(4 + 8 * 0.2, within(1e-9));
    }

    @Test
    void theHistoryIsCarriedToTheSnapshotsTimeFirst() {
        // b's 16 was held until time 0 and nothing since: six hours (one half-life) later it counts 8, its part
        FairShares f = new FairShareCalculator(SIX_HOURS).compute(snapshot(6 * HOUR, 16, Map.of("a", 16, "b", 16),
                Map.of("a", 0.0, "b", 16.0), queue("a").build(), queue("b").build()));
        assertThat(f.decayed("b", Keys.GPU)).isCloseTo(8, within(1e-9));
        assertThat(f.effectiveWeight("b", Keys.GPU)).isEqualTo(1.0);
        assertThat(f.of("a", Keys.GPU)).isCloseTo(16 * 2.0 / 3, within(1e-9));
    }

    @Test
    void withoutHistoryTheSnapshotAloneDecides() {
        FairShares f = new FairShareCalculator().compute(snapshot(0, 16, Map.of("a", 16, "b", 16),
                Map.of("a", 0.0, "b", 16.0), queue("a").build(), queue("b").build()));
        assertThat(f.of("a", Keys.GPU)).isCloseTo(8, within(1e-9));
        assertThat(f.keepsHistory()).isFalse();
        assertThat(f.effectiveWeight("a", Keys.GPU)).isNull();
        assertThat(f.decayedUsage()).isEmpty();
    }

    @Test
    void effectiveWeightsAreRoundedToTwoDigitsAndNeverVanish() {
        UsageDecay d = new UsageDecay(HOUR, 1);
        assertThat(d.effectiveWeight(1, 8000, 8000)).isEqualTo(1.0);
        assertThat(d.effectiveWeight(1, 8000, 0)).isEqualTo(2.0);
        assertThat(d.effectiveWeight(1, 3000, 1000)).isEqualTo(1.6); // 2^(2/3) = 1.587
        assertThat(d.effectiveWeight(1, 1000, 1_000_000)).isEqualTo(UsageDecay.MIN_WEIGHT);
        assertThat(d.effectiveWeight(0, 1000, 0)).isZero(); // a weight of 0 takes no surplus, whatever its history
        assertThat(UsageDecay.OFF.effectiveWeight(2.5, 1000, 0)).isEqualTo(2.5);
    }

    /** Random trees, demands and histories: the promises of water-filling hold with history as without. */
    @TestFactory
    Stream<DynamicTest> historyNeverTouchesQuotasNorBreaksWaterFilling() {
        return PropertySeeds.tests(300, seed -> FairShareInvariantsTest.check(seed, new UsageDecay(HOUR * (1 + seed % 24),
                0.5 + seed % 4 * 0.5)));
    }

    /** More past use, all else equal, never gives a queue more; less never gives it less. */
    @TestFactory
    Stream<DynamicTest> usingMoreInThePastNeverRaisesAShare() {
        return PropertySeeds.tests(300, seed -> {
            Random rnd = new Random(seed);
            int n = 2 + rnd.nextInt(4);
            Queue[] queues = new Queue[n];
            Map<String, Integer> want = new LinkedHashMap<>();
            Map<String, Double> decayed = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                queues[i] = queue("q" + i).gpu(String.valueOf(rnd.nextInt(5)), 1 + rnd.nextInt(3), "-1").build();
                want.put("q" + i, rnd.nextInt(20));
                decayed.put("q" + i, rnd.nextDouble() * 24);
            }
            int gpus = 8 * (1 + rnd.nextInt(4));
            String who = "q" + rnd.nextInt(n);
            Map<String, Double> more = new LinkedHashMap<>(decayed);
            more.put(who, decayed.get(who) + 1 + rnd.nextDouble() * 24);
            UsageDecay decay = new UsageDecay(HOUR, 1);
            BigFraction before = FairShareCalculator.exactShares(snapshot(0, gpus, want, decayed, queues), Keys.GPU, decay).get(who);
            BigFraction after = FairShareCalculator.exactShares(snapshot(0, gpus, want, more, queues), Keys.GPU, decay).get(who);
            assertThat(after.compareTo(before)).as("%s used more: %s -> %s GPUs (thousandths)", who, before, after)
                    .isLessThanOrEqualTo(0);
        });
    }
}
