package dev.phalanx.placement;

import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodGroupInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodPhase;
import dev.phalanx.core.model.SubGroups;
import dev.phalanx.testing.Testing;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static org.assertj.core.api.Assertions.assertThat;

/** What preemption may take from a started gang with segments: whole segments above its minimum, nothing it needs. */
class ElasticSubGroupsTest {
    private static Gang threeSegmentsOfFourNeedingTwo() {
        PodGroupInfo g = KubeObjects.podGroup(podGroup("ns", "g", 8).segments(4, Keys.CLIQUE_LABEL).build(), 0);
        List<PodInfo> members = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            members.add(Testing.podInfo(pod("ns", "g-" + i).group("g").gpus(1).onNode("n" + i / 4)
                    .label("batch.kubernetes.io/job-completion-index", String.valueOf(i)).build()).withPhase(PodPhase.RUNNING));
        }
        SubGroups tree = g.subGroups().resolve(members, g.minMember());
        return new Gang("ns", "g", false, "q", 8, 0, null, null, true, 0, members, null, tree);
    }

    @Test
    void theSegmentAboveTheMinimumGoesWholeAndNoPodOfANeededOne() {
        Gang g = threeSegmentsOfFourNeedingTwo();
        List<List<PodInfo>> units = VictimSelection.elasticMembers(g, g.bound());
        assertThat(units).singleElement().satisfies(u -> assertThat(u).extracting(PodInfo::name)
                .containsExactly("g-8", "g-9", "g-10", "g-11"));
    }

    @Test
    void aSegmentAlreadyTerminatingIsCountedGoneSoNothingMoreIsOffered() {
        Gang g = threeSegmentsOfFourNeedingTwo();
        List<PodInfo> notTerminating = g.bound().stream().filter(p -> Integer.parseInt(p.name().substring(2)) < 8).toList();
        assertThat(VictimSelection.elasticMembers(g, notTerminating)).isEmpty();
    }
}
