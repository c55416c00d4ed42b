package dev.phalanx.placement.solver;

import ai.timefold.solver.core.api.score.HardMediumSoftScore;
import ai.timefold.solver.core.api.score.stream.Constraint;
import ai.timefold.solver.core.api.score.stream.ConstraintCollectors;
import ai.timefold.solver.core.api.score.stream.ConstraintFactory;
import ai.timefold.solver.core.api.score.stream.ConstraintProvider;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.placement.solver.PlacementJustification.DevicesShort;
import dev.phalanx.placement.solver.PlacementJustification.FragmentationGrowth;
import dev.phalanx.placement.solver.PlacementJustification.InNvlinkDomain;
import dev.phalanx.placement.solver.PlacementJustification.GangPartlyPlaced;
import dev.phalanx.placement.solver.PlacementJustification.GangSpread;
import dev.phalanx.placement.solver.PlacementJustification.GangUnplaced;
import dev.phalanx.placement.solver.PlacementJustification.NodeRuledOut;
import dev.phalanx.placement.solver.PlacementJustification.Overcommitted;
import dev.phalanx.placement.solver.PlacementJustification.PodMoved;
import dev.phalanx.placement.solver.PlacementJustification.ShapeBroken;

import java.util.List;

/**
 * What makes one placement better than another.
 *
 * <p>Hard (never broken by a returned placement): no node over-committed on any resource, nor any GPU
 * device (invariant 1); every pod on a node it may run on; a required topology held (invariant 4);
 * every gang placed whole or not at all (invariant 2). Medium: gangs placed, earlier-admitted gangs
 * weighing more. Soft, in falling weight: fewest domains of the preferred topology; NVLink domains left
 * whole for the gangs that need one (none broken, then, for a gang without a topology, no pod inside one);
 * then the least growth of fragmentation, the free GPU the cycle's workload could not use; then keeping pods
 * on their previous node. These are the warm start's rules ({@code NodeChoice}), so the search improves on
 * its placement by the same measure. Each soft weight exceeds what the lighter constraints can add up to for
 * gangs of up to {@value #SOFT_DOMINANCE_LIMIT} pods on nodes of up to 64 GPUs, so the order holds level by
 * level.
 */
public final class PlacementConstraints implements ConstraintProvider {
    /** Pods in one gang up to which each soft weight outranks all lighter ones together. */
    public static final int SOFT_DOMINANCE_LIMIT = 99;
    public static final long EXTRA_PREFERRED_DOMAIN = 10_000_000_000_000L;
    public static final long BROKEN_NVLINK_DOMAIN = 100_000_000_000L;
    public static final long NVLINK_DOMAIN_USED = 1_000_000_000L;
    /** Per thousandth of a GPU the fragmentation grows; a node of 64 GPUs grows by at most 64,000. */
    public static final long FRAGMENTATION_PER_MILLI = 100;
    public static final long MOVED_POD = 1;

    @Override
    public Constraint[] defineConstraints(ConstraintFactory factory) {
        return new Constraint[]{
                capacity(factory),
                gpuDevices(factory),
                nodeFeasibility(factory),
                requiredTopology(factory),
                gangAtomicity(factory),
                unplacedGang(factory),
                preferredTopology(factory),
                brokenNvlinkDomain(factory),
                nvlinkDomainUsed(factory),
                fragmentation(factory),
                movedFromPreviousNode(factory)
        };
    }

    /** Per node, thousandths over-committed, each resource measured against what the node has of it. */
    Constraint capacity(ConstraintFactory factory) {
        return factory.forEach(PodAssignment.class)
                .groupBy(PodAssignment::getNode,
                        ConstraintCollectors.sum(a -> a.pod().requests(), Resources.NONE, Resources::add, Resources::subtract))
                .filter((node, requested) -> !requested.fitsIn(node.free()))
                .penalize(HardMediumSoftScore.ONE_HARD, PlacementConstraints::overcommitPerMille)
                .justifyWith((node, requested, score) -> new Overcommitted(node.name(), requested.exceeding(node.free())))
                .asConstraint("capacity");
    }

