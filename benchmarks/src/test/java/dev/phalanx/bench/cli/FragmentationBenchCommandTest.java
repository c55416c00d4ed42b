package dev.phalanx.bench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class FragmentationBenchCommandTest {
    @TempDir
    Path dir;

    private Path nodes() throws Exception {
        Path f = dir.resolve("tiny_nodes.csv");
        Files.writeString(f, """
                sn,cpu_milli,memory_mib,gpu,model
                a,32000,131072,4,G2
                b,32000,131072,4,G2
                c,64000,262144,2,T4
                """);
        return f;
    }

    private Path pods() throws Exception {
        Path f = dir.resolve("tiny_pods.csv");
        Files.writeString(f, """
                name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time
                p0,4000,8192,1,1000,,LS,Running,0,10,0
                p1,4000,8192,1,470,,LS,Running,0,10,0
                p2,8000,8192,0,0,,BE,Running,0,10,0
                p3,8000,16384,2,1000,G2,LS,Running,0,10,0
                p4,2000,4096,1,810,,LS,Running,0,10,0
                """);
        return f;
    }

    @Test
    void jsonHasOneEntryPerPolicyWithTheFiguresAsDocumented() throws Exception {
        CliRun run = CliRun.of("fragmentation", "--nodes", nodes().toString(), "--pods", pods().toString(),
                "--seeds", "1..3", "--output", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = run.json().path("workloads").get(0);
        assertThat(run.json().path("seeds")).hasSize(3);
        assertThat(run.json().path("phalanxPlacement").asText()).contains("Policies.placement");
        assertThat(run.json().path("nodes").asInt()).isEqualTo(3);
        assertThat(run.json().path("gpus").asDouble()).isEqualTo(10.0);
        assertThat(json.path("workload").asText()).isEqualTo("tiny_pods");
        JsonNode policies = json.path("policies");
        assertThat(policies).extracting(p -> p.path("name").asText())
                .containsExactly("random", "dotprod", "gpupacking", "bestfit", "fgd", "fgd-95", "fgd-exact", "phalanx");
        for (JsonNode p : policies) {
            assertThat(p.path("unallocatedGpuPct").path("mean").isNumber()).as(p.toString()).isTrue();
            assertThat(p.path("unallocatedGpuPct").path("sd").asDouble()).isGreaterThanOrEqualTo(0);
            assertThat(p.path("allocatedGpuPctAt130").asDouble()).isBetween(0.0, 100.0);
            assertThat(p.path("allocatedGpuPctByArrivedPct")).hasSize(131);
        }
        assertThat(policies.get(0).path("published").isNull()).as("no published figures for this pod list").isTrue();
    }

    @Test
    void textNamesTheFilesAndPrintsATableRowPerPolicy() throws Exception {
        CliRun run = CliRun.of("fragmentation", "--nodes", nodes().toString(), "--pods", pods().toString(),
                "--seeds", "1", "--policies", "bestfit,phalanx");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("tiny_nodes.csv (3 nodes, 10 GPUs)").contains("workload tiny_pods: 5 pods in the list")
                .contains("unallocated GPU %").containsPattern("(?m)^  bestfit ").containsPattern("(?m)^  phalanx ");
    }

    @Test
    void aBrokenFileStopsTheRunWithItsNameAndLine() throws Exception {
        Path bad = dir.resolve("bad_pods.csv");
        Files.writeString(bad, "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\np0,lots,1,1,1000,\n");
        CliRun run = CliRun.of("fragmentation", "--nodes", nodes().toString(), "--pods", bad.toString(), "--seeds", "1");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains(bad + ":2: column 'cpu_milli' must be a whole number, got 'lots'");
    }

    @Test
    void workloadsAreBuiltFromThePodListAndComparedWithTheirPublishedFigures() throws Exception {
        CliRun run = CliRun.of("fragmentation", "--nodes", nodes().toString(), "--pods", pods().toString(),
                "--workload", "cpu050,gpushare40", "--seeds", "1", "--policies", "fgd,phalanx", "--output", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode workloads = run.json().path("workloads");
        assertThat(workloads).extracting(w -> w.path("workload").asText()).containsExactly("cpu050", "gpushare40");
        assertThat(workloads.get(0).path("publishedFgdUnallocatedGpuPct").path("mean").asDouble()).isEqualTo(5.00);
        assertThat(run.json().path("workloadsBuiltFromPodsFile").asBoolean()).isTrue();

        CliRun text = CliRun.of("fragmentation", "--nodes", nodes().toString(), "--pods", pods().toString(),
                "--workload", "cpu050,gpushare40", "--seeds", "1", "--policies", "fgd,phalanx");
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).contains("workload cpu050:").contains("workload gpushare40:")
                .containsPattern("(?m)^  cpu050 +\\S+ ± \\S+ +\\S+ ± \\S+ +5\\.00 ± 0\\.11")
                .contains("phalanx leaves fewer GPUs unallocated than FGD as published on");
    }

    @Test
    void anUnknownWorkloadIsRefusedWithTheKnownOnes() throws Exception {
        CliRun run = CliRun.of("fragmentation", "--nodes", nodes().toString(), "--pods", pods().toString(), "--workload", "cpu999");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("unknown workload 'cpu999'").contains("gpuspec33").contains("all");
    }

    @Test
    void anUnknownPolicyIsRefusedWithTheKnownOnes() throws Exception {
        CliRun run = CliRun.of("fragmentation", "--nodes", nodes().toString(), "--pods", pods().toString(),
                "--policies", "fgd,tetris");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("unknown policy 'tetris'").contains("phalanx");
    }
}
