package dev.phalanx.placement.fragmentation;

import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodPhase;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podInfo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class WorkloadTest {
    @Test
    void itIsLearnedFromThisSchedulersRunningAndWaitingPodsWeighedByHowManyHaveEachShape() {
        List<PodInfo> pods = new ArrayList<>();
        pods.add(podInfo(pod("ns", "a").gpus(1).cpu("4").onNode("n").build()));
        pods.add(podInfo(pod("ns", "b").gpus(1).cpu("4").build()));
        pods.add(podInfo(pod("ns", "c").gpuFraction("0.5").cpu("2").build()));
        pods.add(podInfo(pod("ns", "other").gpus(8).cpu("4").scheduler("default-scheduler").onNode("n").build()));
        pods.add(podInfo(pod("ns", "done").gpus(8).cpu("4").build()).withPhase(PodPhase.SUCCEEDED));
        Workload w = Workload.learn(pods, Keys.SCHEDULER_NAME);
        assertThat(w.pods()).isEqualTo(3);
        assertThat(w.shares()).hasSize(2);
        assertThat(w.shares().get(0).shape()).isEqualTo(new PodShape(4000, 1, 1000, Set.of()));
        assertThat(w.shares().get(0).weight()).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(w.shares().get(1).weight()).isCloseTo(1 / 3.0, within(1e-12));
    }

    @Test
    void theOrderOfThePodsDoesNotMatter() {
        List<PodInfo> pods = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            pods.add(podInfo(pod("ns", "p" + i).gpus(1 + i % 3).cpu(String.valueOf(1 + i % 4)).build()));
        }
        List<PodInfo> shuffled = new ArrayList<>(pods);
        Collections.shuffle(shuffled, new java.util.Random(7));
        assertThat(Workload.learn(shuffled, Keys.SCHEDULER_NAME).shares())
                .isEqualTo(Workload.learn(pods, Keys.SCHEDULER_NAME).shares());
    }
}
