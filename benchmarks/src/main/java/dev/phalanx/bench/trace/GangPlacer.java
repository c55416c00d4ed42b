package dev.phalanx.bench.trace;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.cycle.PlacementPolicy;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.scheduler.Policies;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/** How the locality bench gives a gang's pods nodes: all of them, or none (then the gang waits). */
public interface GangPlacer {
    /** Bindings for every pending member of {@code gang}, or null when they do not all fit; leaves {@code view} unchanged. */
    List<Binding> place(Gang gang, CapacityView view);

    /** What produces Phalanx's row: the placement the scheduler's cycle runs. */
    String PHALANX = "the scheduler's placement, Policies.placement(seed): TimefoldPlacement, warm start BestFitPlacement";

    /**
     * Phalanx: the placement the scheduler's cycle runs ({@link Policies#placement}), each gang with its topology
     * preference; the view holds the pods running and the gang, as a cycle's snapshot would.
     */
    static GangPlacer phalanx(long seed) {
        PlacementPolicy placement = Policies.placement(seed);
        return (gang, view) -> {
            PlacementPolicy.Placement p = placement.place(gang, gang.pending(), view);
            return p.placed() ? p.bindings() : null;
        };
    }

    /**
     * Baseline: each pod on its own goes to the node it leaves with the fewest free GPUs (then the least free
     * CPU), as kube-scheduler's most-allocated scoring would, equal nodes chosen at random; nothing knows the
     * pods belong together. The gang still starts whole or not at all, so the comparison is about where.
     */
    static GangPlacer nodeByNodeBestFit(RandomGenerator random) {
        return (gang, view) -> {
            Tentative taken = new Tentative(view);
            boolean all = true;
            for (PodInfo pod : gang.pending()) {
                int best = -1, ties = 0;
                long bestGpu = 0, bestCpu = 0;
                for (int i = 0; i < view.size(); i++) {
                    if (!view.fits(pod, i)) {
                        continue;
                    }
                    long gpu = view.freeGpuMilli(i) - pod.requests().milli(Keys.GPU);
                    long cpu = view.free(i).milli(Keys.CPU) - pod.requests().milli(Keys.CPU);
                    if (best < 0 || gpu < bestGpu || (gpu == bestGpu && cpu < bestCpu)) {
                        best = i;
                        bestGpu = gpu;
                        bestCpu = cpu;
                        ties = 1;
                    } else if (gpu == bestGpu && cpu == bestCpu && random.nextInt(++ties) == 0) {
                        best = i;
                    }
                }
                if (best < 0) {
                    all = false;
                    break;
                }
                taken.take(best, pod);
            }
            return taken.giveBack(all);
        };
    }

    /** What produces the segmented baseline's row. */
    String SEGMENT_GREEDY = "segment by segment: each segment, in index order, into the rack with the least free GPU that "
            + "holds it, pods by best fit inside it; no look at spines or at the segments still to come";

    /**
     * Baseline for jobs in segments: each segment on its own, in index order, goes to the NVLink domain with the least
     * free GPU that still holds it (best fit over racks, so it keeps segments whole as a domain-aware scheduler placing
     * one group at a time would), each pod inside it to the node it leaves fullest. Nothing chooses the racks of a job's
     * segments together or looks at spines. The job still starts whole or not at all.
     */
    static GangPlacer segmentBySegment() {
        return (gang, view) -> {
            dev.phalanx.core.model.SubGroups tree = gang.subGroups();
            dev.phalanx.core.cycle.TopologyIndex racks = view.topology(Keys.CLIQUE_LABEL);
            Tentative taken = new Tentative(view);
            boolean all = true;
            for (dev.phalanx.core.model.SubGroups.Node segment : tree.nodes()) {
                List<PodInfo> pods = tree.membersOf(segment.name(), gang.pending());
                long gpu = 0;
                for (PodInfo p : pods) {
                    gpu += p.requests().milli(Keys.GPU);
                }
                int chosen = -1;
                List<Integer> candidates = new ArrayList<>();
                racks.leastFreeFirst(gpu).forEach(candidates::add);
                for (int d : candidates) {
                    int fitting = 0;
                    for (int i : racks.nodes(d)) {
                        fitting += view.copiesThatFit(pods.get(0), i);
                    }
                    if (fitting >= pods.size()) {
                        chosen = d;
                        break;
                    }
                }
                if (chosen < 0) {
                    all = false;
                    break;
                }
                for (PodInfo pod : pods) {
                    int best = -1;
                    long bestGpu = 0;
                    for (int i : racks.nodes(chosen)) {
                        if (view.fits(pod, i) && (best < 0 || view.freeGpuMilli(i) < bestGpu)) {
                            best = i;
                            bestGpu = view.freeGpuMilli(i);
                        }
                    }
                    taken.take(best, pod);
                }
            }
            return taken.giveBack(all);
        };
    }

    /** Pods taken on a view one by one while a placement is tried, given back in reverse when it is done. */
    final class Tentative {
        private final CapacityView view;
        private final List<Binding> bindings = new ArrayList<>();
        private final List<PodInfo> pods = new ArrayList<>();
        private final List<Integer> nodes = new ArrayList<>();

        Tentative(CapacityView view) {
            this.view = view;
        }

        void take(int node, PodInfo pod) {
            List<Integer> devices = view.chooseDevices(node, pod);
            view.take(node, pod, devices);
            pods.add(pod);
            nodes.add(node);
            bindings.add(new Binding(pod.namespace(), pod.name(), view.node(node).name(), devices));
        }

        /** Gives every pod back; the bindings when {@code all} were placed, else null. */
        List<Binding> giveBack(boolean all) {
            for (int k = pods.size() - 1; k >= 0; k--) {
                view.give(nodes.get(k), pods.get(k), bindings.get(k).gpuDevices());
            }
            return all ? List.copyOf(bindings) : null;
        }
    }
}
