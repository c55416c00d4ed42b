package dev.phalanx.bench;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.cycle.CycleResult;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.cycle.CyclePolicies;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.cycle.TopologyIndex;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.queue.FairShareCalculator;
import dev.phalanx.queue.GangAdmission;

import java.util.HashMap;
import java.util.Map;

/**
 * What one cycle on a {@link SyntheticCluster} leaves behind, per placement policy: gangs and GPUs
 * placed, how many more racks than one the gangs that prefer one rack span, and the free GPU in shapes
 * later gangs can use (untouched nodes, whole NVLink domains, devices split by fractions).
 * Usage: {@code CycleQuality [nodes...]}, default 1000 and 5000.
 */
public final class CycleQuality {
    private CycleQuality() {
    }

    public static void main(String[] args) {
        String[] sizes = args.length == 0 ? new String[]{"1000", "5000"} : args;
        System.out.printf("%-6s %-9s %7s %9s %12s %10s %10s %13s %8s%n", "nodes", "placement", "gangs", "GPUs", "extra racks",
                "free GPUs", "untouched", "whole NVLink", "split");
        System.out.printf("%-6s %-9s %7s %9s %12s %10s %10s %13s %8s%n", "", "", "placed", "placed", "spanned", "", "nodes",
                "domains", "devices");
        for (String size : sizes) {
            int nodes = Integer.parseInt(size);
            Snapshot snapshot = SyntheticCluster.snapshot(nodes, 42);
            for (String policy : new String[]{"best-fit", "timefold"}) {
                CycleResult result = new SchedulingCycle(CyclePolicies.of(new FairShareCalculator(), new GangAdmission(), SchedulingCycleBenchmark.policy(policy))).decide(snapshot);
                report(nodes, policy, snapshot, result);
            }
        }
    }

    private static void report(int nodes, String policy, Snapshot snapshot, CycleResult result) {
        Map<String, PodInfo> pods = new HashMap<>();
        snapshot.pods().forEach(p -> pods.put(p.key(), p));
        CapacityView after = new CapacityView(snapshot);
        Map<String, String> preferredKey = new HashMap<>();
        snapshot.gangs().forEach(g -> {
            if (g.topologyPreferred() != null) {
                preferredKey.put(g.key(), g.topologyPreferred());
            }
        });
        long gpusPlaced = 0, extraDomains = 0;
        for (GangDecision d : result.placed()) {
            java.util.Set<String> domains = new java.util.HashSet<>();
            for (Binding b : d.bindings()) {
                PodInfo pod = pods.get(b.podKey());
                int i = after.indexOf(b.node());
                after.take(i, pod, b.gpuDevices());
                gpusPlaced += pod.requests().milli(Keys.GPU);
                if (preferredKey.containsKey(d.gangKey())) {
                    domains.add(after.node(i).label(preferredKey.get(d.gangKey())));
                }
            }
            extraDomains += Math.max(0, domains.size() - 1);
        }
        long free = 0, untouchedNodes = 0, splitDevices = 0;
        for (int i = 0; i < after.size(); i++) {
            free += after.freeGpuMilli(i);
            untouchedNodes += after.wholeFreeDevices(i) == after.node(i).gpuDevices() ? 1 : 0;
            for (int f : after.deviceFreeMilli(i)) {
                splitDevices += f > 0 && f < 1000 ? 1 : 0;
            }
        }
        TopologyIndex cliques = after.topology(Keys.CLIQUE_LABEL);
        long wholeCliques = 0;
        for (int d = 0; d < cliques.size(); d++) {
            wholeCliques += cliques.freeGpuMilli(d) == cliques.totalGpuMilli(d) ? 1 : 0;
        }
        System.out.printf("%-6d %-9s %7d %9.1f %12d %10.1f %10d %13d %8d%n", nodes, policy, result.placed().size(),
                gpusPlaced / 1000.0, extraDomains, free / 1000.0, untouchedNodes, wholeCliques, splitDevices);
    }
}
