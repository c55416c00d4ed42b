package dev.phalanx.bench.trace;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodPhase;
import dev.phalanx.core.model.RequiredNodeAffinity;
import dev.phalanx.core.model.Resources;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;

/**
 * Replays Philly jobs as gangs on a cluster of NVLink domains, in trace time: a job arrives at its submit
 * time, starts when all its pods fit (waiting gangs are tried in arrival order at every arrival and
 * departure, a smaller one may start before a larger one that does not fit yet), and departs after its
 * duration. A job of {@code g} GPUs is a gang of {@code ceil(g/4)} pods of 4 GPUs (one node each), the
 * last pod holding the remainder.
 *
 * <p>At each start it records how many NVLink domains the gang spans and the fewest it could have spanned
 * given the free capacity at that moment: the smallest {@code k} such that the {@code k} domains with the
 * most fully free nodes (then the most free GPUs) together hold every pod of the gang on a node with
 * enough free whole GPUs. With an empty cluster that is {@code ceil(g / 72)}.
 */
public final class LocalityReplay {
    /** Started gangs of one size: how many, how many in the fewest domains possible, extra domains summed. */
    public record SizeStats(int started, int atFewest, long extraDomains) {
        public SizeStats plus(SizeStats other) {
            return new SizeStats(started + other.started, atFewest + other.atFewest, extraDomains + other.extraDomains);
        }
    }

    /**
     * What one replay measured. Multi-node gangs are those of more than one pod (8 GPUs or more here);
     * smaller gangs sit on one node and trivially in one domain.
     */
    public record Outcome(int gangs, int started, int multiNodeStarted, int multiNodeAtFewest, long multiNodeExtraDomains,
                          int fitOneDomainStarted, int fitOneDomainInOne, double meanWaitSeconds, Map<Integer, SizeStats> bySize) {
        public double multiNodeAtFewestPct() {
            return multiNodeStarted == 0 ? Double.NaN : 100.0 * multiNodeAtFewest / multiNodeStarted;
        }
    }

    private record Running(long endSecond, Gang gang, List<Binding> bindings) {
    }

    private record Waiting(int job, long arrivedAt) {
    }

    private LocalityReplay() {
    }

    /** The gang that runs {@code job}, its pods pending. */
    static Gang gangOf(PhillyTrace.Job job, int index, long createdAt) {
        String name = "job-" + index;
        List<PodInfo> pods = new ArrayList<>();
        int left = job.gpus();
        for (int k = 0; left > 0; k++) {
            int gpus = Math.min(NvlinkCluster.GPUS_PER_NODE, left);
            left -= gpus;
            Resources requests = Resources.of(Keys.GPU, gpus, Keys.CPU, (double) gpus * NvlinkCluster.CORES_PER_GPU);
            pods.add(new PodInfo("philly", name + "-" + k, name, job.cluster(), Keys.SCHEDULER_NAME, requests, 0, Map.of(),
                    List.of(), RequiredNodeAffinity.NONE, null, 0, createdAt, PodPhase.PENDING, null, List.of(), null));
        }
        return new Gang("philly", name, false, job.cluster(), pods.size(), 0, null, Keys.CLIQUE_LABEL, true, createdAt, pods,
                null);
    }

    public static Outcome run(int domains, List<PhillyTrace.Job> jobs, GangPlacer placer) {
        List<NodeInfo> nodes = NvlinkCluster.nodes(domains);
        CapacityView view = NvlinkCluster.emptyView(nodes);
        int[] domainOf = new int[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            domainOf[i] = Integer.parseInt(nodes.get(i).label(Keys.CLIQUE_LABEL).substring("nvl72-".length()));
        }
        long t0 = jobs.isEmpty() ? 0 : jobs.get(0).submitSecond();
        PriorityQueue<Running> running = new PriorityQueue<>(Comparator.comparingLong(Running::endSecond));
        java.util.LinkedHashSet<PodInfo> runningPods = new java.util.LinkedHashSet<>();
        ArrayDeque<Waiting> waiting = new ArrayDeque<>();
        long freeGpus = (long) nodes.size() * NvlinkCluster.GPUS_PER_NODE;
        int next = 0, started = 0, multi = 0, multiFewest = 0, fitOne = 0, fitOneInOne = 0;
        long multiExtra = 0, waitSum = 0;
        Map<Integer, SizeStats> bySize = new TreeMap<>();
        while (next < jobs.size() || !running.isEmpty()) {
            long nextArrival = next < jobs.size() ? jobs.get(next).submitSecond() - t0 : Long.MAX_VALUE;
            long now;
            if (!running.isEmpty() && running.peek().endSecond() <= nextArrival) {
                now = running.peek().endSecond();
                while (!running.isEmpty() && running.peek().endSecond() == now) {
                    Running done = running.poll();
                    release(view, done);
                    runningPods.removeAll(bound(done.gang(), done.bindings()));
                    freeGpus += jobs.get(indexOf(done.gang())).gpus();
                }
            } else {
                now = nextArrival;
                while (next < jobs.size() && jobs.get(next).submitSecond() - t0 == now) {
                    waiting.add(new Waiting(next++, now));
                }
            }
            for (Iterator<Waiting> it = waiting.iterator(); it.hasNext(); ) {
                Waiting w = it.next();
                PhillyTrace.Job job = jobs.get(w.job());
                if (job.gpus() > freeGpus) {
                    continue;
                }
                Gang gang = gangOf(job, w.job(), w.arrivedAt());
                List<Binding> bindings = tryStart(placer, gang, view, runningPods);
                if (bindings == null) {
                    continue;
                }
                it.remove();
                int fewest = fewestDomains(gang, view, domainOf, domains); // on the capacity before this gang
                commit(view, gang, bindings);
                runningPods.addAll(bound(gang, bindings));
                freeGpus -= job.gpus();
                running.add(new Running(now + job.durationSeconds(), gang, bindings));
                started++;
                waitSum += now - w.arrivedAt();
                int spanned = spannedDomains(bindings, view, domainOf);
                int extra = spanned - fewest;
                bySize.merge(job.gpus(), new SizeStats(1, extra == 0 ? 1 : 0, extra), SizeStats::plus);
                if (gang.members().size() > 1) {
                    multi++;
                    multiFewest += extra == 0 ? 1 : 0;
                    multiExtra += extra;
                    if (job.gpus() <= NvlinkCluster.GPUS_PER_DOMAIN) {
                        fitOne++;
                        fitOneInOne += spanned == 1 ? 1 : 0;
                    }
                }
            }
            if (next >= jobs.size() && running.isEmpty()) {
                break; // what still waits can never start: nothing more will free up
            }
        }
        return new Outcome(jobs.size(), started, multi, multiFewest, multiExtra, fitOne, fitOneInOne,
                started == 0 ? 0 : (double) waitSum / started, bySize);
    }

