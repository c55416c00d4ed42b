package dev.phalanx.queue.status;

import dev.phalanx.core.cycle.CycleReport;
import dev.phalanx.core.cycle.CycleResult;
import dev.phalanx.core.cycle.FairShares;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.SnapshotAssembler;
import dev.phalanx.core.model.UsageHistory;
import dev.phalanx.queue.FairShareCalculator;
import dev.phalanx.queue.UsageDecay;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podInfo;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;

/** A gang that waits because its queue used more than its share lately says so, with the numbers; its queue's status carries the history. */
class HistoryReasonTest {
    private static final long HOUR = 3_600_000L;

    @Test
    void aGangOfAQueueThatUsedMoreThanItsPartLatelySaysSoAndTheQueueReportsItsHistory() {
        // 16 GPUs; b has held all 16 for long (decayed usage 16), a none; both want more
        List<PodInfo> pods = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            pods.add(podInfo(pod("b", "run-" + i).queue("b").gpus(1).onNode(i < 8 ? "n0" : "n1").build()));
        }
        pods.add(podInfo(pod("b", "more").queue("b").gpus(1).build()));
        for (int i = 0; i < 16; i++) {
            pods.add(podInfo(pod("a", i == 0 ? "first" : "next-" + i).queue("a").gpus(1).build()));
        }
        Map<String, QueueInfo> queues = new TreeMap<>();
        queues.put("a", KubeObjects.queue(queue("a").build(), 0).withHistory(UsageHistory.none(0)));
        queues.put("b", KubeObjects.queue(queue("b").build(), 0)
                .withHistory(new UsageHistory(0, Map.of(Keys.GPU, 16.0), Map.of(Keys.GPU, 16.0))));
        Snapshot s = new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(2 * HOUR,
                List.of(KubeObjects.node(node("n0", 8)), KubeObjects.node(node("n1", 8))), pods, List.of(), queues, Map.of(), Map.of());
        FairShares shares = new FairShareCalculator(new UsageDecay(6 * HOUR, 1)).compute(s);
        CycleResult result = new CycleResult(s.now(), shares, List.of(
                GangDecision.waiting("b/more", "b", "InsufficientResources", "needs 1 nvidia.com/gpu; no node has it free"),
                GangDecision.waiting("a/first", "a", "InsufficientResources", "needs 1 nvidia.com/gpu; no node has it free")),
                Map.of(), Map.of(), List.of(), Set.of());
        CycleReport report = new StatusReporter().report(result, s);

        CycleReport.GangReport more = report.gangs().stream().filter(g -> g.key().equals("b/more")).findFirst().orElseThrow();
        assertThat(more.message()).isEqualTo("needs 1 nvidia.com/gpu; no node has it free; queue b used 16 nvidia.com/gpu on "
                + "average lately (decayed usage, half-life 6h), 16 above its quota, more than its part of the surplus: its "
                + "over-quota weight is 0.5 instead of 1, so its fair share is 3 instead of 8 and queues that used less go first");
        CycleReport.GangReport first = report.gangs().stream().filter(g -> g.key().equals("a/first")).findFirst().orElseThrow();
        assertThat(first.message()).as("a used less than its part: nothing to say").doesNotContain("decayed usage");

        CycleReport.QueueReport b = report.queues().stream().filter(q -> q.name().equals("b")).findFirst().orElseThrow();
        assertThat(b.history().at()).isEqualTo(2 * HOUR);
        assertThat(b.history().held()).containsEntry(Keys.GPU, 16.0);
        assertThat(b.decayedUsage().get(Keys.GPU)).isEqualTo(16.0);
        assertThat(b.effectiveWeight()).containsEntry(Keys.GPU, 0.5);
        assertThat(report.history()).containsKeys("a", "b");
        var status = StatusBuilder.queue(b);
        assertThat(status.getDecayedUsage()).containsEntry(Keys.GPU, "16");
        assertThat(status.getDecayedUsageTime()).isEqualTo("1970-01-01T02:00:00Z");
        assertThat(status.getEffectiveWeight()).containsEntry(Keys.GPU, "0.5");
        // and what the status says is what a scheduler reading it continues from
        var q = queue("b").build();
        q.setStatus(status);
        assertThat(KubeObjects.queue(q, 0).history()).isEqualTo(b.history());
    }
}
