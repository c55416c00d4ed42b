package dev.phalanx.bench.trace;

import dev.phalanx.bench.fragmentation.GpuDemand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AlibabaGpuTraceTest {
    @TempDir
    Path dir;

    private Path write(String name, String content) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    @Test
    void nodesAreReadByColumnNameInAnyOrderWithExtraColumnsIgnored() throws Exception {
        Path f = write("nodes.csv", "model,gpu,rack,memory_mib,cpu_milli,sn\nT4,2,r1,524288,104000,node-a\n");
        List<AlibabaGpuTrace.Node> nodes = AlibabaGpuTrace.readNodes(f);
        assertThat(nodes).containsExactly(new AlibabaGpuTrace.Node("node-a", 104_000, 524_288, 2, "T4"));
        assertThat(nodes.get(0).state().gpuDevices()).isEqualTo(2);
    }

    @Test
    void podsAreReadByColumnNameWithTheirGpuShareAndAllowedModels() throws Exception {
        Path f = write("pods.csv", """
                gpu_spec,name,num_gpu,gpu_milli,memory_mib,cpu_milli,qos
                ,p-shared,1,470,12288,8000,LS
                V100M16|V100M32,p-whole,2,1000,0,16000,BE
                ,p-cpu,0,0,1024,12500,BE
                """);
        List<AlibabaGpuTrace.Pod> pods = AlibabaGpuTrace.readPods(f);
        assertThat(pods).extracting(AlibabaGpuTrace.Pod::demand).containsExactly(
                new GpuDemand(8000, 12288, 1, 470, Set.of()),
                new GpuDemand(16000, 0, 2, 1000, Set.of("V100M16", "V100M32")),
                new GpuDemand(12500, 1024, 0, 0, Set.of()));
        assertThat(pods.get(0).demand().sharesDevice()).isTrue();
    }

    @Test
    void aPodOfSeveralGpusThatSharesThemIsRefusedWithItsLine() throws Exception {
        Path f = write("pods.csv", "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\nok,1,1,1,500,\nbad,1,1,2,500,\n");
        assertThatThrownBy(() -> AlibabaGpuTrace.readPods(f)).isInstanceOf(TraceFormatException.class)
                .hasMessage(f + ":3: a pod of 2 GPUs must take whole devices (gpu_milli 1000), got gpu_milli 500");
    }

    @Test
    void negativeOrMissingValuesAreRefusedWithFileAndLine() throws Exception {
        Path nodes = write("nodes.csv", "sn,cpu_milli,memory_mib,gpu,model\nn1,-5,1,1,T4\n");
        assertThatThrownBy(() -> AlibabaGpuTrace.readNodes(nodes)).hasMessage(nodes + ":2: column 'cpu_milli' must not be negative, got -5");
        Path pods = write("pods.csv", "name,cpu_milli,memory_mib,num_gpu\np,1,1,1\n");
        assertThatThrownBy(() -> AlibabaGpuTrace.readPods(pods)).hasMessageStartingWith(pods + ":1: no column 'gpu_milli'");
    }

    @Test
    void theTracesFiveColumnPodListsReadWithEveryPodAcceptingAnyModel() throws Exception {
        Path f = write("openb_pod_list_multigpu20.csv", "name,cpu_milli,memory_mib,num_gpu,gpu_milli\np0,8000,0,8,1000\np1,4000,1024,1,500\n");
        List<AlibabaGpuTrace.Pod> pods = AlibabaGpuTrace.readPods(f);
        assertThat(pods).extracting(AlibabaGpuTrace.Pod::demand).containsExactly(
                new GpuDemand(8000, 0, 8, 1000, Set.of()), new GpuDemand(4000, 1024, 1, 500, Set.of()));
        assertThat(pods).extracting(AlibabaGpuTrace.Pod::gpuSpec).containsExactly("", "");
    }

    @Test
    void theGpuSpecIsKeptAsWrittenNextToTheSetOfModels() throws Exception {
        Path f = write("pods.csv", "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\np,1,1,1,1000,V100M16|V100M32|V100M32\n");
        AlibabaGpuTrace.Pod pod = AlibabaGpuTrace.readPods(f).get(0);
        assertThat(pod.gpuSpec()).isEqualTo("V100M16|V100M32|V100M32");
        assertThat(pod.demand().allowedModels()).containsExactlyInAnyOrder("V100M16", "V100M32");
    }
}
