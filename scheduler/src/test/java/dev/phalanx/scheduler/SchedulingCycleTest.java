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
        // clique a (32 GPUs) is the only one that holds minMember 2 of 8 GPUs each; clique c has exactly one
        // member's room, so a member placed on its own, by best fit, would go there
        List<Node> nodes = List.of(node("a0", 8, Keys.CLIQUE_LABEL, "a"), node("a1", 8, Keys.CLIQUE_LABEL, "a"),
                node("a2", 8, Keys.CLIQUE_LABEL, "a"), node("a3", 8, Keys.CLIQUE_LABEL, "a"), node("c0", 8, Keys.CLIQUE_LABEL, "c"));
        CycleResult r = cycle.decide(snapshot(nodes, gang("g", 3, 8), List.of(group("g", 2, Keys.CLIQUE_LABEL, 0)), "-1"));
        GangDecision d = r.decisions().get(0);
        assertThat(d.outcome()).isEqualTo(GangDecision.Outcome.PLACED);
        assertThat(d.bindings()).as("minMember 2 and the elastic third member").hasSize(3);
        assertThat(d.bindings()).extracting(Binding::node).allMatch(n -> n.startsWith("a"));
    }

    @Test
    void elasticMembersOfAGangThatMayNotBePreemptedStayWithinItsQueuesQuota() {
        // quota 2, limit 8: the two members minMember needs fit the quota; four more would fit the limit, but a
        // gang that may not be preempted runs only on quota (in-quota usage is never reclaimed)
        List<PodInfo> pods = gang("g", 6, 1).stream().map(p -> KubeObjects.pod(p, x -> 0, 0)).toList();
        QueueInfo q = KubeObjects.queue(queue("q").gpu("2", 1, "8").build(), 0);
        PodGroupInfo g = KubeObjects.podGroup(podGroup("ns", "g", 2).queue("q").preemptible(false).build(), 0);
        Snapshot s = new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(0, List.of(KubeObjects.node(node("n", 8))), pods,
                List.of(g), Map.of("q", q), Map.of(), Map.of());
        GangDecision d = cycle.decide(s).decisions().get(0);
        assertThat(d.outcome()).isEqualTo(GangDecision.Outcome.PLACED);
        assertThat(d.bindings()).hasSize(2);
    }

    @Test
    void elasticMembersOfAPreemptibleGangMayUseTheQueueUpToItsLimit() {
        List<PodInfo> pods = gang("g", 6, 1).stream().map(p -> KubeObjects.pod(p, x -> 0, 0)).toList();
        QueueInfo q = KubeObjects.queue(queue("q").gpu("2", 1, "5").build(), 0);
        PodGroupInfo g = KubeObjects.podGroup(podGroup("ns", "g", 2).queue("q").build(), 0);
        Snapshot s = new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(0, List.of(KubeObjects.node(node("n", 8))), pods,
                List.of(g), Map.of("q", q), Map.of(), Map.of());
        assertThat(cycle.decide(s).decisions().get(0).bindings()).hasSize(5);
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
