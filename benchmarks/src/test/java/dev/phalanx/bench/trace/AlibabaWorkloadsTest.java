package dev.phalanx.bench.trace;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class AlibabaWorkloadsTest {
    private static final long CAPACITY = 6_212_000;
    private static List<AlibabaGpuTrace.Pod> base;

    @BeforeAll
    static void readTheDefaultList() {
        base = AlibabaGpuTrace.readPods(BenchFiles.shipped("benchmarks/data/alibaba-gpu-v2023/openb_pod_list_default.csv"));
    }

    private static AlibabaWorkloads.Statistics stats(String name) {
        return AlibabaWorkloads.statistics(name, AlibabaWorkloads.build(name, base), CAPACITY);
    }

    @Test
    void theDefaultListIsTheTracesAsItIs() {
        assertThat(AlibabaWorkloads.build("default", base)).isSameAs(base);
        AlibabaWorkloads.Statistics s = stats("default");
        assertThat(s.pods()).isEqualTo(8152);
        assertThat(s.nonGpu()).isEqualTo(1088);
        assertThat(s.sharing()).isEqualTo(3078);
        assertThat(s.multi()).isEqualTo(75);
        assertThat(s.constrained()).isZero();
    }

    @Test
    void theCpuFamilySetsTheShareOfPodsThatWantNoGpuAndKeepsEveryGpuPod() {
        for (String name : List.of("cpu050", "cpu100", "cpu200", "cpu250")) {
            AlibabaWorkloads.Statistics s = stats(name);
            double f = Integer.parseInt(name.substring(3)) / 1000.0;
            assertThat((double) s.nonGpu() / s.pods()).as(name).isCloseTo(f, within(0.001));
            assertThat(s.pods() - s.nonGpu()).as(name).isEqualTo(7064);
            assertThat(s.gpuDemand()).as(name).isCloseTo(6086.8, within(1e-9));
        }
    }

    @Test
    void theGpushareFamilySetsTheSharingPodsShareOfGpuDemandKeepingTheCountOfGpuPods() {
        for (String name : List.of("gpushare40", "gpushare60", "gpushare80", "gpushare100")) {
            AlibabaWorkloads.Statistics s = stats(name);
            double x = Integer.parseInt(name.substring("gpushare".length())) / 100.0;
            assertThat(s.sharingPctOfDemand() / 100).as(name).isCloseTo(x, within(0.002));
            assertThat(s.pods() - s.nonGpu()).as(name).isEqualTo(7064);
            assertThat(s.nonGpu()).as(name).isEqualTo(1088);
        }
    }

    @Test
    void theGpuspecFamilyNamesModelsOnAboutItsShareOfGpuDemandAndOnlyModelsThePodsCanUse() {
        for (String name : List.of("gpuspec10", "gpuspec20", "gpuspec25", "gpuspec33")) {
            List<AlibabaGpuTrace.Pod> pods = AlibabaWorkloads.build(name, base);
            AlibabaWorkloads.Statistics s = AlibabaWorkloads.statistics(name, pods, CAPACITY);
            int level = Integer.parseInt(name.substring("gpuspec".length()));
            double x = level == 33 ? 1 / 3.0 : level / 100.0;
            assertThat(s.constrainedPctOfDemand() / 100).as(name).isCloseTo(x, within(0.03));
            assertThat(pods).as(name).allMatch(p -> p.demand().gpuCount() > 0 || p.gpuSpec().isEmpty());
            // the same pods in the same order as the default list, only gpu_spec filled in
            assertThat(pods).extracting(p -> p.demand().cpuMilli()).containsExactlyElementsOf(base.stream().map(p -> p.demand().cpuMilli()).toList());
        }
    }

    @Test
    void theMultigpuFamilyAddsMultiGpuPodsUntilTheyAreItsShareOfGpuDemand() {
        for (String name : List.of("multigpu20", "multigpu30", "multigpu40", "multigpu50")) {
            AlibabaWorkloads.Statistics s = stats(name);
            double x = Integer.parseInt(name.substring("multigpu".length())) / 100.0;
            assertThat(s.multiPctOfDemand() / 100).as(name).isBetween(x, x + 0.002);
            assertThat(s.nonGpu() + s.sharing() + s.wholeOne()).as(name).isEqualTo(1088 + 3078 + 3911);
        }
    }

    @Test
    void eachWorkloadIsTheSameOnEveryRunAndRenamedInListOrder() {
        List<AlibabaGpuTrace.Pod> once = AlibabaWorkloads.build("gpushare60", base);
        assertThat(AlibabaWorkloads.build("gpushare60", base)).isEqualTo(once);
        assertThat(once.get(0).name()).isEqualTo("openb-pod-0000");
        assertThat(once.get(once.size() - 1).name()).isEqualTo(String.format("openb-pod-%04d", once.size() - 1));
        Map<String, Long> names = once.stream().collect(Collectors.groupingBy(AlibabaGpuTrace.Pod::name, Collectors.counting()));
        assertThat(names.values()).allMatch(n -> n == 1);
    }

    @Test
    void anUnknownWorkloadIsRefusedWithTheKnownOnes() {
        assertThatThrownBy(() -> AlibabaWorkloads.build("gpushare50", base)).hasMessageContaining("unknown workload 'gpushare50'")
                .hasMessageContaining("multigpu50");
    }
}
