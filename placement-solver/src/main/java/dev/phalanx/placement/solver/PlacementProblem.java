package dev.phalanx.placement.solver;

import ai.timefold.solver.core.api.domain.solution.PlanningEntityCollectionProperty;
import ai.timefold.solver.core.api.domain.solution.PlanningScore;
import ai.timefold.solver.core.api.domain.solution.PlanningSolution;
import ai.timefold.solver.core.api.domain.solution.ProblemFactCollectionProperty;
import ai.timefold.solver.core.api.domain.valuerange.ValueRangeProvider;
import ai.timefold.solver.core.api.score.HardMediumSoftScore;

import java.util.List;

/**
 * The planning solution: the pods of the gangs to place and the candidate nodes they may go to. It
 * holds only the nodes relevant to these gangs, never the whole cluster, so a problem stays small.
 */
@PlanningSolution
public final class PlacementProblem {
    @ProblemFactCollectionProperty
    @ValueRangeProvider
    private List<NodeSlot> nodes;
    @PlanningEntityCollectionProperty
    private List<PodAssignment> assignments;
    @PlanningScore
    private HardMediumSoftScore score;

    /** For the solver's planning clones. */
    PlacementProblem() {
    }

    public PlacementProblem(List<NodeSlot> nodes, List<PodAssignment> assignments) {
        this.nodes = List.copyOf(nodes);
        this.assignments = List.copyOf(assignments);
    }

    // Timefold reads and writes the annotated fields through these bean accessors.

    public List<NodeSlot> getNodes() {
        return nodes;
    }

    public List<PodAssignment> getAssignments() {
        return assignments;
    }

    public HardMediumSoftScore getScore() {
        return score;
    }

    public void setScore(HardMediumSoftScore score) {
        this.score = score;
    }
}