    static long overcommitPerMille(NodeSlot node, Resources requested) {
        long sum = 0;
        for (String r : requested.exceeding(node.free())) {
            double excess = requested.milli(r) - node.free().milli(r);
            double scale = Math.max(node.info().allocatable().milli(r), requested.milli(r));
            sum += Math.max(1, (long) Math.ceil(1000 * excess / scale));
        }
        return sum;
    }

    /** Pods on a node whose GPUs do not fit its devices: whole GPUs need untouched devices, fractions share one. */
    Constraint gpuDevices(ConstraintFactory factory) {
        return factory.forEach(PodAssignment.class)
                .filter(a -> a.gpuMilli() > 0)
                .groupBy(PodAssignment::getNode, ConstraintCollectors.toList(PodAssignment::pod))
                .filter((node, pods) -> packing(node, pods).unplaced() > 0)
                .penalize(HardMediumSoftScore.ONE_HARD, (node, pods) -> packing(node, pods).unplaced())
                .justifyWith((node, pods, score) -> new DevicesShort(node.name(), packing(node, pods).unplaced()))
                .asConstraint("gpuDevices");
    }

    private static DevicePacking.Result packing(NodeSlot node, List<PodInfo> pods) {
        return DevicePacking.pack(node.deviceFree(), pods);
    }

    /** A pod on a node it may never run on: unschedulable, nodeSelector, affinity, GPU model, taint, topology label. */
    Constraint nodeFeasibility(ConstraintFactory factory) {
        return factory.forEach(PodAssignment.class)
                .filter(a -> a.infeasibility() != null)
                .penalize(HardMediumSoftScore.ONE_HARD)
                .justifyWith((a, score) -> new NodeRuledOut(a.pod().key(), a.getNode().name(), a.infeasibility()))
                .asConstraint("nodeFeasibility");
    }

    /** A gang with a required topology spread over more than one of its domains: one per extra domain. */
    Constraint requiredTopology(ConstraintFactory factory) {
        return factory.forEach(PodAssignment.class)
                .filter(a -> a.gang().topologyRequired() != null)
                .groupBy(PodAssignment::gang, ConstraintCollectors.countDistinct(PodAssignment::requiredDomain))
                .filter((gang, domains) -> domains > 1)
                .penalize(HardMediumSoftScore.ONE_HARD, (gang, domains) -> domains - 1)
                .justifyWith((gang, domains, score) -> new GangSpread(gang.key(), gang.topologyRequired(), domains))
                .asConstraint("requiredTopology");
    }

    /** A gang with some but not all of its pods placed: one per missing pod. */
    Constraint gangAtomicity(ConstraintFactory factory) {
        return factory.forEachIncludingUnassigned(PodAssignment.class)
                .groupBy(PodAssignment::gang, ConstraintCollectors.sum(a -> a.assigned() ? 1 : 0))
                .filter((gang, placed) -> placed > 0 && placed < gang.mustPlace())
                .penalize(HardMediumSoftScore.ONE_HARD, (gang, placed) -> gang.mustPlace() - placed)
                .justifyWith((gang, placed, score) -> new GangPartlyPlaced(gang.key(), placed, gang.mustPlace()))
                .asConstraint("gangAtomicity");
    }

    /** A gang not placed in full, weighted by its admission rank. */
    Constraint unplacedGang(ConstraintFactory factory) {
        return factory.forEachIncludingUnassigned(PodAssignment.class)
                .groupBy(PodAssignment::gang, ConstraintCollectors.sum(a -> a.assigned() ? 1 : 0))
                .filter((gang, placed) -> placed < gang.mustPlace())
                .penalize(HardMediumSoftScore.ONE_MEDIUM, (gang, placed) -> gang.unplacedWeight())
                .justifyWith((gang, placed, score) -> new GangUnplaced(gang.key()))
                .asConstraint("unplacedGang");
    }

