package dev.phalanx.bench.trace;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PhillyTraceTest {
    @TempDir
    Path dir;

    @Test
    void jobsAreReadByColumnNameAndSortedBySubmitTime() throws Exception {
        Path f = dir.resolve("jobs.csv");
        Files.writeString(f, """
                cluster,num_gpus,duration,timestamp,gpu_time
                vc1,8,120.0,2017-10-09 07:01:55,960.0
                vc2,1,0.2,2017-10-09 07:00:00,0.2
                """);
        List<PhillyTrace.Job> jobs = PhillyTrace.read(f);
        assertThat(jobs).extracting(PhillyTrace.Job::gpus).containsExactly(1, 8);
        assertThat(jobs.get(1).submitSecond() - jobs.get(0).submitSecond()).isEqualTo(115);
        assertThat(jobs.get(0).durationSeconds()).as("a sub-second job holds its GPUs for a second").isEqualTo(1);
        assertThat(jobs.get(1).cluster()).isEqualTo("vc1");
    }

    @Test
    void aBadTimestampIsReportedWithFileAndLine() throws Exception {
        Path f = dir.resolve("bad.csv");
        Files.writeString(f, "timestamp,duration,num_gpus,gpu_time,cluster\n2017-10-09 07:01:55,1,1,1,a\nyesterday,1,1,1,a\n");
        assertThatThrownBy(() -> PhillyTrace.read(f)).isInstanceOf(TraceFormatException.class)
                .hasMessage(f + ":3: column 'timestamp' must look like 2017-10-09 07:01:55, got 'yesterday'");
    }
}
