package dev.phalanx.bench;

import dev.phalanx.core.cycle.CycleResult;
import dev.phalanx.core.cycle.CyclePolicies;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.queue.FairShareCalculator;
import dev.phalanx.queue.GangAdmission;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How much heap a cycle needs: for each size, the live heap once a {@link SyntheticCluster} snapshot is
 * built (everything a cycle reads), the highest heap use while cycles run on it, and the live heap while
 * the snapshot and the last cycle's decisions are both held. Meant to run in a JVM of its own with the
 * heap limit under test ({@code -Xmx1g}): a size that does not fit ends in an OutOfMemoryError.
 * Usage: {@code HeapFootprint placement cycles nodes:pods...}; prints one line per size:
 * {@code nodes pods snapshotMiB peakMiB retainedMiB firstCycleMs lastCycleMs maxHeapMiB}.
 */
public final class HeapFootprint {
    private static final double MIB = 1024.0 * 1024;

    private HeapFootprint() {
    }

    public static void main(String[] args) {
        String placement = args[0];
        int cycles = Integer.parseInt(args[1]);
        for (int a = 2; a < args.length; a++) {
            String[] size = args[a].split(":");
            int nodes = Integer.parseInt(size[0]);
            int pods = Integer.parseInt(size[1]);
            System.out.println(measure(placement, cycles, nodes, pods));
        }
    }

    static String measure(String placement, int cycles, int nodes, int pods) {
        long base = liveHeap();
        Snapshot snapshot = SyntheticCluster.snapshot(nodes, pods, 42);
        long withSnapshot = liveHeap();
        SchedulingCycle cycle = new SchedulingCycle(CyclePolicies.of(new FairShareCalculator(), new GangAdmission(), SchedulingCycleBenchmark.policy(placement)));
        List<MemoryPoolMXBean> heapPools = new ArrayList<>();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                heapPools.add(p);
                p.resetPeakUsage();
            }
        }
        CycleResult result = null;
        long first = 0, last = 0;
        for (int i = 0; i < cycles; i++) {
            long t0 = System.nanoTime();
            result = cycle.decide(snapshot);
            last = System.nanoTime() - t0;
            if (i == 0) {
                first = last;
            }
        }
        long peak = 0;
        for (MemoryPoolMXBean p : heapPools) {
            peak += p.getPeakUsage().getUsed();
        }
        long retained = liveHeap();
        if (result.decisions().isEmpty()) {
            throw new IllegalStateException("the cycle decided nothing");
        }
        return String.format(Locale.ROOT, "%d %d %.1f %.1f %.1f %.1f %.1f %.1f", nodes, pods, (withSnapshot - base) / MIB,
                (peak - base) / MIB, (retained - base) / MIB, first / 1e6, last / 1e6,
                Runtime.getRuntime().maxMemory() / MIB);
    }

    /** Heap in use after full collections, once it stops shrinking. */
    private static long liveHeap() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Runtime rt = Runtime.getRuntime();
            long now = rt.totalMemory() - rt.freeMemory();
            if (now >= used) {
                return Math.min(used, now);
            }
            used = now;
        }
        return used;
    }
}