    /** A gang with a preferred topology spread over more than one of its domains: per extra domain. */
    Constraint preferredTopology(ConstraintFactory factory) {
        return factory.forEach(PodAssignment.class)
                .filter(a -> a.gang().topologyPreferred() != null)
                .groupBy(PodAssignment::gang, ConstraintCollectors.countDistinct(PodAssignment::preferredDomain))
                .filter((gang, domains) -> domains > 1)
                .penalize(HardMediumSoftScore.ONE_SOFT, (gang, domains) -> (domains - 1) * EXTRA_PREFERRED_DOMAIN)
                .justifyWith((gang, domains, score) -> new GangSpread(gang.key(), gang.topologyPreferred(), domains))
                .asConstraint("preferredTopology");
    }

    /** An NVLink domain with no GPU in use before, left partly used: large gangs needing one lose it. */
    Constraint brokenNvlinkDomain(ConstraintFactory factory) {
        return factory.forEach(PodAssignment.class)
                .filter(a -> a.gpuMilli() > 0 && a.getNode().nvlinkDomain() != null && a.getNode().nvlinkDomain().whole())
                .groupBy(a -> a.getNode().nvlinkDomain(), ConstraintCollectors.sum(PodAssignment::gpuMilli))
                .filter(PlacementConstraints::breaksNvlinkDomain)
                .penalize(HardMediumSoftScore.ONE_SOFT, (domain, gpuMilli) -> BROKEN_NVLINK_DOMAIN)
                .justifyWith((domain, gpuMilli, score) -> new ShapeBroken("NVLink domain", domain.name(), 1))
                .asConstraint("brokenNvlinkDomain");
    }

    /** A pod of a gang without a topology inside an NVLink domain: gangs that need a domain may want the room. */
    Constraint nvlinkDomainUsed(ConstraintFactory factory) {
        return factory.forEach(PodAssignment.class)
                .filter(a -> a.gang().topologyRequired() == null && a.gang().topologyPreferred() == null
                        && a.getNode().nvlinkDomain() != null)
                .penalize(HardMediumSoftScore.ONE_SOFT, a -> NVLINK_DOMAIN_USED)
                .justifyWith((a, score) -> new InNvlinkDomain(a.pod().key(), a.getNode().nvlinkDomain().name()))
                .asConstraint("nvlinkDomainUsed");
    }

    /** Per node, how much its fragmentation grows with the pods placed on it (a reward where it shrinks). */
    Constraint fragmentation(ConstraintFactory factory) {
        return factory.forEach(PodAssignment.class)
                .groupBy(PodAssignment::getNode, ConstraintCollectors.toList(PodAssignment::pod))
                .impact(HardMediumSoftScore.ONE_SOFT, (node, pods) -> -fragmentationCost(node, pods))
                .justifyWith((node, pods, score) -> new FragmentationGrowth(node.name(),
                        Math.round(node.fragmentationGrowth(pods))))
                .asConstraint("fragmentation");
    }

    /** What {@link #fragmentation} charges for {@code pods} on {@code node}. */
    public static long fragmentationCost(NodeSlot node, List<PodInfo> pods) {
        return Math.round(node.fragmentationGrowth(pods) * FRAGMENTATION_PER_MILLI);
    }

    /** True when {@code gpuMilli} placed in a domain that had no GPU in use leaves it partly used. */
    public static boolean breaksNvlinkDomain(NvlinkDomain domain, long gpuMilli) {
        return domain != null && domain.whole() && gpuMilli > 0 && gpuMilli < domain.freeGpuMilli();
    }

    /** A pod placed elsewhere than its previous node (a reservation, an earlier decision). */
    Constraint movedFromPreviousNode(ConstraintFactory factory) {
        return factory.forEach(PodAssignment.class)
                .filter(PodAssignment::movedFromPreviousNode)
                .penalize(HardMediumSoftScore.ONE_SOFT, a -> MOVED_POD)
                .justifyWith((a, score) -> new PodMoved(a.pod().key(), a.previousNode(), a.getNode().name()))
                .asConstraint("movedFromPreviousNode");
    }
}
