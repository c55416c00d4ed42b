package dev.phalanx.scheduler.metrics;

import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows of one {@link MultiGauge}, set every cycle: registered again only when the set of their tags changes (a
 * queue or resource comes or goes), else only their values move. Registering rows builds and looks up a meter per row,
 * which every cycle would cost more than the values it publishes.
 */
final class GaugeRows {
    private static final class Value {
        volatile double value;
    }

    private final MultiGauge gauge;
    private final Map<Tags, Value> registered = new LinkedHashMap<>();
    private Map<Tags, Double> next = new LinkedHashMap<>();

    GaugeRows(MultiGauge gauge) {
        this.gauge = gauge;
    }

    /** A row of this cycle. */
    void add(Tags tags, double value) {
        next.put(tags, value);
    }

    /** This cycle's rows become what the gauge shows; rows not added this cycle are gone. */
    void publish() {
        if (next.keySet().equals(registered.keySet())) {
            next.forEach((tags, v) -> registered.get(tags).value = v);
        } else {
            registered.clear();
            List<MultiGauge.Row<?>> rows = new ArrayList<>(next.size());
            next.forEach((tags, v) -> {
                Value holder = new Value();
                holder.value = v;
                registered.put(tags, holder);
                rows.add(MultiGauge.Row.of(tags, holder, h -> h.value));
            });
            gauge.register(rows, true);
        }
        next = new LinkedHashMap<>();
    }
}
