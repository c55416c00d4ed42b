package dev.phalanx.queue.reconcile;

import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.api.v1alpha1.QueueStatus;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.queue.status.StatusBoard;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Observes a Queue, validates what its schema cannot ({@link QueueValidation}), and records status:
 * the cycle's fair share, allocation, requests, usage history and gangs by phase from the {@link StatusBoard},
 * and the validation conditions. Writes only when something changed; until a cycle has published the queue,
 * the cycle's part of its status is left as the last scheduler wrote it.
 */
public final class QueueReconciler implements Reconciler<Queue> {
    private final StatusBoard board;
    private final Clock clock;

    public QueueReconciler(StatusBoard board, Clock clock) {
        this.board = board;
        this.clock = clock;
    }

    @Override
    public List<EventSource<?, Queue>> prepareEventSources(EventSourceContext<Queue> context) {
        return List.of(board.<Queue>eventSource(StatusBoard.Kind.QUEUE));
    }

    @Override
    public UpdateControl<Queue> reconcile(Queue queue, Context<Queue> context) {
        QueueStatus current = queue.getStatus();
        QueueStatus next = new QueueStatus();
        var published = board.queue(queue.getMetadata().getName());
        published.ifPresent(s -> {
            next.setFairShare(s.getFairShare());
            next.setAllocated(s.getAllocated());
            next.setRequested(s.getRequested());
            next.setDecayedUsage(s.getDecayedUsage());
            next.setDecayedUsageTime(s.getDecayedUsageTime());
            next.setEffectiveWeight(s.getEffectiveWeight());
            next.setPodGroups(s.getPodGroups());
        });
        if (published.isEmpty() && current != null) {
            // no cycle has spoken of this queue yet (a scheduler just started or elected): what the last one wrote
            // stays, above all the usage history the first cycle continues from
            next.setFairShare(current.getFairShare());
            next.setAllocated(current.getAllocated());
            next.setRequested(current.getRequested());
            next.setDecayedUsage(current.getDecayedUsage());
            next.setDecayedUsageTime(current.getDecayedUsageTime());
            next.setEffectiveWeight(current.getEffectiveWeight());
            next.setPodGroups(current.getPodGroups());
        }
        next.setConditions(QueueValidation.carryTransitionTimes(
                QueueValidation.conditions(queue, context.getPrimaryCache().list().toList(), Instant.ofEpochMilli(clock.now()).toString()),
                current == null ? null : current.getConditions()));
        if (Objects.equals(current, next)) {
            return UpdateControl.noUpdate();
        }
        Queue patch = new Queue();
        patch.setMetadata(new ObjectMeta());
        patch.getMetadata().setName(queue.getMetadata().getName());
        patch.setStatus(next);
        return UpdateControl.patchStatus(patch);
    }
}
