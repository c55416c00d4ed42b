package dev.phalanx.bench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class LocalityBenchCommandTest {
    @TempDir
    Path dir;

    private Path trace() throws Exception {
        Path f = dir.resolve("jobs.csv");
        Files.writeString(f, """
                timestamp,duration,num_gpus,gpu_time,cluster
                2017-10-01 00:00:00,3600,8,28800,a
                2017-10-01 00:01:00,600,1,600,b
                2017-10-01 00:02:00,7200,16,115200,a
                2017-10-01 00:03:00,60,128,7680,c
                2017-10-01 00:04:00,60,2,120,b
                """);
        return f;
    }

    @Test
    void jsonReportsEachPlacementOnTheSameJobs() throws Exception {
        CliRun run = CliRun.of("locality", "--trace", trace().toString(), "--racks", "2", "--jobs", "5",
                "--seeds", "1..2", "--output", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = run.json();
        assertThat(json.path("cluster").path("gpus").asInt()).isEqualTo(144);
        assertThat(json.path("placers")).extracting(p -> p.path("name").asText()).containsExactly("phalanx", "node-best-fit");
        for (JsonNode p : json.path("placers")) {
            // every job starts in the end (the 128-GPU one once the 8-GPU one has left), on both seeds
            assertThat(p.path("gangsStarted").asInt()).isEqualTo(2 * 5);
            assertThat(p.path("fewestDomainsPct").path("mean").isNumber()).isTrue();
            assertThat(p.path("bySize").has("16")).isTrue();
        }
        assertThat(json.path("placers").get(0).path("fewestDomainsPct").path("mean").asDouble()).isEqualTo(100.0);
    }

    @Test
    void textStatesTheClusterAndTheDefinition() throws Exception {
        CliRun run = CliRun.of("locality", "--trace", trace().toString(), "--racks", "2", "--jobs", "5", "--seeds", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("2 NVLink domains of 18 nodes x 4 GPUs").contains("144 GPUs")
                .contains("fewest NVLink domains possible = ").containsPattern("(?m)^  phalanx ").containsPattern("(?m)^  node-best-fit ");
    }

    @Test
    void segmentsReportEachPlacementOnTheSameJobsAndPhalanxSpansNoMoreSpines() throws Exception {
        CliRun run = CliRun.of("locality", "--segments", "--trace", trace().toString(), "--spines", "2",
                "--racks-per-spine", "4", "--jobs", "5", "--seeds", "1..3", "--output", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = run.json();
        assertThat(json.path("spines").asInt()).isEqualTo(2);
        assertThat(json.path("placers")).extracting(p -> p.path("placer").asText()).containsExactly("phalanx", "segment-greedy");
        for (JsonNode p : json.path("placers")) {
            assertThat(p.path("started").asInt()).isEqualTo(15);
            assertThat(p.path("segmentsWholePct").asDouble()).isEqualTo(100.0);
        }
        assertThat(json.path("placers").get(0).path("meanSpines").asDouble())
                .isLessThanOrEqualTo(json.path("placers").get(1).path("meanSpines").asDouble());
        CliRun bad = CliRun.of("locality", "--segments", "--trace", trace().toString(), "--spines", "0");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--spines and --racks-per-spine must be at least 1");
    }
}