    /** The placer's bindings for {@code gang} on the view a cycle's snapshot would give: the pods running and the gang's. */
    static List<Binding> tryStart(GangPlacer placer, Gang gang, CapacityView view, java.util.Collection<PodInfo> running) {
        List<PodInfo> cyclePods = new ArrayList<>(running);
        cyclePods.addAll(gang.members());
        return placer.place(gang, view.withPods(cyclePods));
    }

    private static int indexOf(Gang gang) {
        return Integer.parseInt(gang.name().substring("job-".length()));
    }

    private static List<PodInfo> bound(Gang gang, List<Binding> bindings) {
        List<PodInfo> out = new ArrayList<>(bindings.size());
        for (Binding b : bindings) {
            out.add(pod(gang, b).bound(b.node(), b.gpuDevices()));
        }
        return out;
    }

    private static void commit(CapacityView view, Gang gang, List<Binding> bindings) {
        for (Binding b : bindings) {
            view.take(view.indexOf(b.node()), pod(gang, b), b.gpuDevices());
        }
    }

    private static void release(CapacityView view, Running r) {
        for (Binding b : r.bindings()) {
            view.give(view.indexOf(b.node()), pod(r.gang(), b), b.gpuDevices());
        }
    }

    private static PodInfo pod(Gang gang, Binding b) {
        for (PodInfo p : gang.members()) {
            if (p.name().equals(b.pod())) {
                return p;
            }
        }
        throw new IllegalStateException("binding for " + b.podKey() + " is not a member of gang " + gang.key());
    }

    static int spannedDomains(List<Binding> bindings, CapacityView view, int[] domainOf) {
        Set<Integer> domains = new HashSet<>();
        for (Binding b : bindings) {
            domains.add(domainOf[view.indexOf(b.node())]);
        }
        return domains.size();
    }

    /**
     * The fewest domains that could hold {@code gang} now: domains ranked by fully free nodes, then free GPUs,
     * added one by one until their nodes hold every pod (largest pod first, each on the node with the least
     * free whole GPUs that still holds it). {@code Integer.MAX_VALUE} when even all domains cannot.
     */
    static int fewestDomains(Gang gang, CapacityView view, int[] domainOf, int domains) {
        int[] wholeNodes = new int[domains];
        long[] freeGpu = new long[domains];
        for (int i = 0; i < view.size(); i++) {
            int free = view.wholeFreeDevices(i);
            freeGpu[domainOf[i]] += free;
            if (free == NvlinkCluster.GPUS_PER_NODE) {
                wholeNodes[domainOf[i]]++;
            }
        }
        Integer[] order = new Integer[domains];
        for (int d = 0; d < domains; d++) {
            order[d] = d;
        }
        Arrays.sort(order, Comparator.<Integer>comparingInt(d -> -wholeNodes[d]).thenComparingLong(d -> -freeGpu[d]).thenComparingInt(d -> d));
        int[] podGpus = gang.members().stream().mapToInt(PodInfo::wholeGpus).sorted().toArray();
        List<Integer> free = new ArrayList<>();
        for (int k = 0; k < domains; k++) {
            for (int i = 0; i < view.size(); i++) {
                if (domainOf[i] == order[k]) {
                    free.add(view.wholeFreeDevices(i));
                }
            }
            if (holds(podGpus, free)) {
                return k + 1;
            }
        }
        return Integer.MAX_VALUE;
    }

    private static boolean holds(int[] podGpusAscending, List<Integer> nodeFree) {
        int[] free = nodeFree.stream().mapToInt(Integer::intValue).sorted().toArray();
        for (int p = podGpusAscending.length - 1; p >= 0; p--) {
            int need = podGpusAscending[p];
            int at = -1;
            for (int i = 0; i < free.length; i++) {
                if (free[i] >= need) {
                    at = i;
                    break;
                }
            }
            if (at < 0) {
                return false;
            }
            free[at] -= need;
            Arrays.sort(free);
        }
        return true;
    }
}
