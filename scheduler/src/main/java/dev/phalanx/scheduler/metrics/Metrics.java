package dev.phalanx.scheduler.metrics;

import java.util.List;

/**
 * Every metric the scheduler exports, in one place: the name as Micrometer spells it, the name a
 * Prometheus scrape shows (prefix {@code phalanx_}, base units: seconds, GPUs, CPU cores, bytes), and
 * what it means. Dashboards, the README and the tests refer to the Prometheus names.
 */
public final class Metrics {
    private Metrics() {
    }

    /** One metric: Micrometer name, Prometheus name (without _bucket/_count/_sum suffixes), labels and help. */
    public record Metric(String name, String prometheusName, String type, List<String> labels, String help) {
    }

    // ---- per queue and resource (gauges; the value is in the resource's base unit) -------------
    public static final Metric QUEUE_FAIR_SHARE = gauge("phalanx.queue.fair.share", "phalanx_queue_fair_share",
            List.of("queue", "resource", "leaf"), "fair share the last cycle computed for the queue");
    public static final Metric QUEUE_DECAYED_USAGE = gauge("phalanx.queue.decayed.usage", "phalanx_queue_decayed_usage",
            List.of("queue", "resource", "leaf"), "what the queue held, averaged over the recent past with each moment weighing "
                    + "half as much per usage half-life it lies back; absent when no usage history is kept");
    public static final Metric QUEUE_EFFECTIVE_WEIGHT = gauge("phalanx.queue.effective.weight", "phalanx_queue_effective_weight",
            List.of("queue", "resource", "leaf"), "the over-quota weight the surplus was divided with: the configured one, "
                    + "shifted by the queue's recent use; absent when no usage history is kept");
    public static final Metric QUEUE_QUOTA = gauge("phalanx.queue.quota", "phalanx_queue_quota",
            List.of("queue", "resource", "leaf"), "the queue's quota, for the resources it sets one for");
    public static final Metric QUEUE_LIMIT = gauge("phalanx.queue.limit", "phalanx_queue_limit",
            List.of("queue", "resource", "leaf"), "the queue's limit; absent when the queue has none");
    public static final Metric QUEUE_ALLOCATED = gauge("phalanx.queue.allocated", "phalanx_queue_allocated",
            List.of("queue", "resource", "leaf"), "what bound pods of the queue and its descendants request");
    public static final Metric QUEUE_REQUESTED = gauge("phalanx.queue.requested", "phalanx_queue_requested",
            List.of("queue", "resource", "leaf"), "allocated plus what pending pods ask for (the demand)");
    public static final Metric QUEUE_POD_GROUPS = gauge("phalanx.queue.pod.groups", "phalanx_queue_pod_groups",
            List.of("queue", "phase"), "gangs (PodGroups, and pods without one) of the queue by phase");
    public static final Metric QUEUE_SUBGROUPS = gauge("phalanx.queue.subgroups", "phalanx_queue_subgroups",
            List.of("queue", "state"), "leaf subgroups (and segments) of the queue's gangs, started or waiting");
    public static final Metric QUEUE_LONGEST_WAIT = gauge("phalanx.queue.longest.wait", "phalanx_queue_longest_wait_seconds",
            List.of("queue"), "how long the queue's oldest gang that has not started has been waiting");

    // ---- gangs ------------------------------------------------------------------------------------
    public static final Metric GANG_WAIT = histogram("phalanx.gang.wait", "phalanx_gang_wait_seconds",
            List.of("queue"), "from a gang's creation to the cycle that started it");

    // ---- the cycle --------------------------------------------------------------------------------
    public static final Metric CYCLE = histogram("phalanx.cycle", "phalanx_cycle_seconds", List.of(),
            "one whole scheduling cycle, snapshot to report");
    public static final Metric CYCLE_STEP = histogram("phalanx.cycle.step", "phalanx_cycle_step_seconds",
            List.of("step"), "one step of a cycle: snapshot, fair_share, admission_placement, commit, report");
    public static final Metric PLACEMENT = histogram("phalanx.placement", "phalanx_placement_seconds",
            List.of("outcome"), "one call of the placement solver for one gang (outcome placed or unplaced)");
    public static final Metric LAST_CYCLE = gauge("phalanx.last.cycle.timestamp", "phalanx_last_cycle_timestamp_seconds",
            List.of(), "when the last cycle ended (Unix time)");

    // ---- commit -----------------------------------------------------------------------------------
    public static final Metric BINDINGS = counter("phalanx.bindings", "phalanx_bindings_total", List.of(),
            "pods bound (one Binding each)");
    public static final Metric BINDING_ERRORS = counter("phalanx.binding.errors", "phalanx_binding_errors_total",
            List.of("reason"), "bindings that failed for good: conflict, not_found, forbidden, invalid, error");
    public static final Metric BINDING = histogram("phalanx.binding", "phalanx_binding_seconds", List.of(),
            "one binding, retries included");
    public static final Metric BINDING_WINDOW = gauge("phalanx.binding.window", "phalanx_binding_window", List.of(),
            "bindings allowed in flight now; it follows the API server's latency");
    public static final Metric EVICTIONS = counter("phalanx.evictions", "phalanx_evictions_total", List.of("reason"),
            "pods evicted: preempt, reclaim, stale_gang, node_failed");

    // ---- this replica -----------------------------------------------------------------------------
    public static final Metric LEADER = gauge("phalanx.leader", "phalanx_leader", List.of(),
            "1 while this replica holds the leader lease (or runs without leader election), else 0");

    public static final List<Metric> ALL = List.of(QUEUE_FAIR_SHARE, QUEUE_DECAYED_USAGE, QUEUE_EFFECTIVE_WEIGHT, QUEUE_QUOTA, QUEUE_LIMIT, QUEUE_ALLOCATED,
            QUEUE_REQUESTED, QUEUE_POD_GROUPS, QUEUE_SUBGROUPS, QUEUE_LONGEST_WAIT, GANG_WAIT, CYCLE, CYCLE_STEP, PLACEMENT, LAST_CYCLE,
            BINDINGS, BINDING_ERRORS, BINDING, BINDING_WINDOW, EVICTIONS, LEADER);

    /** Label values of {@link #CYCLE_STEP}. */
    public static final List<String> STEPS = List.of("snapshot", "fair_share", "admission_placement", "commit", "report");
    /** Label values of {@link #BINDING_ERRORS}. */
    public static final List<String> BINDING_ERROR_REASONS = List.of("conflict", "not_found", "forbidden", "invalid", "error");
    /** Label values of {@link #EVICTIONS}. */
    public static final List<String> EVICTION_REASONS = List.of("preempt", "reclaim", "stale_gang", "node_failed");
    /** Label values of {@link #QUEUE_POD_GROUPS}: the PodGroup phases. */
    public static final List<String> PHASES = List.of("Pending", "Admitted", "Scheduled", "Running", "Succeeded", "Failed");

    private static Metric gauge(String name, String prometheusName, List<String> labels, String help) {
        return new Metric(name, prometheusName, "gauge", labels, help);
    }

    private static Metric counter(String name, String prometheusName, List<String> labels, String help) {
        return new Metric(name, prometheusName, "counter", labels, help);
    }

    private static Metric histogram(String name, String prometheusName, List<String> labels, String help) {
        return new Metric(name, prometheusName, "histogram", labels, help);
    }
}
