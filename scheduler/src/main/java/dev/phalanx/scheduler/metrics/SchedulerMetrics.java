package dev.phalanx.scheduler.metrics;

import dev.phalanx.core.cycle.CycleReport;
import dev.phalanx.core.cycle.CycleResult;
import dev.phalanx.core.cycle.FairSharePolicy;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.cycle.PlacementPolicy;
import dev.phalanx.core.cycle.QueueUsage;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.Snapshot;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The scheduler's meters (names in {@link Metrics}), fed by the live service: what each cycle concluded
 * per queue, how long each step took, every binding. Meters whose label values are known up front
 * (steps, binding error reasons, eviction reasons) exist from the start at zero, so a dashboard never
 * looks at a series that is missing only because nothing happened yet.
 */
public final class SchedulerMetrics implements CycleSteps {
    private static final Duration[] STEP_BUCKETS = millis(1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000);
    private static final Duration[] PLACEMENT_BUCKETS = millis(1, 5, 10, 50, 100, 500, 1000, 5000, 10_000);
    private static final Duration[] BINDING_BUCKETS = millis(5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10_000, 30_000);
    private static final Duration[] WAIT_BUCKETS = seconds(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21_600,
            43_200, 86_400);

    private final MeterRegistry registry;
    private final GaugeRows fairShare;
    private final GaugeRows decayedUsage;
    private final GaugeRows effectiveWeight;
    private final GaugeRows quota;
    private final GaugeRows limit;
    private final GaugeRows allocated;
    private final GaugeRows requested;
    private final GaugeRows podGroups;
    private final GaugeRows longestWait;
    private final GaugeRows subGroups;
    private final Timer cycle;
    private final Map<String, Timer> steps = new HashMap<>();
    private final Map<String, Timer> placements = new HashMap<>();
    private final Map<String, Timer> gangWaits = new HashMap<>();
    private final Counter bindings;
    private final Map<String, Counter> bindingErrors = new HashMap<>();
    private final Timer binding;
    private final Map<String, Counter> evictions = new HashMap<>();
    private final AtomicInteger leader = new AtomicInteger();
    private final AtomicInteger bindingWindow = new AtomicInteger();
    private final AtomicLong lastCycleMillis = new AtomicLong();
    /** Fair-share time of the cycle in progress; the service subtracts it from decide's time. */
    private final AtomicLong fairShareNanos = new AtomicLong();

    public SchedulerMetrics(MeterRegistry registry) {
        this.registry = registry;
        fairShare = multiGauge(Metrics.QUEUE_FAIR_SHARE, null);
        decayedUsage = multiGauge(Metrics.QUEUE_DECAYED_USAGE, null);
        effectiveWeight = multiGauge(Metrics.QUEUE_EFFECTIVE_WEIGHT, null);
        quota = multiGauge(Metrics.QUEUE_QUOTA, null);
        limit = multiGauge(Metrics.QUEUE_LIMIT, null);
        allocated = multiGauge(Metrics.QUEUE_ALLOCATED, null);
        requested = multiGauge(Metrics.QUEUE_REQUESTED, null);
        podGroups = multiGauge(Metrics.QUEUE_POD_GROUPS, null);
        longestWait = multiGauge(Metrics.QUEUE_LONGEST_WAIT, "seconds");
        subGroups = multiGauge(Metrics.QUEUE_SUBGROUPS, null);
        cycle = timer(Metrics.CYCLE, Tags.empty(), STEP_BUCKETS);
        for (String step : Metrics.STEPS) {
            steps.put(step, timer(Metrics.CYCLE_STEP, Tags.of("step", step), STEP_BUCKETS));
        }
        for (String outcome : List.of("placed", "unplaced")) {
            placements.put(outcome, timer(Metrics.PLACEMENT, Tags.of("outcome", outcome), PLACEMENT_BUCKETS));
        }
        bindings = Counter.builder(Metrics.BINDINGS.name()).description(Metrics.BINDINGS.help()).register(registry);
        for (String reason : Metrics.BINDING_ERROR_REASONS) {
            bindingErrors.put(reason, Counter.builder(Metrics.BINDING_ERRORS.name()).description(Metrics.BINDING_ERRORS.help())
                    .tag("reason", reason).register(registry));
        }
        binding = timer(Metrics.BINDING, Tags.empty(), BINDING_BUCKETS);
        for (String reason : Metrics.EVICTION_REASONS) {
            evictions.put(reason, Counter.builder(Metrics.EVICTIONS.name()).description(Metrics.EVICTIONS.help())
                    .tag("reason", reason).register(registry));
        }
        Gauge.builder(Metrics.LEADER.name(), leader, AtomicInteger::get).description(Metrics.LEADER.help()).register(registry);
        Gauge.builder(Metrics.BINDING_WINDOW.name(), bindingWindow, AtomicInteger::get).description(Metrics.BINDING_WINDOW.help())
                .register(registry);
        Gauge.builder(Metrics.LAST_CYCLE.name(), lastCycleMillis, m -> m.get() / 1000.0).baseUnit("seconds")
                .description(Metrics.LAST_CYCLE.help()).register(registry);
    }

