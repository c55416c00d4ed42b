package dev.phalanx.scheduler.live;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CommitPort;
import dev.phalanx.core.cycle.CycleReport;
import dev.phalanx.core.cycle.Eviction;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.scheduler.metrics.SchedulerMetrics;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The live {@link CommitPort}: evictions through the Eviction API ({@link KubeEvictor}), bindings through
 * the API server's Binding ({@link KubeBinder}), and the report as status, Events and metrics
 * ({@link StatusWriter}, {@link SchedulerMetrics}).
 */
public final class KubeCommitter implements CommitPort {
    private final KubeEvictor evictor;
    private final KubeBinder binder;
    private final StatusWriter status;
    private final SchedulerMetrics metrics;

    public KubeCommitter(KubeEvictor evictor, KubeBinder binder, StatusWriter status, SchedulerMetrics metrics) {
        this.evictor = evictor;
        this.binder = binder;
        this.status = status;
        this.metrics = metrics;
    }

    @Override
    public void evict(List<Eviction> evictions) {
        evictor.evict(evictions);
    }

    @Override
    public CompletableFuture<List<Binding>> bind(GangDecision gang) {
        // a pod without a PodGroup is a gang of one, its key the gang's: it is told on itself that it was bound
        boolean single = gang.bindings().size() == 1 && gang.bindings().get(0).podKey().equals(gang.gangKey());
        return binder.bindAsync(gang.bindings(), single).thenApply(outcomes -> outcomes.stream()
                .filter(o -> !o.bound()).map(KubeBinder.Outcome::binding).toList());
    }

    @Override
    public void report(CycleReport report) {
        status.write(report);
        metrics.report(report);
    }
}
