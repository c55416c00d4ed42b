package dev.phalanx.core.model;

import dev.phalanx.core.kube.KubeObjects;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.podInfo;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;

class SnapshotAssemblerTest {
    private final SnapshotAssembler assembler = new SnapshotAssembler(Keys.SCHEDULER_NAME);

    private Snapshot assemble(List<Pod> pods, List<PodGroupInfo> groups, Map<String, QueueInfo> queues,
                              Map<String, NamespaceInfo> namespaces) {
        // every node a pod is bound to exists
        List<NodeInfo> nodes = pods.stream().map(p -> p.getSpec().getNodeName()).filter(n -> n != null).distinct()
                .map(n -> KubeObjects.node(dev.phalanx.testing.Testing.node(n, 8))).toList();
        return assembler.assemble(0, nodes, pods.stream().map(p -> podInfo(p)).toList(), groups, queues, namespaces,
                Map.of("high", 1000));
    }

    private static Map<String, QueueInfo> queues(QueueInfo... qs) {
        Map<String, QueueInfo> m = new LinkedHashMap<>();
        for (QueueInfo q : qs) {
            m.put(q.name(), q);
        }
        return m;
    }

    @Test
    void groupsPodsByTheirPodGroupAndMakesLonePodsGangsOfOne() {
        Snapshot s = assemble(
                List.of(pod("a", "w-1").group("g").build(), pod("a", "w-0").group("g").build(), pod("a", "solo").queue("q").build()),
                List.of(KubeObjects.podGroup(podGroup("a", "g", 2).queue("q").priorityClass("high").build(), 0)),
                queues(KubeObjects.queue(queue("q").build(), 0)), Map.of());
        assertThat(s.gangs()).extracting(Gang::key).containsExactly("a/g", "a/solo");
        Gang g = s.gangs().get(0);
        assertThat(g.members()).extracting(PodInfo::name).containsExactly("w-0", "w-1");
        assertThat(g.priority()).isEqualTo(1000);
        assertThat(s.gangs().get(1).implicit()).isTrue();
        assertThat(s.problems()).isEmpty();
    }

    @Test
    void podsOfAnotherSchedulerAreNotGangsButTheirNodesUsageCounts() {
        Snapshot s = assemble(List.of(pod("a", "other").scheduler("default-scheduler").onNode("n1").build(),
                pod("a", "waiting-for-other").scheduler("default-scheduler").build()), List.of(), Map.of(), Map.of());
        assertThat(s.gangs()).isEmpty();
        assertThat(s.pods()).extracting(PodInfo::name).containsExactly("other");
    }

    @Test
    void everyObjectThatCannotBeHonouredIsReportedWithItsReason() {
        Snapshot s = assemble(
                List.of(pod("a", "orphan").group("missing").build(), pod("a", "nowhere").queue("ghost").build(),
                        pod("b", "denied").queue("team-a").build()),
                List.of(KubeObjects.podGroup(podGroup("a", "zero", 0).queue("team-a").build(), 0)),
                queues(KubeObjects.queue(queue("team-a").namespaceSelector("team", "a").build(), 0)),
                Map.of("a", KubeObjects.namespace(namespace("a", "team", "a")), "b", KubeObjects.namespace(namespace("b"))));
        assertThat(s.problems()).extracting(Problem::describe).containsExactlyInAnyOrder(
                "PodGroup a/missing: PodGroup a/missing does not exist",
                "Pod a/nowhere: queue ghost does not exist",
                "Pod b/denied: namespace b may not use queue team-a (its namespaceSelector does not match)",
                "PodGroup a/zero: spec.minMember must be at least 1, got 0");
    }

    @Test
    void theNamespaceLabelNamesTheDefaultQueueAndOnlyLeafQueuesTakeWork() {
        Snapshot s = assemble(List.of(pod("a", "p1").build(), pod("b", "p2").build()), List.of(),
                queues(KubeObjects.queue(queue("org").build(), 0), KubeObjects.queue(queue("leaf").parent("org").build(), 0)),
                Map.of("a", KubeObjects.namespace(namespace("a", Keys.QUEUE_LABEL, "leaf")),
                        "b", KubeObjects.namespace(namespace("b", Keys.QUEUE_LABEL, "org"))));
        assertThat(s.gangs().get(0).queue()).isEqualTo("leaf");
        assertThat(s.gangs().get(0).invalidReason()).isNull();
        assertThat(s.gangs().get(1).invalidReason()).isEqualTo("queue org has child queues; only leaf queues take work");
    }

    @Test
    void aPodBoundToANodeThatDoesNotExistHoldsNothingAndIsReported() {
        Snapshot s = assembler.assemble(0, List.of(KubeObjects.node(dev.phalanx.testing.Testing.node("real", 8))),
                List.of(podInfo(pod("a", "lost").gpus(4).onNode("ghost").build()),
                        podInfo(pod("a", "here").gpus(4).onNode("real").build())),
                List.of(), queues(KubeObjects.queue(queue("default").build(), 0)), Map.of(), Map.of());
        assertThat(s.pods()).extracting(PodInfo::name).containsExactly("here");
        assertThat(new dev.phalanx.core.cycle.QueueUsage(s).allocated("default").milli(Keys.GPU)).isEqualTo(4000);
        assertThat(s.problems()).extracting(Problem::describe)
                .containsExactly("Pod a/lost: bound to node ghost, which does not exist; it runs nowhere and counts in no queue");
    }
}
