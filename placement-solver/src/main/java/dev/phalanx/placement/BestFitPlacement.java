package dev.phalanx.placement;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.cycle.PlacementPolicy;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Resources;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Step 3, constructive gang placement: best-fit domain, then best-fit nodes inside it.
 *
 * <p>A gang with a required topology key goes into the domain (value of that node label) with the
 * least free GPU that still holds every member (invariant 4); with a preferred key, into one such
 * domain when one holds it, else anywhere. Inside the chosen nodes each pod, largest first, goes to the
 * node it leaves with the fewest free GPUs, then the least free CPU, keeping whole nodes free for
 * large gangs. All members fit or none is placed (invariant 2).
 */
public final class BestFitPlacement implements PlacementPolicy {
    private static final Comparator<PodInfo> LARGEST_FIRST = Comparator
            .comparingLong((PodInfo p) -> p.requests().milli(Keys.GPU)).reversed()
            .thenComparing(Comparator.comparingLong((PodInfo p) -> p.requests().milli(Keys.CPU)).reversed())
            .thenComparing(PodInfo::name);

    @Override
    public Placement place(Gang gang, List<PodInfo> mustPlace, CapacityView view) {
        List<PodInfo> pods = new ArrayList<>(mustPlace);
        pods.sort(LARGEST_FIRST);
        String required = gang.topologyRequired();
        String key = required != null ? required : gang.topologyPreferred();
        if (key != null) {
            Map<String, List<Integer>> domains = domains(view, key, boundDomain(gang, view, key));
            DomainChoice best = bestFitDomain(domains, pods, view);
            if (best != null) {
                return Placement.of(best.bindings);
            }
            if (required != null) {
                return Placement.none("TopologyUnsatisfiable", topologyReason(gang, pods, domains, view, key));
            }
        }
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < view.size(); i++) {
            all.add(i);
        }
        List<Binding> b = tryPlace(pods, all, view);
        return b != null ? Placement.of(b) : Placement.none(noRoomCode(pods, all, view), noRoomReason(pods, all, view));
    }

    /** The domain a started gang runs (or ran) in: its later members must join it there. */
    private static String boundDomain(Gang gang, CapacityView view, String key) {
        for (PodInfo p : gang.members()) {
            if (p.nodeName() == null) {
                continue;
            }
            Integer i = view.indexOf(p.nodeName());
            if (i != null && view.node(i).label(key) != null) {
                return view.node(i).label(key);
            }
        }
        return null;
    }

    private static Map<String, List<Integer>> domains(CapacityView view, String key, String only) {
        Map<String, List<Integer>> domains = new TreeMap<>();
        for (int i = 0; i < view.size(); i++) {
            String v = view.node(i).label(key);
            if (v != null && (only == null || only.equals(v))) {
                domains.computeIfAbsent(v, k -> new ArrayList<>()).add(i);
            }
        }
        return domains;
    }

    private record DomainChoice(String domain, long freeGpuMilli, List<Binding> bindings) {
    }

    private static long freeGpu(List<Integer> nodes, CapacityView view) {
        long sum = 0;
        for (int i : nodes) {
            sum += view.freeGpuMilli(i);
        }
        return sum;
    }

    private DomainChoice bestFitDomain(Map<String, List<Integer>> domains, List<PodInfo> pods, CapacityView view) {
        long needGpu = 0;
        for (PodInfo p : pods) {
            needGpu += p.requests().milli(Keys.GPU);
        }
        DomainChoice best = null;
        for (Map.Entry<String, List<Integer>> d : domains.entrySet()) {
            long free = freeGpu(d.getValue(), view);
            if (free < needGpu || (best != null && free >= best.freeGpuMilli)) {
                continue; // cannot hold it, or cannot beat the best fit found so far
            }
            List<Binding> b = tryPlace(pods, d.getValue(), view);
            if (b != null) {
                best = new DomainChoice(d.getKey(), free, b);
            }
        }
        return best;
    }

    /** Best-fit of every pod onto {@code nodes}; bindings for all, or null. Leaves {@code view} as it found it. */
    static List<Binding> tryPlace(List<PodInfo> pods, List<Integer> nodes, CapacityView view) {
        List<Binding> bindings = new ArrayList<>(pods.size());
        List<int[]> taken = new ArrayList<>();
        boolean ok = true;
        for (int k = 0; k < pods.size() && ok; k++) {
            PodInfo pod = pods.get(k);
            int best = -1;
            long bestGpu = 0, bestCpu = 0;
            for (int i : nodes) {
                if (!view.fits(pod, i)) {
                    continue;
                }
                long gpuAfter = view.freeGpuMilli(i) - pod.requests().milli(Keys.GPU);
                long cpuAfter = view.free(i).milli(Keys.CPU) - pod.requests().milli(Keys.CPU);
                if (best < 0 || gpuAfter < bestGpu || (gpuAfter == bestGpu && cpuAfter < bestCpu)) {
                    best = i;
                    bestGpu = gpuAfter;
                    bestCpu = cpuAfter;
                }
            }
            if (best < 0) {
                ok = false;
                break;
            }
            List<Integer> devices = view.chooseDevices(best, pod);
            view.take(best, pod, devices);
            taken.add(new int[]{k, best});
            bindings.add(new Binding(pod.namespace(), pod.name(), view.node(best).name(), devices));
        }
        for (int t = taken.size() - 1; t >= 0; t--) {
            int[] kt = taken.get(t);
            view.give(kt[1], pods.get(kt[0]), bindings.get(t).gpuDevices());
        }
        return ok ? bindings : null;
    }

    private static Resources total(List<PodInfo> pods) {
        Resources r = Resources.NONE;
        for (PodInfo p : pods) {
            r = r.add(p.requests());
        }
        return r;
    }

    private static String describeGpuNeed(List<PodInfo> pods) {
        long gpu = total(pods).milli(Keys.GPU);
        return gpu > 0 ? Resources.formatMilli(gpu) + " " + Keys.GPU : total(pods).toString();
    }

    private static String topologyReason(Gang gang, List<PodInfo> pods, Map<String, List<Integer>> domains,
                                         CapacityView view, String key) {
        if (domains.isEmpty()) {
            return "needs " + describeGpuNeed(pods) + " in one " + key + "; no node has the label " + key;
        }
        String bestName = null;
        long bestFree = -1;
        int bestFits = -1;
        for (Map.Entry<String, List<Integer>> d : domains.entrySet()) {
            long free = 0;
            for (int i : d.getValue()) {
                if (CapacityView.infeasibility(pods.get(0), view.node(i)) == null) {
                    free += view.freeGpuMilli(i);
                }
            }
            int fits = countFitting(pods, d.getValue(), view);
            if (fits > bestFits || (fits == bestFits && free > bestFree)) {
                bestName = d.getKey();
                bestFree = free;
                bestFits = fits;
            }
        }
        String what = total(pods).milli(Keys.GPU) > 0
                ? "has " + Resources.formatMilli(bestFree) + " " + Keys.GPU + " free"
                : "fits " + bestFits + " of " + pods.size() + " pods";
        return "needs " + describeGpuNeed(pods) + " for " + pods.size() + " pods in one " + key + "; the best, "
                + bestName + ", " + what;
    }

    /** How many of {@code pods} a greedy best fit gets onto {@code nodes}. */
    private static int countFitting(List<PodInfo> pods, List<Integer> nodes, CapacityView view) {
        int lo = 0, hi = pods.size();
        while (lo < hi) { // largest prefix that fits; prefixes of a largest-first list nest
            int mid = (lo + hi + 1) / 2;
            if (tryPlace(pods.subList(0, mid), nodes, view) != null) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    private static String noRoomCode(List<PodInfo> pods, List<Integer> nodes, CapacityView view) {
        for (int i : nodes) {
            if (CapacityView.infeasibility(pods.get(0), view.node(i)) == null) {
                return "InsufficientResources";
            }
        }
        return "NoFeasibleNode";
    }

    private static String noRoomReason(List<PodInfo> pods, List<Integer> nodes, CapacityView view) {
        Map<String, Integer> why = new TreeMap<>();
        long largestFreeGpu = 0;
        for (int i : nodes) {
            String r = CapacityView.infeasibility(pods.get(0), view.node(i));
            if (r != null) {
                why.merge(r, 1, Integer::sum);
            } else {
                largestFreeGpu = Math.max(largestFreeGpu, view.freeGpuMilli(i));
            }
        }
        if (why.values().stream().mapToInt(Integer::intValue).sum() == nodes.size()) {
            List<String> parts = new ArrayList<>();
            why.forEach((r, n) -> parts.add(n + " " + switch (r) {
                case "unschedulable" -> "cordoned";
                case "nodeSelector" -> "do not match its nodeSelector";
                case "affinity" -> "do not match its required node affinity";
                case "gpuModel" -> "have another GPU model (" + Keys.GPU_PRODUCT_LABEL + ") than it asks for";
                case "taint" -> "have taints it does not tolerate";
                default -> "lack a resource it requests";
            }));
            return "no node can run pod " + pods.get(0).key() + ": of " + nodes.size() + " nodes, " + String.join(", ", parts);
        }
        int fits = countFitting(pods, nodes, view);
        return "needs " + total(pods) + " for " + pods.size() + " pods; only " + fits + " of them fit in the free capacity"
                + (total(pods).milli(Keys.GPU) > 0
                ? " (the most free " + Keys.GPU + " on one node is " + Resources.formatMilli(largestFreeGpu) + ")" : "");
    }
}
