package dev.phalanx.core.cycle;

import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.SnapshotAssembler;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podInfo;
import static org.assertj.core.api.Assertions.assertThat;

class CapacityViewTest {
    private static CapacityView view(List<PodInfo> bound, int gpus) {
        Snapshot s = new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(0, List.of(KubeObjects.node(node("n", gpus))),
                bound, List.of(), Map.of(), Map.of(), Map.of());
        return new CapacityView(s);
    }

    @Test
    void fractionsShareTheFullestDeviceThatStillHoldsThem() {
        CapacityView v = view(List.of(podInfo(pod("a", "x").gpuFraction("0.5").onNode("n").build())), 2);
        PodInfo quarter = podInfo(pod("a", "q").gpuFraction("0.25").build());
        assertThat(v.chooseDevices(0, quarter)).containsExactly(0); // device 0 has 0.5 free, device 1 has 1
        PodInfo threeQuarters = podInfo(pod("a", "t").gpuFraction("0.75").build());
        assertThat(v.chooseDevices(0, threeQuarters)).containsExactly(1);
    }

    @Test
    void aWholeGpuPodNeedsUntouchedDevices() {
        CapacityView v = view(List.of(podInfo(pod("a", "x").gpuFraction("0.1").onNode("n").build())), 2);
        PodInfo two = podInfo(pod("a", "two").gpus(2).build());
        assertThat(v.fits(two, 0)).isFalse(); // 1.9 GPUs free in total, but only one whole device
        assertThat(v.wholeFreeDevices(0)).isEqualTo(1);
        assertThat(v.chooseDevices(0, podInfo(pod("a", "one").gpus(1).build()))).containsExactly(1);
    }

    @Test
    void takeAndGiveAreExactInverses() {
        CapacityView v = view(List.of(), 8);
        PodInfo p = podInfo(pod("a", "p").gpus(3).build());
        List<Integer> devices = v.chooseDevices(0, p);
        v.take(0, p, devices);
        assertThat(v.freeGpuMilli(0)).isEqualTo(5000);
        assertThat(v.wholeFreeDevices(0)).isEqualTo(5);
        v.give(0, p, devices);
        assertThat(v.freeGpuMilli(0)).isEqualTo(8000);
        assertThat(v.wholeFreeDevices(0)).isEqualTo(8);
    }

    @Test
    void aNodeWithoutTheResourceCannotRunThePod() {
        assertThat(CapacityView.infeasibility(podInfo(pod("a", "p").gpus(1).build()), KubeObjects.node(node("cpu-only", 0))))
                .isEqualTo("resource");
    }
}
