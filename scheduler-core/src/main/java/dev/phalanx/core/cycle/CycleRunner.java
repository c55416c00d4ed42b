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
 * comes from the one {@link Clock}. The room a cycle held for a waiting gang is handed to the next one, and
 * so is each queue's usage history as the report left it: the status that carries it to a scheduler started
 * later may be written after the next cycle has begun, or not at all when it changed little.
 *
 * <p>Decide while committing: with {@code maxCommitsInFlight} above 0, a cycle does not wait for its
 * bindings to be written; the next one decides on a snapshot that already counts them (the commit port
 * assumes them), and only waits, oldest first, while that many gangs' commits are still in flight. A binding
 * that fails un-assumes its pod, so the gang is whole again in the next snapshot (it is completed or, past
 * the grace period, evicted: {@link StaleGangs}). With 0, each cycle waits for its commits before it
 * reports, as the simulator does. Not thread-safe: one thread runs the cycles.
 */
public final class CycleRunner {
    private final SchedulingCycle cycle;
    private final ReportPolicy reporter;
    private final ClusterSource source;
    private final CommitPort commit;
    private final Clock clock;
    private final int maxCommitsInFlight;
    private final java.util.ArrayDeque<CompletableFuture<List<Binding>>> inFlight = new java.util.ArrayDeque<>();
    private Map<String, List<String>> heldRoom = Map.of();
    private Set<String> nominated = Set.of();
    private Map<String, dev.phalanx.core.model.UsageHistory> history = Map.of();

    /** A runner that waits for each cycle's commits before it reports. */
    public CycleRunner(SchedulingCycle cycle, ReportPolicy reporter, ClusterSource source, CommitPort commit, Clock clock) {
        this(cycle, reporter, source, commit, clock, 0);
    }

    public CycleRunner(SchedulingCycle cycle, ReportPolicy reporter, ClusterSource source, CommitPort commit, Clock clock,
                       int maxCommitsInFlight) {
        if (maxCommitsInFlight < 0) {
            throw new IllegalArgumentException("maxCommitsInFlight must be 0 or more, got " + maxCommitsInFlight);
        }
        this.cycle = cycle;
        this.reporter = reporter;
        this.source = source;
        this.commit = commit;
        this.clock = clock;
        this.maxCommitsInFlight = maxCommitsInFlight;
    }

    /**
     * What one cycle decided and reported, the bindings found failed since the last cycle, and how long each
     * part took (nanoseconds; the commit's part is only the sending when commits overlap the next cycle).
     */
    public record Outcome(CycleResult result, CycleReport report, List<Binding> failedBindings, long snapshotNanos,
                          long decideNanos, long commitNanos, long reportNanos) {
        public long totalNanos() {
            return snapshotNanos + decideNanos + commitNanos + reportNanos;
        }
    }

    /** Gangs whose bindings are still being written. */
    public int commitsInFlight() {
        return (int) inFlight.stream().filter(f -> !f.isDone()).count();
    }

    /** Waits until every commit in flight has been written. */
    public void awaitCommits() {
        while (!inFlight.isEmpty()) {
            inFlight.poll().join();
        }
    }

    public Outcome runOnce() {
        long t0 = System.nanoTime();
        List<Binding> failed = new ArrayList<>();
        for (var it = inFlight.iterator(); it.hasNext(); ) {
            CompletableFuture<List<Binding>> f = it.next();
            if (f.isDone()) {
                failed.addAll(f.join());
                it.remove();
            }
        }
        while (maxCommitsInFlight > 0 && inFlight.size() >= maxCommitsInFlight) {
            failed.addAll(inFlight.poll().join()); // the oldest first
        }
        Snapshot before = source.snapshot(clock.now());
        before = before.withPlanning(before.planning().withRoomHeld(heldRoom, nominated)).withHistory(history);
        long t1 = System.nanoTime();
        CycleResult result = cycle.decide(before);
        heldRoom = result.reservations();
        nominated = result.nominated();
        long t2 = System.nanoTime();
        if (!result.evictions().isEmpty()) {
            commit.evict(result.evictions());
        }
        for (GangDecision d : result.placed()) {
            inFlight.add(commit.bind(d));
        }
        if (maxCommitsInFlight == 0) {
            while (!inFlight.isEmpty()) {
                failed.addAll(inFlight.poll().join());
            }
        }
        long t3 = System.nanoTime();
        CycleReport report = reporter.report(result, source.snapshot(clock.now()));
        history = report.history();
        commit.report(report);
        long t4 = System.nanoTime();
        return new Outcome(result, report, failed, t1 - t0, t2 - t1, t3 - t2, t4 - t3);
    }
}