    /** A registry that serves the Prometheus text format, with JVM and process meters bound. */
    public static PrometheusMeterRegistry prometheusRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return registry;
    }

    public MeterRegistry registry() {
        return registry;
    }

    private GaugeRows multiGauge(Metrics.Metric m, String baseUnit) {
        return new GaugeRows(MultiGauge.builder(m.name()).description(m.help()).baseUnit(baseUnit).register(registry));
    }

    private Timer timer(Metrics.Metric m, Tags tags, Duration[] buckets) {
        return Timer.builder(m.name()).description(m.help()).tags(tags).serviceLevelObjectives(buckets).register(registry);
    }

    // ---- timing hooks around the pure steps (see CycleSteps) ----------------------------------------

    @Override
    public FairSharePolicy fairShare(FairSharePolicy policy) {
        return snapshot -> {
            long start = System.nanoTime();
            try {
                return policy.compute(snapshot);
            } finally {
                fairShareNanos.addAndGet(System.nanoTime() - start);
            }
        };
    }

    @Override
    public PlacementPolicy placement(PlacementPolicy policy) {
        return new PlacementPolicy() {
            @Override
            public Placement place(dev.phalanx.core.model.Gang gang, java.util.List<dev.phalanx.core.model.PodInfo> mustPlace,
                                   dev.phalanx.core.cycle.CapacityView capacity) {
                long start = System.nanoTime();
                Placement p = policy.place(gang, mustPlace, capacity);
                placements.get(p.placed() ? "placed" : "unplaced").record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                return p;
            }

            @Override
            public Placement placeQuickly(dev.phalanx.core.model.Gang gang,
                                          java.util.List<dev.phalanx.core.model.PodInfo> mustPlace,
                                          dev.phalanx.core.cycle.CapacityView capacity) {
                return policy.placeQuickly(gang, mustPlace, capacity);
            }
        };
    }

    /** Fair-share nanoseconds spent since the last call (zero when the cycle was not built with these hooks). */
    public long takeFairShareNanos() {
        return fairShareNanos.getAndSet(0);
    }

    public void step(String step, long nanos) {
        Timer t = steps.get(step);
        if (t == null) {
            throw new IllegalArgumentException("unknown step " + step + "; known: " + Metrics.STEPS);
        }
        t.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    public void cycle(long nanos, long endedAtMillis) {
        cycle.record(nanos, TimeUnit.NANOSECONDS);
        lastCycleMillis.set(endedAtMillis);
    }

    // ---- commit -------------------------------------------------------------------------------------

    public void bound(long nanos) {
        bindings.increment();
        binding.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A binding that failed for good, after {@code nanos}; {@code httpCode} 0 when no answer came. */
    public void bindingFailed(int httpCode, long nanos) {
        String reason = switch (httpCode) {
            case 409 -> "conflict";
            case 404 -> "not_found";
            case 403 -> "forbidden";
            case 422, 400 -> "invalid";
            default -> "error";
        };
        bindingErrors.get(reason).increment();
        binding.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** How many bindings may be in flight now. */
    public void bindingWindow(int limit) {
        bindingWindow.set(limit);
    }

    public void evicted(String reason) {
        Counter c = evictions.get(reason);
        if (c == null) {
            throw new IllegalArgumentException("unknown eviction reason " + reason + "; known: " + Metrics.EVICTION_REASONS);
        }
        c.increment();
    }

    public void leader(boolean leading) {
        leader.set(leading ? 1 : 0);
    }

    // ---- report -------------------------------------------------------------------------------------

    /**
     * What a cycle concluded: per queue and resource fair share, quota, limit, allocation and demand, and with usage
     * history kept the decayed usage and the effective over-quota weight;
     * gangs per queue by phase; the wait of every gang this cycle started.
     */
    public void report(CycleReport report) {
        CycleResult result = report.result();
        Snapshot after = report.after();
        Map<String, Gang> gangs = new HashMap<>();
        after.gangs().forEach(g -> gangs.put(g.key(), g));
        Map<String, CycleReport.GangReport> reports = new HashMap<>();
        report.gangs().forEach(g -> reports.put(g.key(), g));
        for (GangDecision d : result.placed()) {
            CycleReport.GangReport r = reports.get(d.gangKey());
            Gang g = gangs.get(d.gangKey());
            boolean startedNow = r != null && r.phase().started() && (r.previous() == null || !r.previous().started());
            if (startedNow && g != null && g.createdAt() > 0 && g.queue() != null) {
                gangWaits.computeIfAbsent(g.queue(), q -> timer(Metrics.GANG_WAIT, Tags.of("queue", q), WAIT_BUCKETS))
                        .record(Math.max(0, result.at() - g.createdAt()), TimeUnit.MILLISECONDS);
            }
        }

        QueueUsage usage = new QueueUsage(after);
        Map<String, Map<String, Integer>> byPhase = new TreeMap<>();
        Map<String, Long> oldest = new TreeMap<>();
        Map<String, int[]> leaves = new TreeMap<>(); // per queue: started, waiting
        for (CycleReport.GangReport r : report.gangs()) {
            Gang g = gangs.get(r.key());
            if (g == null || g.queue() == null || !after.queues().containsKey(g.queue())) {
                continue;
            }
            for (CycleReport.SubGroupReport sg : r.subGroups()) {
                if (sg.minMember() > 0) {
                    leaves.computeIfAbsent(g.queue(), k -> new int[2])[sg.started() ? 0 : 1]++;
                }
            }
            byPhase.computeIfAbsent(g.queue(), k -> new TreeMap<>()).merge(r.phase().display(), 1, Integer::sum);
            if (r.waiting() && g.createdAt() > 0) {
                oldest.merge(g.queue(), after.now() - g.createdAt(), Math::max);
            }
        }
        for (QueueInfo q : new TreeMap<>(after.queues()).values()) {
            String leaf = String.valueOf(usage.tree().isLeaf(q.name()));
            Map<String, Double> fair = result.fairShares().byQueue().getOrDefault(q.name(), Map.of());
            Map<String, Double> a = usage.allocated(q.name()).asUnitMap();
            Map<String, Double> r = usage.requested(q.name()).asUnitMap();
            Set<String> resources = new TreeSet<>(q.resources().keySet());
            resources.addAll(fair.keySet());
            resources.addAll(a.keySet());
            resources.addAll(r.keySet());
            for (String res : resources) {
                Tags tags = Tags.of("queue", q.name(), "resource", res, "leaf", leaf);
                fairShare.add(tags, fair.getOrDefault(res, 0.0));
                if (result.fairShares().keepsHistory()) {
                    decayedUsage.add(tags, result.fairShares().decayed(q.name(), res));
                    Double w = result.fairShares().effectiveWeight(q.name(), res);
                    effectiveWeight.add(tags, w != null ? w : q.share(res).overQuotaWeight());
                }
                allocated.add(tags, a.getOrDefault(res, 0.0));
                requested.add(tags, r.getOrDefault(res, 0.0));
                QueueInfo.Share s = q.resources().get(res);
                if (s != null) {
                    quota.add(tags, s.quotaMilli() / 1000.0);
                    if (s.limited()) {
                        limit.add(tags, s.limitMilli() / 1000.0);
                    }
                }
            }
            for (String phase : Metrics.PHASES) {
                podGroups.add(Tags.of("queue", q.name(), "phase", phase),
                        byPhase.getOrDefault(q.name(), Map.of()).getOrDefault(phase, 0));
            }
            longestWait.add(Tags.of("queue", q.name()), oldest.getOrDefault(q.name(), 0L) / 1000.0);
            int[] l = leaves.getOrDefault(q.name(), new int[2]);
            subGroups.add(Tags.of("queue", q.name(), "state", "started"), l[0]);
            subGroups.add(Tags.of("queue", q.name(), "state", "waiting"), l[1]);
        }
        for (GaugeRows g : List.of(fairShare, decayedUsage, effectiveWeight, quota, limit, allocated, requested, podGroups,
                longestWait, subGroups)) {
            g.publish();
        }
    }

    private static Duration[] millis(long... ms) {
        Duration[] out = new Duration[ms.length];
        for (int i = 0; i < ms.length; i++) {
            out[i] = Duration.ofMillis(ms[i]);
        }
        return out;
    }

    private static Duration[] seconds(long... s) {
        Duration[] out = new Duration[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = Duration.ofSeconds(s[i]);
        }
        return out;
    }
}
