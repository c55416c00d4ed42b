package dev.phalanx.scheduler.cli;

import dev.phalanx.placement.TimefoldPlacement;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.testing.Testing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Invariant 5, end to end: the same input and seed give the same output, also from another JVM (where
 * identity hash codes, and so the order of anything keyed by them, differ), and {@code --seed} reaches
 * every random choice the scheduler makes (the placement search's).
 */
class SimulateDeterminismTest {
    @TempDir
    Path dir;

    @Test
    void theSameInputAndSeedGiveTheSameOutputInSeparateJvms() throws Exception {
        for (long scenario : new long[]{3, 11}) {
            Path f = dir.resolve("scenario-" + scenario + ".yaml");
            Files.writeString(f, Testing.yaml(new RandomScenario(scenario).objects));
            CliRun first = CliRun.inNewJvm("simulate", "-f", f.toString(), "-o", "json", "--seed", "7");
            CliRun second = CliRun.inNewJvm("simulate", "-f", f.toString(), "-o", "json", "--seed", "7");
            assertThat(first.exitCode()).as(first.err()).isZero();
            assertThat(first.json().get("pods").size()).as("scenario %d places something", scenario).isPositive();
            assertThat(second.out()).as("scenario %d, run again in another JVM", scenario).isEqualTo(first.out());
        }
    }

    @Test
    void theSeedIsThePlacementSearchsSeed() {
        for (long seed : new long[]{7, 8}) {
            var placement = Policies.reproducible(seed, true).placement();
            assertThat(placement).isInstanceOf(TimefoldPlacement.class);
            assertThat(((TimefoldPlacement) placement).config().seed()).isEqualTo(seed);
        }
    }
}
