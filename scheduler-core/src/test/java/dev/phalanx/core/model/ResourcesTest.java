package dev.phalanx.core.model;

import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResourcesTest {
    @Test
    void addsAndSubtractsExactlyInThousandths() {
        Resources half = Resources.of(Keys.GPU, 0.5);
        Resources sum = half.add(half).add(Resources.of(Keys.CPU, 1.25));
        assertThat(sum.milli(Keys.GPU)).isEqualTo(1000);
        assertThat(sum.units(Keys.CPU)).isEqualTo(1.25);
        assertThat(sum.subtract(half).subtract(half).names()).containsExactly(Keys.CPU);
    }

    @Test
    void zeroAmountsVanishSoEqualVectorsAreEqual() {
        Resources a = Resources.of(Keys.GPU, 2).subtract(Resources.of(Keys.GPU, 2));
        assertThat(a).isEqualTo(Resources.NONE);
        assertThat(a.isEmpty()).isTrue();
    }

    @Test
    void fitsOnlyWhenEveryResourceFitsAndMissingCapacityIsZero() {
        Resources node = Resources.of(Keys.GPU, 8, Keys.CPU, 64);
        assertThat(Resources.of(Keys.GPU, 8, Keys.CPU, 64).fitsIn(node)).isTrue();
        assertThat(Resources.of(Keys.GPU, 8.001).fitsIn(node)).isFalse();
        assertThat(Resources.of("nvidia.com/mig-1g.10gb", 1).fitsIn(node)).isFalse();
        assertThat(Resources.of(Keys.GPU, 9, Keys.CPU, 65).exceeding(node)).containsExactly(Keys.CPU, Keys.GPU);
    }

    @Test
    void parsesKubernetesQuantities() {
        Resources r = Resources.fromQuantities(Map.of("cpu", new Quantity("500m"), "memory", new Quantity("1Gi"),
                Keys.GPU, new Quantity("8")));
        assertThat(r.milli("cpu")).isEqualTo(500);
        assertThat(r.units("memory")).isEqualTo(1024.0 * 1024 * 1024);
        assertThat(r.units(Keys.GPU)).isEqualTo(8);
        assertThatThrownBy(() -> Resources.toMilli("eight")).hasMessageContaining("'eight' is not a quantity");
    }

    @Test
    void minAndMaxArePerResource() {
        Resources a = Resources.of(Keys.GPU, 2, Keys.CPU, 10);
        Resources b = Resources.of(Keys.GPU, 4, Keys.MEMORY, 1);
        assertThat(a.max(b)).isEqualTo(Resources.of(Keys.GPU, 4, Keys.CPU, 10).add(Resources.of(Keys.MEMORY, 1)));
        assertThat(a.min(b)).isEqualTo(Resources.of(Keys.GPU, 2));
    }

    @Test
    void formatsWithoutTrailingZeros() {
        assertThat(Resources.formatMilli(16000)).isEqualTo("16");
        assertThat(Resources.formatMilli(2500)).isEqualTo("2.5");
    }

    @Test
    void copiesWithinCountsTheScarcestResourceAndAMissingOneAsNone() {
        Resources node = Resources.of(Keys.GPU, 8, Keys.CPU, 20);
        assertThat(Resources.of(Keys.GPU, 2, Keys.CPU, 6).copiesWithin(node)).isEqualTo(3); // CPU: 20 / 6
        assertThat(Resources.of(Keys.GPU, 3).copiesWithin(node)).isEqualTo(2);
        assertThat(Resources.of("nvidia.com/mig-1g.10gb", 1).copiesWithin(node)).isZero();
        assertThat(Resources.NONE.copiesWithin(node)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void sumsTooLargeForALongSaturateInsteadOfTurningNegative() {
        Resources node = Resources.of(Keys.MEMORY, 2048.0 * (1L << 30)); // 2 TiB
        Resources total = Resources.NONE;
        for (int i = 0; i < 5_000; i++) {
            total = total.add(node);
        }
        assertThat(total.milli(Keys.MEMORY)).isEqualTo(Long.MAX_VALUE);
        assertThat(Resources.NONE.subtract(total).milli(Keys.MEMORY)).isEqualTo(-Long.MAX_VALUE);
    }
}
