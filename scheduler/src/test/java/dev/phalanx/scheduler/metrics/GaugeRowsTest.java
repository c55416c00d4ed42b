package dev.phalanx.scheduler.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GaugeRowsTest {
    @Test
    void valuesMoveInPlaceAndRowsComeAndGoWithTheirTags() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        GaugeRows rows = new GaugeRows(MultiGauge.builder("g").register(registry));
        rows.add(Tags.of("queue", "a"), 1);
        rows.add(Tags.of("queue", "b"), 2);
        rows.publish();
        Gauge a = registry.get("g").tags("queue", "a").gauge();
        assertThat(a.value()).isEqualTo(1.0);

        rows.add(Tags.of("queue", "a"), 5);
        rows.add(Tags.of("queue", "b"), 6);
        rows.publish();
        assertThat(registry.get("g").tags("queue", "a").gauge()).as("the same meter, its value moved").isSameAs(a);
        assertThat(a.value()).isEqualTo(5.0);

        rows.add(Tags.of("queue", "b"), 7);
        rows.publish();
        assertThat(registry.find("g").tags("queue", "a").gauge()).as("a queue gone, its row gone").isNull();
        assertThat(registry.get("g").tags("queue", "b").gauge().value()).isEqualTo(7.0);
    }
}
