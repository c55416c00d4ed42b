package dev.phalanx.bench.fragmentation;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GpuNodeStateTest {
    private static GpuDemand shared(long cpu, int milli) {
        return new GpuDemand(cpu, 0, 1, milli, Set.of());
    }

    private static GpuDemand whole(long cpu, int gpus) {
        return new GpuDemand(cpu, 0, gpus, 1000, Set.of());
    }

    @Test
    void aSharedPodTakesPartOfTheDeviceItIsGivenAndLeavesTheRestToOthers() {
        GpuNodeState n = new GpuNodeState("n", "T4", 16_000, 64_000, 2);
        assertThat(n.assign(shared(1000, 300), 1)).containsExactly(1);
        assertThat(n.deviceFree(0)).isEqualTo(1000);
        assertThat(n.deviceFree(1)).isEqualTo(700);
        assertThat(n.cpuFree()).isEqualTo(15_000);
        assertThat(n.gpuMilliFree()).isEqualTo(1700);
    }

    @Test
    void aWholeGpuPodNeedsDevicesNobodyUses() {
        GpuNodeState n = new GpuNodeState("n", "T4", 16_000, 64_000, 2);
        n.assign(shared(0, 100), 0);
        assertThat(n.fits(whole(0, 1))).isTrue();
        assertThat(n.fits(whole(0, 2))).as("device 0 is partly taken").isFalse();
        assertThat(n.assign(whole(0, 1), -1)).containsExactly(1);
        assertThat(n.deviceFree(1)).isZero();
    }

    @Test
    void nothingIsEverOverCommitted() {
        GpuNodeState n = new GpuNodeState("n", "T4", 4_000, 1_000, 1);
        assertThat(n.fits(new GpuDemand(5_000, 0, 0, 0, Set.of()))).as("CPU").isFalse();
        assertThat(n.fits(new GpuDemand(0, 2_000, 0, 0, Set.of()))).as("memory").isFalse();
        n.assign(shared(0, 600), 0);
        assertThat(n.fits(shared(0, 500))).isFalse();
        assertThatThrownBy(() -> n.assign(shared(0, 500), 0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("node n");
        assertThat(n.deviceFree(0)).isEqualTo(400);
    }

    @Test
    void aPodThatNamesGpuModelsRunsOnlyOnThem() {
        GpuNodeState t4 = new GpuNodeState("t4", "T4", 8_000, 8_000, 1);
        assertThat(t4.fits(new GpuDemand(0, 0, 1, 1000, Set.of("V100M16", "V100M32")))).isFalse();
        assertThat(t4.fits(new GpuDemand(0, 0, 1, 1000, Set.of("T4", "A10")))).isTrue();
        assertThat(t4.fits(new GpuDemand(0, 0, 0, 0, Set.of("V100M16")))).as("a CPU-only pod uses no GPU model").isTrue();
    }

    @Test
    void everyAssignmentChangesTheVersionSoCachesNotice() {
        GpuNodeState n = new GpuNodeState("n", "T4", 4_000, 1_000, 1);
        long before = n.version();
        n.assign(new GpuDemand(1_000, 0, 0, 0, Set.of()), -1);
        assertThat(n.version()).isGreaterThan(before);
    }

    @Test
    void demandsThatCannotExistAreRefused() {
        assertThatThrownBy(() -> new GpuDemand(0, 0, 2, 500, Set.of())).hasMessageContaining("single-GPU");
        assertThatThrownBy(() -> new GpuDemand(0, 0, 1, 1500, Set.of())).hasMessageContaining("1..1000");
    }
}
