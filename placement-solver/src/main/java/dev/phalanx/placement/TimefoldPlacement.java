package dev.phalanx.placement;

import ai.timefold.solver.core.api.score.HardMediumSoftScore;
import ai.timefold.solver.core.api.solver.SolverConfigOverride;
import ai.timefold.solver.core.api.solver.SolverFactory;
import ai.timefold.solver.core.config.localsearch.LocalSearchPhaseConfig;
import ai.timefold.solver.core.config.solver.EnvironmentMode;
import ai.timefold.solver.core.config.solver.SolverConfig;
import ai.timefold.solver.core.config.solver.termination.TerminationConfig;
import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.cycle.PlacementPolicy;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.placement.solver.PlacementConstraints;
import dev.phalanx.placement.solver.PlacementProblem;
import dev.phalanx.placement.solver.PodAssignment;

import java.util.List;

/**
 * Step 3 on Timefold Solver: {@link BestFitPlacement}'s placement is the warm start, and a local
 * search over the nodes that matter to the gang ({@link GangProblem}) looks for one that spans fewer
 * preferred domains or NVLink domains, then lets fragmentation grow less and keeps pods where they were
 * ({@link PlacementConstraints}: the warm start's own rules, as one score). The warm start already gives
 * each pod, one after the other, the node those rules rank first; a search runs only when a placement
 * might do better on the domain levels, or keep a pod on its previous node, than the warm start does. A
 * gang of unlike pods that best-fit could not place is searched for too, since placing pods one at a time
 * can miss a packing that exists.
 *
 * <p>It returns bindings for every pod or for none (invariant 2), and only placements that break no
 * hard constraint: no node or device over-committed (1), the required topology held (4). It reads
 * {@code capacity} and leaves it as it was. The same input and config give the same bindings (5).
 * A gang that cannot be placed gets best-fit's reason, which names the binding constraint and the
 * candidate that came closest.
 */
public final class TimefoldPlacement implements PlacementPolicy {
    /** Any score that places everything and breaks nothing hard. */
    private static final HardMediumSoftScore PLACED = HardMediumSoftScore.of(0, 0, Long.MIN_VALUE);

    private final PlacementConfig config;
    private final PreviousPlacements previous;
    private final BestFitPlacement warmStart = new BestFitPlacement();
    private final SolverFactory<PlacementProblem> solvers;

    public TimefoldPlacement(PlacementConfig config) {
        this(config, PreviousPlacements.NONE);
    }

    public TimefoldPlacement(PlacementConfig config, PreviousPlacements previous) {
        this.config = config;
        this.previous = previous;
        this.solvers = SolverFactory.create(new SolverConfig()
                .withSolutionClass(PlacementProblem.class)
                .withEntityClasses(PodAssignment.class)
                .withConstraintProviderClass(PlacementConstraints.class)
                .withEnvironmentMode(EnvironmentMode.NO_ASSERT) // reproducible: one seeded random, no asserts
                .withRandomSeed(config.seed())
                // the warm start is the construction: local search only
                .withPhases(new LocalSearchPhaseConfig())
                .withTerminationConfig(termination(PLACED)));
    }

    /** How hard it searches, and the seed of its random choices. */
    public PlacementConfig config() {
        return config;
    }

    private TerminationConfig termination(HardMediumSoftScore goal) {
        return new TerminationConfig()
                .withUnimprovedStepCountLimit(config.maxStepsWithoutImprovement())
                .withMoveCountLimit(config.maxMoves())
                .withSpentLimit(config.budget())
                .withBestScoreLimit(goal.toString());
    }

