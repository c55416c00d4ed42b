package dev.phalanx.bench.trace;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SeedsTest {
    @Test
    void rangesAndListsMix() {
        assertThat(Seeds.parse("42..44,50")).containsExactly(42L, 43L, 44L, 50L);
        assertThat(Seeds.parse("7")).containsExactly(7L);
        assertThat(Seeds.format(List.of(42L, 43L, 44L))).isEqualTo("42..44");
        assertThat(Seeds.format(List.of(42L, 50L))).isEqualTo("42,50");
    }

    @Test
    void nonsenseIsRefused() {
        assertThatThrownBy(() -> Seeds.parse("a..b")).hasMessageContaining("not a seed list");
        assertThatThrownBy(() -> Seeds.parse("51..42")).hasMessageContaining("must go upwards");
    }
}
