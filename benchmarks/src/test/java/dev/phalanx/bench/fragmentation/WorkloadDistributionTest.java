package dev.phalanx.bench.fragmentation;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class WorkloadDistributionTest {
    @Test
    void fgdsTargetKeepsTheMostPopularTypesUntilTheyCoverTheCutAndRenormalises() {
        List<GpuDemand> pods = new ArrayList<>();
        List<String> specs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pods.add(new GpuDemand(1000, 0, 1, 500, Set.of()));
            specs.add("");
        }
        for (int i = 0; i < 3; i++) {
            pods.add(new GpuDemand(2000, 0, 1, 1000, Set.of("V100M16", "V100M32")));
            specs.add("V100M16|V100M32");
        }
        pods.add(new GpuDemand(8000, 0, 8, 1000, Set.of()));
        specs.add("");
        // 6 + 3 = 90% < 95%: the 8-GPU type is kept too; at 90% it is not
        assertThat(WorkloadDistribution.popularTypes(pods, specs, 0.95).shapes()).hasSize(3);
        WorkloadDistribution cut = WorkloadDistribution.popularTypes(pods, specs, 0.9);
        assertThat(cut.shapes()).hasSize(2);
        assertThat(cut.shapes().get(0).probability()).isCloseTo(6 / 9.0, within(1e-12));
        assertThat(cut.shapes().stream().mapToDouble(WorkloadDistribution.Shape::probability).sum()).isCloseTo(1, within(1e-12));
    }

    @Test
    void typesAreToldApartByTheSpecAsWrittenAndTiesGoToTheLargerType() {
        List<GpuDemand> pods = List.of(new GpuDemand(1000, 0, 1, 1000, Set.of("V100M16", "V100M32")),
                new GpuDemand(1000, 0, 1, 1000, Set.of("V100M16", "V100M32")), new GpuDemand(500, 0, 1, 1000, Set.of()));
        List<String> specs = List.of("V100M16|V100M32", "V100M16|V100M32|V100M32", "");
        WorkloadDistribution all = WorkloadDistribution.popularTypes(pods, specs, 1);
        assertThat(all.shapes()).hasSize(3);
        // three types of one pod each: the one with the most CPU first
        WorkloadDistribution first = WorkloadDistribution.popularTypes(pods, specs, 0.3);
        assertThat(first.shapes()).singleElement().satisfies(s -> assertThat(s.cpuMilli()).isEqualTo(1000));
    }
}
