package dev.phalanx.scheduler;

import dev.phalanx.core.cycle.CycleResult;
import dev.phalanx.core.cycle.Eviction;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodGroupInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.SnapshotAssembler;
import dev.phalanx.queue.status.StatusReporter;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;

/** Nodes that fail: they take no new pods, leave the cluster's size, and a gang that loses a member to one restarts whole. */
class NodeFailureTest {
    private static final long NOW = Instant.parse("2026-03-01T12:00:00Z").toEpochMilli();
    private final SchedulingCycle cycle = Policies.defaultCycle();

    private static Node notReadySince(Node n, String since) {
        n.getStatus().setConditions(List.of(new NodeConditionBuilder().withType("Ready").withStatus("False")
                .withReason("KubeletNotReady").withLastTransitionTime(since).build()));
        return n;
    }

    private static Snapshot snapshot(List<Node> nodes, List<Pod> pods, int minMember) {
        List<PodInfo> infos = pods.stream().map(p -> KubeObjects.pod(p, x -> 0, 0)).toList();
        QueueInfo q = KubeObjects.queue(queue("q").gpu("0", 1, "-1").build(), 0);
        PodGroupInfo g = KubeObjects.podGroup(podGroup("ns", "train", minMember).queue("q").build(), 0);
        return new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(NOW, nodes.stream().map(KubeObjects::node).toList(), infos,
                List.of(g), Map.of("q", q), Map.of(), Map.of());
    }

    private static List<Pod> runningGang(int n, String... nodes) {
        List<Pod> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(pod("ns", "train-" + i).group("train").gpus(8).onNode(nodes[i]).build());
        }
        return out;
    }

    @Test
    void aGangThatLostAMemberToANodeDownLongerThanTheGraceIsRestartedWholeAndSaysSo() {
        List<Node> nodes = List.of(node("n0", 8), notReadySince(node("n1", 8), "2026-03-01T11:58:00Z"), node("n2", 8));
        Snapshot s = snapshot(nodes, runningGang(2, "n0", "n1"), 2);
        CycleResult r = cycle.decide(s);
        assertThat(r.evictions()).extracting(Eviction::pod).containsExactlyInAnyOrder("train-0", "train-1");
        assertThat(r.evictions()).allMatch(e -> e.reason().equals(Eviction.NODE_FAILED));
        GangDecision d = r.decisions().stream().filter(x -> x.gangKey().equals("ns/train")).findFirst().orElseThrow();
        assertThat(d.reasonCode()).isEqualTo("NodeFailed");
        assertThat(d.reason()).contains("lost member ns/train-1: node n1 is not ready").contains("KubeletNotReady")
                .contains("restarted whole");
        var report = new StatusReporter().report(r, s);
        assertThat(report.gangs()).filteredOn(g -> g.name().equals("train")).singleElement()
                .satisfies(g -> assertThat(g.message()).contains("restarted whole"));
    }

    @Test
    void aNodeDownForLessThanTheGraceLeavesTheGangRunning() {
        List<Node> nodes = List.of(node("n0", 8), notReadySince(node("n1", 8), "2026-03-01T11:59:30Z"));
        CycleResult r = cycle.decide(snapshot(nodes, runningGang(2, "n0", "n1"), 2));
        assertThat(r.evictions()).isEmpty();
    }

    @Test
    void losingAnElasticMemberLeavesTheGangRunning() {
        List<Node> nodes = List.of(node("n0", 8), node("n1", 8), notReadySince(node("n2", 8), "2026-03-01T10:00:00Z"));
        CycleResult r = cycle.decide(snapshot(nodes, runningGang(3, "n0", "n1", "n2"), 2));
        assertThat(r.evictions()).isEmpty();
    }

    @Test
    void aFailedNodeTakesNoNewPodsAndLeavesTheClusterSize() {
        List<Node> nodes = List.of(notReadySince(node("down", 8), "2026-03-01T10:00:00Z"), node("up", 8));
        Snapshot s = snapshot(nodes, List.of(pod("ns", "solo").queue("q").gpus(8).build(),
                pod("ns", "other").queue("q").gpus(8).build()), 1);
        assertThat(s.totalAllocatable().units(Keys.GPU)).isEqualTo(8);
        CycleResult r = cycle.decide(s);
        List<GangDecision> placed = r.placed();
        assertThat(placed).hasSize(1);
        assertThat(placed.get(0).bindings().get(0).node()).isEqualTo("up");
        GangDecision waiting = r.decisions().stream().filter(d -> d.outcome() == GangDecision.Outcome.WAITING).findFirst()
                .orElseThrow();
        assertThat(waiting.reasonCode()).isEqualTo("InsufficientResources");
        assertThat(waiting.reason()).endsWith("room is reserved for it on up"); // not on the node that is down
    }
}
