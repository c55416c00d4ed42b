package dev.phalanx.bench.trace;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodConstraints;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodPhase;
import dev.phalanx.core.model.RequiredNodeAffinity;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.SubGroups;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Jobs larger than one NVLink domain, replayed in trace time on GB200 NVL72 racks under spines: each job is cut into
 * segments (tensor-parallel groups) of 64 or 72 GPUs, 16 or 18 pods of 4 GPUs, and each segment must sit inside one
 * rack ({@value Keys#CLIQUE_LABEL}); the job prefers one spine. Arrivals and durations are the Philly trace's; sizes
 * are a stated synthetic mix, since the trace's jobs are almost all of one to eight GPUs: each job draws (from the
 * seed) a segment of 64 or 72 GPUs and 1 to 8 segments of 64 (1 to 7 of 72), so 64 to 512 GPUs; the window's
 * arrivals are spread out in time until the GPU-seconds asked come to at most 70% of the cluster's ({@link #stretch}).
 *
 * <p>A job starts when all its segments fit (waiting jobs tried in arrival order at every arrival and departure) and
 * departs after its duration. At each start the replay records whether every segment sits in one rack, how many spines
 * the job spans, and the fewest spines that could have held it then: spines ranked by their free nodes, added one by
 * one until first-fit decreasing puts every segment into a rack with that many free nodes.
 */
public final class SegmentReplay {
    static final String SPINE_PREFIX = "spine-";

    /** What one replay measured; {@code multiSegment*} count jobs of two or more segments. */
    public record Outcome(int jobs, int started, int segmentsWhole, int multiSegmentStarted, long multiSegmentSpines,
                          int multiSegmentAtFewestSpines, long multiSegmentExtraSpines, double meanWaitSeconds) {
    }

    /** A job of the mix: its segments, each of {@code segmentPods} pods of 4 GPUs. */
    record Shape(int segments, int segmentPods) {
        int gpus() {
            return segments * segmentPods * NvlinkCluster.GPUS_PER_NODE;
        }
    }

    private record Running(long endSecond, Gang gang, List<Binding> bindings) {
    }

    private SegmentReplay() {
    }

    /** The size the mix gives job {@code index} for {@code seed}. */
    static Shape shape(long seed, int index) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + index);
        boolean wholeRack = r.nextBoolean();
        int pods = wholeRack ? NvlinkCluster.NODES_PER_DOMAIN : 16;
        int segments = 1 + r.nextInt(wholeRack ? 7 : 8);
        return new Shape(segments, pods);
    }

    /** {@code spines} spines of {@code racksPerSpine} NVL72 racks; each node labelled with its rack's clique and spine. */
    public static List<NodeInfo> nodes(int spines, int racksPerSpine) {
        List<NodeInfo> out = new ArrayList<>();
        for (NodeInfo n : NvlinkCluster.nodes(spines * racksPerSpine)) {
            int rack = Integer.parseInt(n.label(Keys.CLIQUE_LABEL).substring("nvl72-".length()));
            Map<String, String> labels = new HashMap<>(n.labels());
            labels.put(Keys.SPINE_LABEL, SPINE_PREFIX + String.format("%02d", rack / racksPerSpine));
            out.add(new NodeInfo(n.name(), labels, n.allocatable(), n.taints(), n.unschedulable()));
        }
        return out;
    }

    /** The gang of job {@code index}: its pods pending, its segments resolved, preferring one spine. */
    static Gang gangOf(Shape shape, int index, long createdAt) {
        String name = "job-" + index;
        List<PodInfo> pods = new ArrayList<>();
        int count = shape.segments() * shape.segmentPods();
        for (int k = 0; k < count; k++) {
            Resources requests = Resources.of(Keys.GPU, NvlinkCluster.GPUS_PER_NODE, Keys.CPU,
                    (double) NvlinkCluster.GPUS_PER_NODE * NvlinkCluster.CORES_PER_GPU);
            PodConstraints labels = new PodConstraints(Map.of("batch.kubernetes.io/job-completion-index", String.valueOf(k)),
                    List.of(), List.of());
            pods.add(new PodInfo("bench", String.format("%s-%03d", name, k), name, "q", Keys.SCHEDULER_NAME, requests, 0,
                    Map.of(), List.of(), RequiredNodeAffinity.NONE, null, 0, createdAt, PodPhase.PENDING, null, List.of(),
                    null, labels, Resources.NONE, null));
        }
        SubGroups segments = SubGroups.declared(List.of(), 0, shape.segmentPods(), Keys.CLIQUE_LABEL).resolve(pods, count);
        return new Gang("bench", name, false, "q", count, 0, null, Keys.SPINE_LABEL, true, createdAt, pods, null, segments);
    }

    public static Outcome run(int spines, int racksPerSpine, List<PhillyTrace.Job> jobs, long seed, GangPlacer placer) {
        List<NodeInfo> nodes = nodes(spines, racksPerSpine);
        CapacityView view = NvlinkCluster.emptyView(nodes);
        int[] rackOf = new int[nodes.size()];
        int[] spineOf = new int[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            rackOf[i] = Integer.parseInt(nodes.get(i).label(Keys.CLIQUE_LABEL).substring("nvl72-".length()));
            spineOf[i] = rackOf[i] / racksPerSpine;
        }
        long t0 = jobs.isEmpty() ? 0 : jobs.get(0).submitSecond();
        double stretch = stretch(jobs, seed, (long) nodes.size() * NvlinkCluster.GPUS_PER_NODE);
        PriorityQueue<Running> running = new PriorityQueue<>(Comparator.comparingLong(Running::endSecond));
        LinkedHashSet<PodInfo> runningPods = new LinkedHashSet<>();
        ArrayDeque<long[]> waiting = new ArrayDeque<>(); // {job, arrivedAt}
        long freeGpus = (long) nodes.size() * NvlinkCluster.GPUS_PER_NODE;
        int next = 0, started = 0, whole = 0, multi = 0, atFewest = 0;
        long spinesSum = 0, extraSum = 0, waitSum = 0;
        while (next < jobs.size() || !running.isEmpty()) {
            long nextArrival = next < jobs.size() ? arrival(jobs.get(next), t0, stretch) : Long.MAX_VALUE;
            long now;
            if (!running.isEmpty() && running.peek().endSecond() <= nextArrival) {
                now = running.peek().endSecond();
                while (!running.isEmpty() && running.peek().endSecond() == now) {
                    Running done = running.poll();
                    for (Binding b : done.bindings()) {
                        PodInfo p = pod(done.gang(), b);
                        view.give(view.indexOf(b.node()), p, b.gpuDevices());
                        runningPods.remove(p.bound(b.node(), b.gpuDevices()));
                        freeGpus += p.wholeGpus();
                    }
                }
            } else {
                now = nextArrival;
                while (next < jobs.size() && arrival(jobs.get(next), t0, stretch) == now) {
                    waiting.add(new long[]{next++, now});
                }
            }
            for (Iterator<long[]> it = waiting.iterator(); it.hasNext(); ) {
                long[] w = it.next();
                int index = (int) w[0];
                Shape shape = shape(seed, index);
                if (shape.gpus() > freeGpus) {
                    continue;
                }
                Gang gang = gangOf(shape, index, w[1]);
                List<Binding> bindings = LocalityReplay.tryStart(placer, gang, view, runningPods);
                if (bindings == null) {
                    continue;
                }
                it.remove();
                int fewest = fewestSpines(shape, view, rackOf, spineOf, spines * racksPerSpine, spines);
                for (Binding b : bindings) {
                    PodInfo p = pod(gang, b);
                    view.take(view.indexOf(b.node()), p, b.gpuDevices());
                    runningPods.add(p.bound(b.node(), b.gpuDevices()));
                }
                freeGpus -= shape.gpus();
                running.add(new Running(now + jobs.get(index).durationSeconds(), gang, bindings));
                started++;
                waitSum += now - w[1];
                whole += everySegmentInOneRack(gang, bindings, view, rackOf) ? 1 : 0;
                if (shape.segments() > 1) {
                    int spanned = spanned(bindings, view, spineOf);
                    multi++;
                    spinesSum += spanned;
                    atFewest += spanned <= fewest ? 1 : 0;
                    extraSum += Math.max(0, spanned - fewest);
                }
            }
            if (next >= jobs.size() && running.isEmpty()) {
                break;
            }
        }
        return new Outcome(jobs.size(), started, whole, multi, spinesSum, atFewest, extraSum,
                started == 0 ? 0 : (double) waitSum / started);
    }

    /** Where the load the mix offers is at most {@link #LOAD} of the cluster's GPUs. */
    static final double LOAD = 0.7;

    /**
     * How much the window's arrivals are spread out so that the GPU-seconds its jobs ask for, over the span of their
     * arrivals, come to at most {@link #LOAD} of the cluster: the trace's arrival rate with jobs 64 times its sizes
     * would keep any cluster of this size saturated for days. 1 when the window is light enough as it is.
     */
    static double stretch(List<PhillyTrace.Job> jobs, long seed, long clusterGpus) {
        if (jobs.size() < 2) {
            return 1;
        }
        double asked = 0;
        for (int k = 0; k < jobs.size(); k++) {
            asked += (double) shape(seed, k).gpus() * jobs.get(k).durationSeconds();
        }
        long span = Math.max(1, jobs.get(jobs.size() - 1).submitSecond() - jobs.get(0).submitSecond());
        return Math.max(1, asked / (span * (double) clusterGpus) / LOAD);
    }

    private static long arrival(PhillyTrace.Job job, long t0, double stretch) {
        return Math.round((job.submitSecond() - t0) * stretch);
    }

    private static PodInfo pod(Gang gang, Binding b) {
        int k = Integer.parseInt(b.pod().substring(b.pod().lastIndexOf('-') + 1));
        return gang.members().get(k);
    }

    static boolean everySegmentInOneRack(Gang gang, List<Binding> bindings, CapacityView view, int[] rackOf) {
        Map<String, Set<Integer>> racks = new HashMap<>();
        for (Binding b : bindings) {
            String segment = gang.subGroups().leafOf(pod(gang, b));
            racks.computeIfAbsent(segment, s -> new HashSet<>()).add(rackOf[view.indexOf(b.node())]);
        }
        return racks.values().stream().allMatch(r -> r.size() == 1);
    }

    private static int spanned(List<Binding> bindings, CapacityView view, int[] spineOf) {
        Set<Integer> spines = new HashSet<>();
        bindings.forEach(b -> spines.add(spineOf[view.indexOf(b.node())]));
        return spines.size();
    }

    /**
     * The fewest spines found to hold {@code shape} on the free capacity now: spines with the most free nodes first,
     * added until first-fit decreasing puts each segment into a rack with enough free nodes among them.
     */
    static int fewestSpines(Shape shape, CapacityView view, int[] rackOf, int[] spineOf, int racks, int spines) {
        int[] freeNodes = new int[racks];
        int[] spineFree = new int[spines];
        for (int i = 0; i < view.size(); i++) {
            if (view.wholeFreeDevices(i) == NvlinkCluster.GPUS_PER_NODE) {
                freeNodes[rackOf[i]]++;
                spineFree[spineOf[i]]++;
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int s = 0; s < spines; s++) {
            order.add(s);
        }
        order.sort(Comparator.<Integer>comparingInt(s -> -spineFree[s]).thenComparingInt(s -> s));
        List<Integer> bins = new ArrayList<>();
        for (int k = 0; k < spines; k++) {
            int spine = order.get(k);
            for (int rack = 0; rack < racks; rack++) {
                if (spineOfRack(rack, racks, spines) == spine) {
                    bins.add(freeNodes[rack]);
                }
            }
            if (holds(shape, bins)) {
                return k + 1;
            }
        }
        return Integer.MAX_VALUE;
    }

    private static int spineOfRack(int rack, int racks, int spines) {
        return rack / (racks / spines);
    }

    private static boolean holds(Shape shape, List<Integer> bins) {
        int[] free = bins.stream().mapToInt(Integer::intValue).toArray();
        for (int s = 0; s < shape.segments(); s++) {
            boolean put = false;
            for (int b = 0; b < free.length && !put; b++) {
                if (free[b] >= shape.segmentPods()) {
                    free[b] -= shape.segmentPods();
                    put = true;
                }
            }
            if (!put) {
                return false;
            }
        }
        return true;
    }
}
