package dev.phalanx.placement.solver;

import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.model.PodInfo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How a set of pods shares one node's GPU devices (invariant 1 for devices): whole-GPU pods first,
 * largest first, each on devices nobody uses; then fractions, largest first, each on the fullest
 * device that still holds it. Device choice itself is {@link CapacityView#chooseDevices(int[], PodInfo)},
 * so the devices a solved placement binds are the ones the cycle then assumes.
 */
public final class DevicePacking {
    private static final Comparator<PodInfo> PACKING_ORDER = Comparator
            .comparingInt((PodInfo p) -> p.gpuFractionMilli() > 0 ? 1 : 0)
            .thenComparing(Comparator.comparingInt(PodInfo::wholeGpus).reversed())
            .thenComparing(Comparator.comparingInt(PodInfo::gpuFractionMilli).reversed())
            .thenComparing(PodInfo::key);

    /**
     * @param devices  the devices of each pod that got them, by pod key
     * @param unplaced pods whose GPUs do not fit the devices left
     */
    public record Result(Map<String, List<Integer>> devices, int unplaced) {
    }

    private DevicePacking() {
    }

    /** Packs {@code pods} onto devices with {@code deviceFree} thousandths free each; does not change the array. */
    public static Result pack(int[] deviceFree, List<PodInfo> pods) {
        int[] left = deviceFree.clone();
        List<PodInfo> ordered = new ArrayList<>(pods);
        ordered.sort(PACKING_ORDER);
        Map<String, List<Integer>> devices = new HashMap<>();
        int unplaced = 0;
        for (PodInfo pod : ordered) {
            List<Integer> chosen = CapacityView.chooseDevices(left, pod);
            if (chosen == null) {
                unplaced++;
                continue;
            }
            CapacityView.takeDevices(left, pod, chosen);
            devices.put(pod.key(), chosen);
        }
        return new Result(devices, unplaced);
    }
}