    @Override
    public Placement place(Gang gang, List<PodInfo> mustPlace, CapacityView capacity) {
        Placement warm = warmStart.place(gang, mustPlace, capacity);
        if (gang.hasSubGroups()) {
            return warm; // the subgroup placement chose every subgroup's domain together; the search moves pods one by one
        }
        if (!warm.placed()) {
            return repair(gang, mustPlace, capacity, warm);
        }
        if (beyondTheModel(mustPlace)) {
            return warm; // the search knows no rule about the pods around a pod: best fit's, member by member, stands
        }
        GangProblem.Cost warmCost = GangProblem.cost(warmStart, gang, mustPlace, warm.bindings(), capacity, previous);
        if (warmCost.moved() == 0 && (warmCost.structural() == 0 || mustPlace.size() == 1)) {
            return warm; // one pod, or nothing above fragmentation to gain: the warm start ranked every node by these rules
        }
        GangProblem problem = GangProblem.around(warmStart, gang, mustPlace, capacity, warm.bindings(), previous);
        Placement start = warm;
        GangProblem.Cost startCost = warmCost;
        List<Binding> fewestDomains = problem.fewestDomainsPlacement();
        if (fewestDomains != null) {
            GangProblem.Cost fewestDomainsCost = problem.cost(fewestDomains, previous);
            if (fewestDomainsCost.total() < startCost.total()) {
                start = Placement.of(fewestDomains);
                startCost = fewestDomainsCost;
            }
        }
        long bound = problem.structuralLowerBound();
        if (startCost.moved() == 0 && startCost.structural() <= bound) {
            return start; // nothing better exists above fragmentation: no search
        }
        problem.startFrom(start.bindings());
        // done once no domain can be spared and fragmentation is no worse than the start's: the search is for the
        // domain levels and previous nodes, fragmentation is what the warm start ranked every pod by
        PlacementProblem solved = solve(problem.solution(), HardMediumSoftScore.of(0, 0, -(bound + startCost.fragmentation())));
        return GangProblem.placesAll(solved) && -solved.getScore().softScore() < startCost.total()
                && keepsEveryRule(problem.bindings(solved), mustPlace, capacity) ? Placement.of(problem.bindings(solved)) : start;
    }

    /**
     * True when a member's place depends on rules the search does not model: inter-pod affinity, topology spread, host
     * ports, volumes. Such gangs keep best fit's placement, which asks {@link CapacityView#fits} for each member in turn.
     */
    static boolean beyondTheModel(List<PodInfo> pods) {
        for (PodInfo p : pods) {
            if (p.constraints().placedOneByOne()) {
                return true;
            }
        }
        return false;
    }

    /**
     * True when the bindings, taken one by one, each fit: also by the rules the search does not model (a node's pod
     * limit, the anti-affinity of pods already running). Leaves {@code capacity} as it found it.
     */
    static boolean keepsEveryRule(List<Binding> bindings, List<PodInfo> pods, CapacityView capacity) {
        java.util.Map<String, PodInfo> byName = new java.util.HashMap<>();
        pods.forEach(p -> byName.put(p.name(), p));
        List<Binding> taken = new java.util.ArrayList<>();
        try {
            for (Binding b : bindings) {
                PodInfo pod = byName.get(b.pod());
                Integer i = capacity.indexOf(b.node());
                if (pod == null || i == null || !capacity.fits(pod, i)) {
                    return false;
                }
                capacity.take(i, pod, b.gpuDevices());
                taken.add(b);
            }
            return true;
        } finally {
            for (int k = taken.size() - 1; k >= 0; k--) {
                Binding b = taken.get(k);
                capacity.give(capacity.indexOf(b.node()), byName.get(b.pod()), b.gpuDevices());
            }
        }
    }

    /** Best fit, and the search only when best fit finds nothing: no search for a better placement. */
    @Override
    public Placement placeQuickly(Gang gang, List<PodInfo> mustPlace, CapacityView capacity) {
        Placement warm = warmStart.placeQuickly(gang, mustPlace, capacity);
        return warm.placed() || gang.hasSubGroups() ? warm : repair(gang, mustPlace, capacity, warm);
    }

    private Placement repair(Gang gang, List<PodInfo> mustPlace, CapacityView capacity, Placement refused) {
        if (BestFitPlacement.identical(mustPlace) || beyondTheModel(mustPlace)) {
            return refused; // best-fit places identical pods wherever any placement could: nothing to search
        }
        for (GangProblem problem : GangProblem.repairs(warmStart, gang, mustPlace, capacity, previous)) {
            PlacementProblem solved = solve(problem.solution(), PLACED);
            if (GangProblem.placesAll(solved) && keepsEveryRule(problem.bindings(solved), mustPlace, capacity)) {
                return Placement.of(problem.bindings(solved));
            }
        }
        return refused;
    }

    private PlacementProblem solve(PlacementProblem problem, HardMediumSoftScore goal) {
        return solvers.buildSolver(new SolverConfigOverride().withTerminationConfig(termination(goal)))
                .solve(problem);
    }
}
