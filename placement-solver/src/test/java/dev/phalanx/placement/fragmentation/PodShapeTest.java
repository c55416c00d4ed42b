package dev.phalanx.placement.fragmentation;

import dev.phalanx.core.model.Keys;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podInfo;
import static dev.phalanx.testing.Testing.requirement;
import static org.assertj.core.api.Assertions.assertThat;

class PodShapeTest {
    @Test
    void aPodIsItsCpuItsGpusAndTheShareOfEachDevice() {
        assertThat(PodShape.of(podInfo(pod("ns", "whole").gpus(2).cpu("8").build())))
                .isEqualTo(new PodShape(8000, 2, 1000, Set.of()));
        PodShape half = PodShape.of(podInfo(pod("ns", "half").gpuFraction("0.5").cpu("4").build()));
        assertThat(half).isEqualTo(new PodShape(4000, 1, 500, Set.of()));
        assertThat(half.sharesDevice()).isTrue();
        assertThat(half.gpuMilli()).isEqualTo(500);
        assertThat(PodShape.of(podInfo(pod("ns", "cpu").cpu("2").build()))).isEqualTo(new PodShape(2000, 0, 0, Set.of()));
    }

    @Test
    void theModelsAPodAcceptsComeFromItsNodeSelectorAndItsAffinityTerms() {
        assertThat(PodShape.of(podInfo(pod("ns", "s").gpus(1).nodeSelector(Keys.GPU_PRODUCT_LABEL, "T4").build())).models())
                .containsExactly("T4");
        // terms are alternatives: their models add up
        var either = pod("ns", "a").gpus(1)
                .affinityTerm(requirement(Keys.GPU_PRODUCT_LABEL, "In", "T4", "P100"))
                .affinityTerm(requirement(Keys.GPU_PRODUCT_LABEL, "In", "V100"), requirement(Keys.ZONE_LABEL, "In", "z1"));
        assertThat(PodShape.of(podInfo(either.build())).models()).containsExactlyInAnyOrder("T4", "P100", "V100");
        // a term that says nothing of the model lets any model in
        var any = pod("ns", "b").gpus(1)
                .affinityTerm(requirement(Keys.GPU_PRODUCT_LABEL, "In", "T4"))
                .affinityTerm(requirement(Keys.ZONE_LABEL, "In", "z1"));
        assertThat(PodShape.of(podInfo(any.build())).models()).isEmpty();
        // a selector and an affinity narrow each other
        var both = pod("ns", "c").gpus(1).nodeSelector(Keys.GPU_PRODUCT_LABEL, "T4")
                .affinityTerm(requirement(Keys.GPU_PRODUCT_LABEL, "In", "T4", "P100"));
        assertThat(PodShape.of(podInfo(both.build())).models()).containsExactly("T4");
    }

    @Test
    void aShapeWithoutModelsAcceptsAnyNodeAndOneWithModelsOnlyThose() {
        PodShape t4 = new PodShape(1000, 1, 1000, Set.of("T4"));
        assertThat(t4.accepts("T4")).isTrue();
        assertThat(t4.accepts("G2")).isFalse();
        assertThat(t4.accepts(null)).isFalse();
        assertThat(new PodShape(1000, 1, 1000, Set.of()).accepts(null)).isTrue();
    }
}
