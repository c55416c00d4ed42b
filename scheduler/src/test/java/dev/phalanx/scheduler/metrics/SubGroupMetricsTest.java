package dev.phalanx.scheduler.metrics;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CycleResult;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodGroupInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodPhase;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.SnapshotAssembler;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.testing.Testing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;

/** The subgroup gauge counts the segments of a queue's gangs that started and those that wait. */
class SubGroupMetricsTest {
    @Test
    void segmentsThatStartedAndSegmentsThatWaitAreCountedPerQueue() {
        List<NodeInfo> nodes = new ArrayList<>();
        for (String rack : List.of("a", "b")) {
            for (int i = 0; i < 2; i++) {
                nodes.add(KubeObjects.node(node(rack + i, 4, Keys.CLIQUE_LABEL, rack)));
            }
        }
        Map<String, PodInfo> pods = new LinkedHashMap<>();
        List<PodGroupInfo> groups = List.of(
                KubeObjects.podGroup(podGroup("ns", "fits", 4).queue("q").segments(2, Keys.CLIQUE_LABEL).build(), 0),
                KubeObjects.podGroup(podGroup("ns", "later", 6).queue("q").segments(2, Keys.CLIQUE_LABEL).build(), 1));
        for (String g : List.of("fits", "later")) {
            for (int k = 0; k < (g.equals("fits") ? 4 : 6); k++) {
                PodInfo p = Testing.podInfo(pod("ns", g + "-" + k).group(g).gpus(4).build());
                pods.put(p.key(), p);
            }
        }
        QueueInfo q = KubeObjects.queue(queue("q").gpu("16", 1, "-1").build(), 0);
        SnapshotAssembler assembler = new SnapshotAssembler(Keys.SCHEDULER_NAME);
        Snapshot before = assembler.assemble(0, nodes, new ArrayList<>(pods.values()), groups, Map.of("q", q), Map.of(), Map.of());
        CycleResult result = Policies.defaultCycle().decide(before);
        for (GangDecision d : result.placed()) {
            for (Binding b : d.bindings()) {
                pods.computeIfPresent(b.podKey(), (k, p) -> p.bound(b.node(), b.gpuDevices()).withPhase(PodPhase.RUNNING));
            }
        }
        Snapshot after = assembler.assemble(1, nodes, new ArrayList<>(pods.values()), groups, Map.of("q", q), Map.of(), Map.of());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new SchedulerMetrics(registry).report(Policies.reporter().report(result, after));

        assertThat(registry.get(Metrics.QUEUE_SUBGROUPS.name()).tags("queue", "q", "state", "started").gauge().value())
                .as("both segments of the gang that fits").isEqualTo(2.0);
        assertThat(registry.get(Metrics.QUEUE_SUBGROUPS.name()).tags("queue", "q", "state", "waiting").gauge().value())
                .as("the three of the gang that does not fit yet").isEqualTo(3.0);
    }
}
