package dev.phalanx.core.kube;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationsTest {
    @Test
    void parsesUnitsAndCompounds() {
        assertThat(Durations.parseMillis("90s")).isEqualTo(90_000);
        assertThat(Durations.parseMillis("1h30m")).isEqualTo(5_400_000);
        assertThat(Durations.parseMillis("2d")).isEqualTo(172_800_000);
        assertThat(Durations.parseMillis("1.5h")).isEqualTo(5_400_000);
    }

    @Test
    void refusesAnythingElseNamingTheText() {
        assertThatThrownBy(() -> Durations.parseMillis("soon")).hasMessageContaining("'soon' is not a duration");
        assertThatThrownBy(() -> Durations.parseMillis("10")).hasMessageContaining("'10'");
        assertThatThrownBy(() -> Durations.parseMillis("5m and more")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void formatsCompactly() {
        assertThat(Durations.format(5_400_000)).isEqualTo("1h30m");
        assertThat(Durations.format(90_061_000)).isEqualTo("1d1h1m1s");
    }
}
