package dev.phalanx.placement;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.model.PodInfo;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where pods were placed before (a reservation held for a waiting gang, the previous cycle's decision):
 * {@link TimefoldPlacement} keeps a pod there when that costs nothing on any heavier level.
 */
@FunctionalInterface
public interface PreviousPlacements {
    PreviousPlacements NONE = pod -> null;

    /** The node {@code pod} had before, or null. */
    String nodeOf(PodInfo pod);

    static PreviousPlacements of(List<Binding> bindings) {
        Map<String, String> byPod = new HashMap<>();
        bindings.forEach(b -> byPod.put(b.podKey(), b.node()));
        return pod -> byPod.get(pod.key());
    }
}
