package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The one driver of the cycle, live and in simulation alike: snapshot ({@link ClusterSource}), decide
 * ({@link SchedulingCycle}: fair share, admission, placement, preemption), commit ({@link CommitPort}:
 * evictions, then bindings), report ({@link ReportPolicy}, written through the same port). Every timestamp
 * comes from the one {@link Clock}. The room a cycle held for a waiting gang is handed to the next one.
 * Not thread-safe: one thread runs the cycles.
 */
public final class CycleRunner {
    private final SchedulingCycle cycle;
    private final ReportPolicy reporter;
    private final ClusterSource source;
    private final CommitPort commit;
    private final Clock clock;
    private Map<String, List<String>> heldRoom = Map.of();
    private Set<String> nominated = Set.of();

    public CycleRunner(SchedulingCycle cycle, ReportPolicy reporter, ClusterSource source, CommitPort commit, Clock clock) {
        this.cycle = cycle;
        this.reporter = reporter;
        this.source = source;
        this.commit = commit;
        this.clock = clock;
    }

    /** What one cycle decided and reported, and how long each part took (nanoseconds). */
    public record Outcome(CycleResult result, CycleReport report, List<Binding> failedBindings, long snapshotNanos,
                          long decideNanos, long commitNanos, long reportNanos) {
        public long totalNanos() {
            return snapshotNanos + decideNanos + commitNanos + reportNanos;
        }
    }

    public Outcome runOnce() {
        long t0 = System.nanoTime();
        Snapshot before = source.snapshot(clock.now());
        before = before.withPlanning(before.planning().withRoomHeld(heldRoom, nominated));
        long t1 = System.nanoTime();
        CycleResult result = cycle.decide(before);
        heldRoom = result.reservations();
        nominated = result.nominated();
        long t2 = System.nanoTime();
        if (!result.evictions().isEmpty()) {
            commit.evict(result.evictions());
        }
        List<CompletableFuture<List<Binding>>> bindings = new ArrayList<>();
        for (GangDecision d : result.placed()) {
            bindings.add(commit.bind(d));
        }
        List<Binding> failed = new ArrayList<>();
        bindings.forEach(f -> failed.addAll(f.join()));
        long t3 = System.nanoTime();
        CycleReport report = reporter.report(result, source.snapshot(clock.now()));
        commit.report(report);
        long t4 = System.nanoTime();
        return new Outcome(result, report, failed, t1 - t0, t2 - t1, t3 - t2, t4 - t3);
    }
}
