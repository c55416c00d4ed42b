package dev.phalanx.scheduler;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CycleResult;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodGroupInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.SnapshotAssembler;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;

/** The whole cycle, with the default policies, on hand-built snapshots. */
class SchedulingCycleTest {
    private final SchedulingCycle cycle = Policies.defaultCycle();

    private static Snapshot snapshot(List<Node> nodes, List<Pod> pods, List<PodGroupInfo> groups, String limit) {
        List<PodInfo> infos = pods.stream().map(p -> KubeObjects.pod(p, x -> 0, 0)).toList();
        QueueInfo q = KubeObjects.queue(queue("q").gpu("0", 1, limit).build(), 0);
        return new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(0, nodes.stream().map(KubeObjects::node).toList(), infos,
                groups, Map.of("q", q), Map.of(), Map.of());
    }

    private static List<Pod> gang(String name, int n, int gpus) {
        List<Pod> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(pod("ns", name + "-" + i).group(name).gpus(gpus).build());
        }
        return out;
    }

    private static PodGroupInfo group(String name, int minMember, String required, long createdAt) {
        var b = podGroup("ns", name, minMember).queue("q");
        if (required != null) {
            b.required(required);
        }
        return KubeObjects.podGroup(b.build(), createdAt);
    }

    @Test
    void elasticMembersBeyondMinMemberJoinTheGangsDomain() {
        List<Node> nodes = List.of(node("a0", 8, Keys.CLIQUE_LABEL, "a"), node("a1", 8, Keys.CLIQUE_LABEL, "a"),
                node("b0", 8, Keys.CLIQUE_LABEL, "b"));
        // minMember 2 of 8 GPUs each goes to clique a (the only one that holds 16); a third member has no room in a
        CycleResult r = cycle.decide(snapshot(nodes, gang("g", 3, 8), List.of(group("g", 2, Keys.CLIQUE_LABEL, 0)), "-1"));
        GangDecision d = r.decisions().get(0);
        assertThat(d.outcome()).isEqualTo(GangDecision.Outcome.PLACED);
        assertThat(d.bindings()).extracting(Binding::node).containsExactlyInAnyOrder("a0", "a1");
    }

    @Test
    void laterGangsOfTheSameCycleSeeTheRoomEarlierOnesTook() {
        List<Node> nodes = List.of(node("n", 8));
        List<Pod> pods = new ArrayList<>(gang("first", 1, 8));
        pods.addAll(gang("second", 1, 8));
        CycleResult r = cycle.decide(snapshot(nodes, pods, List.of(group("first", 1, null, 0), group("second", 1, null, 1)), "-1"));
        assertThat(r.decisions()).extracting(GangDecision::outcome)
                .containsExactly(GangDecision.Outcome.PLACED, GangDecision.Outcome.WAITING);
        assertThat(r.decisions().get(1).reasonCode()).isEqualTo("InsufficientResources");
    }

    @Test
    void aGangOverItsQueuesLimitWaitsAndIsNotPlaced() {
        CycleResult r = cycle.decide(snapshot(List.of(node("n", 8)), gang("g", 2, 4), List.of(group("g", 2, null, 0)), "4"));
        assertThat(r.decisions().get(0).message()).isEqualTo("QueueOverLimit: needs 8 nvidia.com/gpu, queue q has 0 of its limit 4 in use");
        assertThat(r.placed()).isEmpty();
    }

    @Test
    void theSameSnapshotGivesTheSameDecisions() {
        List<Node> nodes = List.of(node("a", 8), node("b", 8), node("c", 4));
        List<Pod> pods = new ArrayList<>(gang("x", 3, 2));
        pods.addAll(gang("y", 2, 4));
        Snapshot s = snapshot(nodes, pods, List.of(group("x", 3, null, 0), group("y", 2, null, 0)), "-1");
        assertThat(cycle.decide(s)).isEqualTo(cycle.decide(s));
    }
}
