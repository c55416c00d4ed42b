package dev.phalanx.bench.fragmentation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * FGD's fragmentation of a node (Weng et al., USENIX ATC 2023): the expected amount of the node's free GPU
 * that the next pod, drawn from the target workload, could not use. For one pod shape the unusable part is
 * all free GPU when the pod cannot run on the node at all (too little CPU, too few devices with room, a GPU
 * model it does not accept, or no GPU wanted), and otherwise the free thousandths on the devices with less
 * room than the pod's share per device. Shapes are weighed by their frequency in the workload.
 *
 * <p>Shapes are grouped by (GPU count, share per device, models); within a group only the CPU differs,
 * so one pass over the devices and one binary search over the group's CPU sizes cover the whole group.
 */
public final class NextPodFragmentation implements NodeFragmentation {
    private record Group(int gpuCount, int gpuMilliPerDevice, Set<String> allowedModels, long[] cpuAscending,
                         double[] probabilityUpTo, double probability) {
        /** Probability of the group's shapes that need at most {@code cpuFree}. */
        double probabilityFitting(long cpuFree) {
            int i = Arrays.binarySearch(cpuAscending, cpuFree);
            if (i >= 0) {
                while (i + 1 < cpuAscending.length && cpuAscending[i + 1] == cpuFree) {
                    i++;
                }
                return probabilityUpTo[i];
            }
            int fitting = -i - 1;
            return fitting == 0 ? 0 : probabilityUpTo[fitting - 1];
        }
    }

    private final double cpuOnlyProbability; // shapes that use no GPU, whatever is free
    private final Group[] groups;
    private final int[] distinctShares; // ascending GPU shares per device over all groups
    private final int[] groupShareIndex;
    private final Map<String, boolean[]> allowedByModel = new ConcurrentHashMap<>();

    public NextPodFragmentation(WorkloadDistribution workload) {
        double cpuOnly = 0;
        Map<List<Object>, List<WorkloadDistribution.Shape>> grouped = new LinkedHashMap<>();
        for (WorkloadDistribution.Shape s : workload.shapes()) {
            if (s.gpuCount() == 0) {
                cpuOnly += s.probability();
            } else {
                grouped.computeIfAbsent(List.of(s.gpuCount(), s.gpuMilliPerDevice(), s.allowedModels()),
                        k -> new ArrayList<>()).add(s);
            }
        }
        this.cpuOnlyProbability = cpuOnly;
        this.groups = new Group[grouped.size()];
        TreeSet<Integer> shares = new TreeSet<>();
        int g = 0;
        for (List<WorkloadDistribution.Shape> members : grouped.values()) {
            members.sort((a, b) -> Long.compare(a.cpuMilli(), b.cpuMilli()));
            long[] cpu = new long[members.size()];
            double[] upTo = new double[members.size()];
            double sum = 0;
            for (int i = 0; i < cpu.length; i++) {
                cpu[i] = members.get(i).cpuMilli();
                sum += members.get(i).probability();
                upTo[i] = sum;
            }
            WorkloadDistribution.Shape first = members.get(0);
            groups[g++] = new Group(first.gpuCount(), first.gpuMilliPerDevice(), first.allowedModels(), cpu, upTo, sum);
            shares.add(first.gpuMilliPerDevice());
        }
        this.distinctShares = shares.stream().mapToInt(Integer::intValue).toArray();
        this.groupShareIndex = new int[groups.length];
        for (int i = 0; i < groups.length; i++) {
            groupShareIndex[i] = Arrays.binarySearch(distinctShares, groups[i].gpuMilliPerDevice);
        }
    }

    @Override
    public double of(String model, long cpuFree, int[] deviceFree) {
        long totalFree = 0;
        for (int f : deviceFree) {
            totalFree += f;
        }
        if (totalFree == 0) {
            return 0;
        }
        // per distinct share: how many devices have that much room, and how much room they have together
        int[] roomyDevices = new int[distinctShares.length];
        long[] roomyMilli = new long[distinctShares.length];
        for (int s = 0; s < distinctShares.length; s++) {
            for (int f : deviceFree) {
                if (f >= distinctShares[s]) {
                    roomyDevices[s]++;
                    roomyMilli[s] += f;
                }
            }
        }
        boolean[] allowed = allowed(model);
        double unusable = cpuOnlyProbability * totalFree;
        for (int g = 0; g < groups.length; g++) {
            Group group = groups[g];
            int s = groupShareIndex[g];
            if (!allowed[g] || roomyDevices[s] < group.gpuCount) {
                unusable += group.probability * totalFree;
            } else {
                double fitting = group.probabilityFitting(cpuFree);
                unusable += fitting * (totalFree - roomyMilli[s]) + (group.probability - fitting) * totalFree;
            }
        }
        return unusable;
    }

    private boolean[] allowed(String model) {
        return allowedByModel.computeIfAbsent(model, m -> {
            boolean[] a = new boolean[groups.length];
            for (int g = 0; g < groups.length; g++) {
                a[g] = groups[g].allowedModels.isEmpty() || groups[g].allowedModels.contains(m);
            }
            return a;
        });
    }
}
