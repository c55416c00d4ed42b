package dev.phalanx.core.volume;

import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodPhase;
import dev.phalanx.core.model.PodVolumes;
import dev.phalanx.core.model.RequiredNodeAffinity;
import dev.phalanx.testing.Testing;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** How a pod's claims resolve against the cluster's storage when a snapshot is assembled. */
class VolumeAccountingTest {
    private static VolumeClaimInfo claim(String name, String storageClass, String volume, String... modes) {
        return new VolumeClaimInfo("ml", name, "uid-" + name, storageClass, volume, null, 1L << 30,
                modes.length == 0 ? List.of("ReadWriteOnce") : List.of(modes), null, false, null);
    }

    private static PersistentVolumeInfo volume(String name, Map<String, String> labels) {
        return new PersistentVolumeInfo(name, "fast", 1L << 30, List.of("ReadWriteOnce"), null, RequiredNodeAffinity.NONE,
                null, "Bound", "csi.example.com", labels);
    }

    private static PodInfo pod(String name, String... claims) {
        var f = Testing.pod("ml", name).gpus(1);
        for (String c : claims) {
            f.volumeClaim("v-" + c, c);
        }
        return Testing.podInfo(f.build());
    }

    private static final VolumeState STATE = new VolumeState(
            Map.of("ml/bound", claim("bound", "fast", "pv-zone"), "ml/late", claim("late", "standard", null),
                    "ml/wffc", claim("wffc", "fast", null), "ml/once", claim("once", "fast", "pv-once", "ReadWriteOncePod"),
                    "ml/ghost", claim("ghost", "fast", "pv-gone"), "ml/nameless", claim("nameless", "gold", null)),
            Map.of("pv-zone", volume("pv-zone", Map.of("topology.kubernetes.io/zone", "a__b")),
                    "pv-once", volume("pv-once", Map.of())),
            Map.of("fast", new StorageClassInfo("fast", "csi.example.com", true, null),
                    "standard", new StorageClassInfo("standard", "csi.example.com", false, null)),
            Map.of());

    private static PodInfo resolved(PodInfo p, PodInfo... others) {
        List<PodInfo> all = new java.util.ArrayList<>(List.of(others));
        all.add(p);
        List<PodInfo> out = VolumeAccounting.apply(STATE, all);
        return out.get(out.size() - 1);
    }

    @Test
    void aBoundVolumesZoneLabelsRestrictTheNodesAsTheVolumeZoneFilterReadsThem() {
        PodVolumes v = resolved(pod("p", "bound")).constraints().volumes();
        assertThat(v.boundAffinity()).hasSize(1);
        assertThat(v.reachableFrom(dev.phalanx.core.kube.KubeObjects.node(Testing.node("n", 8, "topology.kubernetes.io/zone", "b")))).isTrue();
        assertThat(v.reachableFrom(dev.phalanx.core.kube.KubeObjects.node(Testing.node("n", 8, "topology.kubernetes.io/zone", "c")))).isFalse();
        assertThat(v.reachableFrom(dev.phalanx.core.kube.KubeObjects.node(Testing.node("n", 8)))).as("a node without the label").isFalse();
        assertThat(v.attached()).containsExactly(new PodVolumes.Attached("pv-zone", "csi.example.com"));
    }

    @Test
    void eachClaimThatCannotBeBoundByPlacingThePodHoldsItWithItsReason() {
        assertThat(resolved(pod("p", "missing")).hold().code()).isEqualTo("VolumeClaimMissing");
        assertThat(resolved(pod("p", "late")).hold().code()).isEqualTo("VolumeClaimUnbound");
        assertThat(resolved(pod("p", "ghost")).hold().code()).isEqualTo("VolumeMissing");
        assertThat(resolved(pod("p", "nameless")).hold().code()).isEqualTo("StorageClassMissing");
        PodInfo waiting = resolved(pod("p", "wffc"));
        assertThat(waiting.hold()).isNull();
        assertThat(waiting.constraints().volumes().unbound()).extracting(VolumeClaimInfo::name).containsExactly("wffc");
    }

    @Test
    void aReadWriteOncePodClaimInUseHoldsTheNextPod() {
        PodInfo running = pod("first", "once").bound("n", List.of()).withPhase(PodPhase.RUNNING);
        PodInfo next = resolved(pod("second", "once"), running);
        assertThat(next.hold().code()).isEqualTo("VolumeClaimInUse");
        assertThat(next.hold().message()).contains("pod ml/first uses it");
        assertThat(resolved(pod("second", "once")).hold()).isNull();
    }
}
