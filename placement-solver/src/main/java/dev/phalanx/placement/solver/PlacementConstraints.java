package dev.phalanx.placement.solver;

import ai.timefold.solver.core.api.score.HardMediumSoftScore;
import ai.timefold.solver.core.api.score.stream.Constraint;
import ai.timefold.solver.core.api.score.stream.ConstraintCollectors;
import ai.timefold.solver.core.api.score.stream.ConstraintFactory;
import ai.timefold.solver.core.api.score.stream.ConstraintProvider;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.placement.solver.PlacementJustification.DevicesShort;
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
 * weighing more. Soft, in falling weight: fewest domains of the preferred topology; then leaving free
 * GPUs in shapes later gangs can use (whole NVLink domains, whole nodes, whole devices); then keeping
 * pods on their previous node. Each soft weight exceeds what the lighter constraints can add up to for
 * gangs of up to {@value #SOFT_DOMINANCE_LIMIT} pods, so the order holds level by level.
 */
public final class PlacementConstraints implements ConstraintProvider {
    /** Pods in one gang up to which each soft weight outranks all lighter ones together. */
    public static final int SOFT_DOMINANCE_LIMIT = 99;
    public static final long EXTRA_PREFERRED_DOMAIN = 100_000_000;
    public static final long BROKEN_NVLINK_DOMAIN = 1_000_000;
    public static final long BROKEN_WHOLE_NODE = 10_000;
    public static final long SPLIT_WHOLE_DEVICE = 100;
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
                brokenWholeNode(factory),
                splitWholeDevice(factory),
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

    /** A node with all its GPUs free before, left partly used: whole-node pods lose it. */
    Constraint brokenWholeNode(ConstraintFactory factory) {
        return factory.forEach(PodAssignment.class)
                .filter(a -> a.gpuMilli() > 0 && a.getNode().gpusUntouched())
                .groupBy(PodAssignment::getNode, ConstraintCollectors.sum(PodAssignment::gpuMilli))
                .filter(PlacementConstraints::breaksWholeNode)
                .penalize(HardMediumSoftScore.ONE_SOFT, (node, gpuMilli) -> BROKEN_WHOLE_NODE)
                .justifyWith((node, gpuMilli, score) -> new ShapeBroken("node", node.name(), 1))
                .asConstraint("brokenWholeNode");
    }

    /** GPU devices nobody used before, left partly used by fractions: whole-GPU pods lose them. */
    Constraint splitWholeDevice(ConstraintFactory factory) {
        return factory.forEach(PodAssignment.class)
                .filter(a -> a.pod().gpuFractionMilli() > 0)
                .groupBy(PodAssignment::getNode, ConstraintCollectors.toList(PodAssignment::pod))
                .filter((node, pods) -> splitDevices(node, pods) > 0)
                .penalize(HardMediumSoftScore.ONE_SOFT, (node, pods) -> splitDevices(node, pods) * SPLIT_WHOLE_DEVICE)
                .justifyWith((node, pods, score) -> new ShapeBroken("GPU device", node.name(), splitDevices(node, pods)))
                .asConstraint("splitWholeDevice");
    }

    /** True when {@code gpuMilli} placed in a domain that had no GPU in use leaves it partly used. */
    public static boolean breaksNvlinkDomain(NvlinkDomain domain, long gpuMilli) {
        return domain != null && domain.whole() && gpuMilli > 0 && gpuMilli < domain.freeGpuMilli();
    }

    /** True when {@code gpuMilli} placed on a node with all its GPUs free leaves it partly used. */
    public static boolean breaksWholeNode(NodeSlot node, long gpuMilli) {
        return node.gpusUntouched() && gpuMilli > 0 && gpuMilli < node.freeGpuMilli();
    }

    /** Devices of {@code node} nobody used before that {@code pods}' fractions leave partly used. */
    public static int splitDevices(NodeSlot node, List<PodInfo> pods) {
        return packing(node, pods).splitDevices();
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
