package dev.phalanx.core.model;

import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.testing.Testing;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static org.assertj.core.api.Assertions.assertThat;

/** Subgroups resolved from members, and what a gang with them must place to start. */
class SubGroupsTest {
    private static Gang gang(PodGroupInfo g, List<PodInfo> members, Map<String, String> domainOfNode) {
        SubGroups tree = g.subGroups().resolve(members, g.minMember(), p -> p.nodeName() == null ? null
                : domainOfNode.get(p.nodeName()));
        return new Gang(g.namespace(), g.name(), false, "q", g.minMember(), 0, null, null, true, 0, members, null, tree);
    }

    private static PodInfo pending(String name, String... labels) {
        Testing.PodFixture f = pod("ns", name).group("g").gpus(1);
        for (int i = 0; i + 1 < labels.length; i += 2) {
            f.label(labels[i], labels[i + 1]);
        }
        return Testing.podInfo(f.build());
    }

    private static PodInfo running(String name, String node) {
        return Testing.podInfo(pod("ns", name).group("g").gpus(1).onNode(node).build()).withPhase(PodPhase.RUNNING);
    }

    @Test
    void aGangThatNeedsMorePodsThanItsMinimumSubgroupsHoldStartsFurtherSubgroupsWhole() {
        PodGroupInfo g = KubeObjects.podGroup(podGroup("ns", "g", 4).subGroup("a", null, 2, null, null)
                .subGroup("b", null, 2, null, null).minSubGroups(1).build(), 0);
        List<PodInfo> members = List.of(pending("a-0", SubGroups.SUBGROUP_LABEL, "a"), pending("a-1", SubGroups.SUBGROUP_LABEL, "a"),
                pending("b-0", SubGroups.SUBGROUP_LABEL, "b"), pending("b-1", SubGroups.SUBGROUP_LABEL, "b"));
        assertThat(gang(g, members, Map.of()).mustPlace()).extracting(PodInfo::name)
                .containsExactlyInAnyOrder("a-0", "a-1", "b-0", "b-1");
    }

    @Test
    void segmentsWithoutAnIndexKeepTheMembersThatRunTogetherAndAReplacementJoinsTheSegmentItLeft() {
        PodGroupInfo g = KubeObjects.podGroup(podGroup("ns", "g", 8).segments(4, Keys.CLIQUE_LABEL).build(), 0);
        List<PodInfo> members = new ArrayList<>();
        for (String p : List.of("p-a", "p-b", "p-d")) {
            members.add(running(p, "nodeA"));
        }
        for (String p : List.of("p-e", "p-f", "p-g", "p-h")) {
            members.add(running(p, "nodeB"));
        }
        members.add(pending("p-z")); // p-c's replacement
        Gang gang = gang(g, members, Map.of("nodeA", "A", "nodeB", "B"));
        SubGroups tree = gang.subGroups();
        String segmentOfA = tree.leafOfPod().get("p-a");
        assertThat(List.of("p-b", "p-d", "p-z")).allSatisfy(p -> assertThat(tree.leafOfPod().get(p)).isEqualTo(segmentOfA));
        assertThat(List.of("p-f", "p-g", "p-h")).allSatisfy(p -> assertThat(tree.leafOfPod().get(p))
                .isEqualTo(tree.leafOfPod().get("p-e")).isNotEqualTo(segmentOfA));
        assertThat(gang.mustPlace()).extracting(PodInfo::name).containsExactly("p-z");
    }

    @Test
    void aJobSetsPodsAreCutJobByJobThoughEachJobCountsFromZero() {
        PodGroupInfo g = KubeObjects.podGroup(podGroup("ns", "g", 8).segments(4, Keys.CLIQUE_LABEL).build(), 0);
        List<PodInfo> members = new ArrayList<>();
        for (int job = 0; job < 2; job++) {
            for (int i = 0; i < 4; i++) {
                members.add(pending("sweep-" + job + "-" + i, "jobset.sigs.k8s.io/job-index", String.valueOf(job),
                        "batch.kubernetes.io/job-completion-index", String.valueOf(i)));
            }
        }
        SubGroups tree = gang(g, members, Map.of()).subGroups();
        for (int i = 0; i < 4; i++) {
            assertThat(tree.leafOfPod().get("sweep-0-" + i)).isEqualTo("segment-0");
            assertThat(tree.leafOfPod().get("sweep-1-" + i)).isEqualTo("segment-1");
        }
    }

    @Test
    void tooManySegmentsOrABadTreeMakeTheGangInvalidAndResolveToNoSubgroups() {
        PodGroupInfo huge = KubeObjects.podGroup(podGroup("ns", "g", 2_000_000_000).segments(1, Keys.CLIQUE_LABEL).build(), 0);
        assertThat(huge.invalidReason()).contains("more than " + SubGroups.MAX_SEGMENTS + " segments");
        assertThat(huge.subGroups().resolve(List.of(), huge.minMember()).isEmpty()).isTrue();
        PodGroupInfo loop = KubeObjects.podGroup(podGroup("ns", "g", 2).subGroup("a", "b", null, null, null)
                .subGroup("b", "a", 2, null, null).build(), 0);
        assertThat(loop.invalidReason()).contains("more than three deep");
        assertThat(loop.subGroups().resolve(List.of(pending("x")), 2).isEmpty()).isTrue();
    }
}
