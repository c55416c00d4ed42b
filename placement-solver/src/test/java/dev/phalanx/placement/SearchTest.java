package dev.phalanx.placement;

import ai.timefold.solver.core.api.score.HardMediumSoftScore;
import ai.timefold.solver.core.api.solver.SolutionManager;
import ai.timefold.solver.core.api.solver.SolverFactory;
import ai.timefold.solver.core.config.localsearch.LocalSearchPhaseConfig;
import ai.timefold.solver.core.config.solver.EnvironmentMode;
import ai.timefold.solver.core.config.solver.SolverConfig;
import ai.timefold.solver.core.config.solver.termination.TerminationConfig;
import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.placement.solver.PlacementConstraints;
import dev.phalanx.placement.solver.PlacementProblem;
import dev.phalanx.placement.solver.PodAssignment;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.phalanx.placement.PlacementScenario.withCpu;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static org.assertj.core.api.Assertions.assertThat;

/** The search's parts: pricing without a solver, bounds, and the solver run with every assertion on. */
class SearchTest {
    private static final SolverFactory<PlacementProblem> CHECKED = SolverFactory.create(new SolverConfig()
            .withSolutionClass(PlacementProblem.class)
            .withEntityClasses(PodAssignment.class)
            .withConstraintProviderClass(PlacementConstraints.class)
            .withEnvironmentMode(EnvironmentMode.FULL_ASSERT)
            .withRandomSeed(0L)
            .withPhases(new LocalSearchPhaseConfig())
            .withTerminationConfig(new TerminationConfig().withUnimprovedStepCountLimit(50).withMoveCountLimit(20_000L)));

    private static List<PlacementScenario> scenarios() {
        return List.of(
                new PlacementScenario().nodes(node("roomy", 8), withCpu(node("lean", 8), 64))
                        .gang(podGroup("ns", "g", 2), pod("ns", "g-0").gpus(4).cpu("60"), pod("ns", "g-1").gpus(4).cpu("60")),
                new PlacementScenario().cliques(2, 3).running(pod("x", "r").gpus(3).onNode("c1-0").build())
                        .gang(3, 4, null, Keys.RACK_LABEL),
                new PlacementScenario().nodes(node("a", 2), node("b", 1))
                        .running(pod("x", "three-quarters").gpuFraction("0.75").onNode("a").build())
                        .gang(podGroup("ns", "g", 2), pod("ns", "g-0").gpuFraction("0.25"), pod("ns", "g-1").gpuFraction("0.5")),
                new PlacementScenario().cliques(3).gang(2, 8, Keys.CLIQUE_LABEL, null));
    }

    private record Problem(Gang gang, CapacityView view, GangProblem problem, List<dev.phalanx.core.cycle.Binding> warm) {
    }

    private static Problem problem(PlacementScenario scenario) {
        Snapshot s = scenario.snapshot();
        Gang gang = PlacementScenario.gangOf(s);
        CapacityView view = new CapacityView(s);
        BestFitPlacement warmStart = new BestFitPlacement();
        var warm = warmStart.place(gang, gang.pending(), view).bindings();
        return new Problem(gang, view, GangProblem.around(warmStart, gang, gang.pending(), view, warm, PreviousPlacements.NONE), warm);
    }

    @Test
    void theCostWorkedOutDirectlyIsWhatTheConstraintsChargeTheWarmStart() {
        SolutionManager<PlacementProblem, HardMediumSoftScore> scores = SolutionManager.create(CHECKED);
        for (PlacementScenario scenario : scenarios()) {
            Problem p = problem(scenario);
            HardMediumSoftScore score = scores.update(p.problem().solution());
            assertThat(score.hardScore()).isZero();
            assertThat(score.mediumScore()).isZero();
            assertThat(-score.softScore()).isEqualTo(p.problem().cost(p.warm(), PreviousPlacements.NONE).total());
        }
    }

    @Test
    void noSearchGoesBelowTheStructuralBoundAndTheSearchCorruptsNoScore() {
        for (PlacementScenario scenario : scenarios()) {
            Problem p = problem(scenario);
            long bound = p.problem().structuralLowerBound();
            PlacementProblem solved = CHECKED.buildSolver().solve(p.problem().solution()); // FULL_ASSERT: any corruption throws
            assertThat(GangProblem.placesAll(solved)).isTrue();
            assertThat(p.problem().cost(p.problem().bindings(solved), PreviousPlacements.NONE).structural())
                    .isGreaterThanOrEqualTo(bound);
        }
    }

    @Test
    void aGangWithoutTopologyWhoseEveryCandidateIsInOneWholeDomainPaysForItAndForEachPod() {
        // three nodes, all in NVLink domain c0: two 4-GPU pods must go into it and leave it partly used
        Problem p = problem(new PlacementScenario().cliques(3).gang(2, 4, null, null));
        long expected = PlacementConstraints.BROKEN_NVLINK_DOMAIN + 2 * PlacementConstraints.NVLINK_DOMAIN_USED;
        assertThat(p.problem().structuralLowerBound()).isEqualTo(expected);
        assertThat(p.problem().cost(p.warm(), PreviousPlacements.NONE).structural()).isEqualTo(expected);
    }
}
