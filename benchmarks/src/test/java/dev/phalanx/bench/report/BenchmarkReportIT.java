package dev.phalanx.bench.report;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark suite's quick mode runs end to end and writes its report: every section, with the
 * baseline next to each figure, and the charts. The figures themselves are not judged here.
 */
@Tag("kube")
class BenchmarkReportIT {
    @Test
    void quickModeWritesEverySectionAndItsCharts() throws Exception {
        Path out = Path.of("target/report-quick");
        BenchmarkReport.main(new String[]{"--out", out.toString()});

        String md = Files.readString(out.resolve("README.md"));
        assertThat(md).contains("Quick mode", "## One scheduling cycle (JMH)", "best-fit (baseline)", "## Heap",
                "## Binding throughput on a real API server", "| ceiling |", "| phalanx |", "| kube-scheduler |", "| coscheduling |",
                "| phalanx-dra |",
                "## GPU fragmentation", "published unallocated", "## NVLink locality", "node-best-fit",
                "### Jobs larger than one rack, in segments", "| segment-greedy |",
                "## Queue fairness", "| fifo |");
        assertThat(md).contains("| 5,000 | 10,000 |");
        for (String png : new String[]{"cycle-latency.png", "heap.png", "api-server-throughput.png",
                "api-server-gang-latency.png", "fragmentation.png", "locality.png", "segments.png", "fairness-wait.png"}) {
            assertThat(out.resolve(png)).isNotEmptyFile();
            assertThat(md).contains("(" + png + ")");
        }
    }
}
