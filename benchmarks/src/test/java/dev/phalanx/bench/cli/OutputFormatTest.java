package dev.phalanx.bench.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Every bench command refuses an --output it cannot write, naming the option and what it takes, before any work. */
class OutputFormatTest {
    @Test
    void anOutputOtherThanTextOrJsonIsRefusedByEveryBenchCommand() {
        for (String command : new String[]{"fragmentation", "locality", "fairness"}) {
            CliRun run = CliRun.of(command, "--output", "xml");
            assertThat(run.exitCode()).as(command).isEqualTo(2);
            assertThat(run.out()).as(command).isEmpty();
            assertThat(run.err()).as(command).contains("--output", "xml", "text", "json");
        }
    }
}
