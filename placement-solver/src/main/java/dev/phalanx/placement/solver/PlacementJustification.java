package dev.phalanx.placement.solver;

import ai.timefold.solver.core.api.score.stream.ConstraintJustification;

import java.util.List;

/**
 * Why a constraint weighs on a placement, one record per constraint, in the terms a user reads
 * (nodes, pods, gangs, domains by name): what a score analysis of a placement lists.
 */
public sealed interface PlacementJustification extends ConstraintJustification {
    record Overcommitted(String node, List<String> resources) implements PlacementJustification {
    }

    record DevicesShort(String node, int pods) implements PlacementJustification {
    }

    record NodeRuledOut(String pod, String node, String reason) implements PlacementJustification {
    }

    record GangSpread(String gang, String topologyKey, long domains) implements PlacementJustification {
    }

    record GangPartlyPlaced(String gang, long placed, int needed) implements PlacementJustification {
    }

    record GangUnplaced(String gang) implements PlacementJustification {
    }

    /** {@code count} whole {@code shape}s (GPU device, node, NVLink domain) left partly used, at {@code where}. */
    record ShapeBroken(String shape, String where, long count) implements PlacementJustification {
    }

    record PodMoved(String pod, String from, String to) implements PlacementJustification {
    }

    /** A pod of a gang without a topology placed inside NVLink domain {@code domain}, which gangs needing one may want. */
    record InNvlinkDomain(String pod, String domain) implements PlacementJustification {
    }

    /** The free GPU of {@code node} the workload could not use grew by {@code gpuMilli} thousandths (negative: shrank). */
    record FragmentationGrowth(String node, long gpuMilli) implements PlacementJustification {
    }
}
