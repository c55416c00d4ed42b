package dev.phalanx.scheduler.metrics;

import dev.phalanx.core.cycle.FairSharePolicy;
import dev.phalanx.core.cycle.PlacementPolicy;

/**
 * Hooks around the pure steps of a cycle, so their time can be measured without the core knowing of
 * metrics: the cycle is built from the wrapped policies (see {@code Policies.defaultCycle(CycleSteps)}).
 * A hook must return what the wrapped policy returns.
 */
public interface CycleSteps {
    FairSharePolicy fairShare(FairSharePolicy policy);

    PlacementPolicy placement(PlacementPolicy policy);

    /** No hooks: the policies as they are. */
    CycleSteps NONE = new CycleSteps() {
        @Override
        public FairSharePolicy fairShare(FairSharePolicy policy) {
            return policy;
        }

        @Override
        public PlacementPolicy placement(PlacementPolicy policy) {
            return policy;
        }
    };
}
