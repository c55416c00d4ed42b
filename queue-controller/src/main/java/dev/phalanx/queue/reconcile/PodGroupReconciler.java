package dev.phalanx.queue.reconcile;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.PodGroupStatus;
import dev.phalanx.queue.status.StatusBoard;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;

import java.util.List;
import java.util.Objects;

/**
 * Records a PodGroup's status (phase, scheduled and running members, the Scheduled condition with the
 * reason a gang waits, placement) as the last cycle concluded it; writes only when it changed.
 */
public final class PodGroupReconciler implements Reconciler<PodGroup> {
    private final StatusBoard board;

    public PodGroupReconciler(StatusBoard board) {
        this.board = board;
    }

    @Override
    public List<EventSource<?, PodGroup>> prepareEventSources(EventSourceContext<PodGroup> context) {
        return List.of(board.<PodGroup>eventSource(StatusBoard.Kind.POD_GROUP));
    }

    @Override
    public UpdateControl<PodGroup> reconcile(PodGroup group, Context<PodGroup> context) {
        if (context.isPrimaryResourceDeleted()) {
            board.forgetPodGroup(group.getMetadata().getNamespace(), group.getMetadata().getName());
            return UpdateControl.noUpdate();
        }
        PodGroupStatus next = board.podGroup(group.getMetadata().getNamespace(), group.getMetadata().getName()).orElse(null);
        if (next == null || Objects.equals(group.getStatus(), next)) {
            return UpdateControl.noUpdate();
        }
        PodGroup patch = new PodGroup();
        patch.setMetadata(new ObjectMeta());
        patch.getMetadata().setName(group.getMetadata().getName());
        patch.getMetadata().setNamespace(group.getMetadata().getNamespace());
        patch.setStatus(next);
        return UpdateControl.patchStatus(patch);
    }
}
