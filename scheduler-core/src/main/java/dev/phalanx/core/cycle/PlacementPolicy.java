package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.PodInfo;

import java.util.List;

/**
 * Step 3: where the members of one gang run. Returns a binding for every pod in {@code mustPlace}, or
 * none and a reason (gang atomicity). It reads {@code capacity} and does not change it.
 */
public interface PlacementPolicy {
    Placement place(Gang gang, List<PodInfo> mustPlace, CapacityView capacity);

    /**
     * Any placement that keeps every hard rule, found as cheaply as the policy can: for questions that
     * only need a yes and a room to hold (would the gang fit the empty cluster, which nodes to reserve),
     * not for the bindings a gang gets. It finds a placement whenever {@link #place} would.
     */
    default Placement placeQuickly(Gang gang, List<PodInfo> mustPlace, CapacityView capacity) {
        return place(gang, mustPlace, capacity);
    }

    record Placement(List<Binding> bindings, String reasonCode, String reason) {
        public Placement {
            bindings = List.copyOf(bindings);
        }

        public static Placement of(List<Binding> bindings) {
            return new Placement(bindings, null, null);
        }

        public static Placement none(String code, String reason) {
            return new Placement(List.of(), code, reason);
        }

        public boolean placed() {
            return reason == null;
        }
    }
}
