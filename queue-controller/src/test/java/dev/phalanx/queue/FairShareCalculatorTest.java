package dev.phalanx.queue;

import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.core.cycle.FairShares;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodGroupInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.SnapshotAssembler;
import io.fabric8.kubernetes.api.model.Node;
import org.apache.commons.numbers.fraction.BigFraction;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podInfo;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Worked examples of hierarchical water-filling on the GPU resource. */
class FairShareCalculatorTest {
    private final FairShareCalculator calculator = new FairShareCalculator();

    /** A cluster of {@code gpus} GPUs (8 per node) and, per queue, a number of pending 1-GPU pods. */
    private FairShares shares(int gpus, Map<String, Integer> demand, Queue... queues) {
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < gpus / 8; i++) {
            nodes.add(node("n" + i, 8));
        }
        List<PodInfo> pods = new ArrayList<>();
        demand.forEach((q, n) -> {
            for (int i = 0; i < n; i++) {
                pods.add(podInfo(pod("ns", q + "-" + i).gpus(1).queue(q).build()));
            }
        });
        Map<String, QueueInfo> qs = new LinkedHashMap<>();
        for (Queue q : queues) {
            qs.put(q.getMetadata().getName(), KubeObjects.queue(q, 0));
        }
        Snapshot s = new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(0, nodes.stream().map(KubeObjects::node).toList(),
                pods, List.<PodGroupInfo>of(), qs, Map.of(), Map.of());
        return calculator.compute(s);
    }

    @Test
    void quotaFirstThenTheSurplusByWeight() {
        // 64 GPUs; a: quota 16 weight 2, b: quota 8 weight 1; both want everything.
        // quotas: a 16, b 8; surplus 40 split 2:1 -> a +26.67, b +13.33
        FairShares f = shares(64, Map.of("a", 64, "b", 64), queue("a").gpu("16", 2, "-1").build(),
                queue("b").gpu("8", 1, "-1").build());
        assertThat(f.of("a", Keys.GPU)).isCloseTo(16 + 80.0 / 3, within(1e-9));
        assertThat(f.of("b", Keys.GPU)).isCloseTo(8 + 40.0 / 3, within(1e-9));
    }

    @Test
    void nobodyGetsMoreThanItAsksForAndTheRestFlowsOnRoundAfterRound() {
        // 64 GPUs; a wants 10, b and c want 64 each, equal weights, no quota.
        // round 1: 21.33 each, a capped at 10; round 2: the 11.33 left split between b and c -> 27 each
        FairShares f = shares(64, Map.of("a", 10, "b", 64, "c", 64), queue("a").build(), queue("b").build(), queue("c").build());
        assertThat(f.of("a", Keys.GPU)).isCloseTo(10, within(1e-9));
        assertThat(f.of("b", Keys.GPU)).isCloseTo(27, within(1e-9));
        assertThat(f.of("c", Keys.GPU)).isCloseTo(27, within(1e-9));
    }

    @Test
    void aLimitCapsTheShareAndItsExcessGoesToTheOthers() {
        FairShares f = shares(64, Map.of("a", 64, "b", 64), queue("a").gpu("0", 1, "8").build(), queue("b").build());
        assertThat(f.of("a", Keys.GPU)).isCloseTo(8, within(1e-9));
        assertThat(f.of("b", Keys.GPU)).isCloseTo(56, within(1e-9));
    }

    @Test
    void higherPriorityQueuesTakeTheSurplusFirst() {
        FairShares f = shares(64, Map.of("hi", 40, "lo", 64), queue("hi").priority(10).gpu("8", 1, "-1").build(),
                queue("lo").gpu("8", 1, "-1").build());
        // quotas 8 + 8; surplus 48 goes to hi first up to its demand (32 more), the last 16 to lo
        assertThat(f.of("hi", Keys.GPU)).isCloseTo(40, within(1e-9));
        assertThat(f.of("lo", Keys.GPU)).isCloseTo(24, within(1e-9));
    }

    @Test
    void aParentsShareIsDividedAmongItsChildrenTheSameWay() {
        // org (weight 3) and solo (weight 1) split 64 -> 48 / 16; org's 48 split 1:1 between its children
        FairShares f = shares(64, Map.of("x", 64, "y", 64, "solo", 64), queue("org").gpu("0", 3, "-1").build(),
                queue("x").parent("org").build(), queue("y").parent("org").build(), queue("solo").build());
        assertThat(f.of("org", Keys.GPU)).isCloseTo(48, within(1e-9));
        assertThat(f.of("solo", Keys.GPU)).isCloseTo(16, within(1e-9));
        assertThat(f.of("x", Keys.GPU)).isCloseTo(24, within(1e-9));
        assertThat(f.of("y", Keys.GPU)).isCloseTo(24, within(1e-9));
    }

    @Test
    void oversubscribedQuotasAreScaledInProportion() {
        FairShares f = shares(16, Map.of("a", 64, "b", 64), queue("a").gpu("24", 1, "-1").build(),
                queue("b").gpu("8", 1, "-1").build());
        assertThat(f.of("a", Keys.GPU)).isCloseTo(12, within(1e-9));
        assertThat(f.of("b", Keys.GPU)).isCloseTo(4, within(1e-9));
    }

    @Test
    void queuesThatWantLessThanTheClusterGetWhatTheyWant() {
        FairShares f = shares(32, Map.of("a", 3, "b", 5), queue("a").gpu("16", 1, "-1").build(), queue("b").build());
        assertThat(f.of("a", Keys.GPU)).isCloseTo(3, within(1e-9));
        assertThat(f.of("b", Keys.GPU)).isCloseTo(5, within(1e-9));
    }

    @Test
    void fractionsStayExactAndSiblingSharesAddUpToTheirParentExactly() {
        // 8 GPUs among three equal queues that each want everything: 8/3 each, exactly, adding up to 8
        List<io.fabric8.kubernetes.api.model.Node> nodes = List.of(node("n", 8));
        List<PodInfo> pods = new ArrayList<>();
        for (String q : List.of("a", "b", "c")) {
            for (int i = 0; i < 8; i++) {
                pods.add(podInfo(pod("ns", q + i).gpuFraction("0.5").queue(q).build()));
            }
        }
        Map<String, QueueInfo> qs = new LinkedHashMap<>();
        for (String q : List.of("a", "b", "c")) {
            qs.put(q, KubeObjects.queue(queue(q).build(), 0));
        }
        Snapshot s = new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(0, nodes.stream().map(KubeObjects::node).toList(),
                pods, List.of(), qs, Map.of(), Map.of());
        Map<String, BigFraction> exact = FairShareCalculator.exactShares(s, Keys.GPU);
        BigFraction third = BigFraction.of(8000, 3);
        assertThat(exact.get("a")).isEqualTo(third);
        assertThat(exact.get("a").add(exact.get("b")).add(exact.get("c"))).isEqualTo(BigFraction.of(8000));
        assertThat(calculator.compute(s).of("a", Keys.GPU)).isCloseTo(8.0 / 3, within(1e-12));
    }

    @Test
    void halfGpuDemandIsNotRoundedUp() {
        // a asks for 1.5 GPUs (three half-GPU pods), b for 10; 8 GPUs: a gets exactly 1.5
        FairShares f = shares(8, Map.of("b", 10), queue("a").build(), queue("b").build());
        assertThat(f.of("a", Keys.GPU)).isZero();
        List<PodInfo> pods = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            pods.add(podInfo(pod("ns", "h" + i).gpuFraction("0.5").queue("a").build()));
        }
        for (int i = 0; i < 10; i++) {
            pods.add(podInfo(pod("ns", "w" + i).gpus(1).queue("b").build()));
        }
        Map<String, QueueInfo> qs = new LinkedHashMap<>();
        qs.put("a", KubeObjects.queue(queue("a").build(), 0));
        qs.put("b", KubeObjects.queue(queue("b").build(), 0));
        Snapshot s = new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(0, List.of(KubeObjects.node(node("n", 8))), pods,
                List.of(), qs, Map.of(), Map.of());
        assertThat(calculator.compute(s).of("a", Keys.GPU)).isEqualTo(1.5);
        assertThat(calculator.compute(s).of("b", Keys.GPU)).isEqualTo(6.5);
    }
}
