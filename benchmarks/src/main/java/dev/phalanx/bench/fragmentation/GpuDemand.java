package dev.phalanx.bench.fragmentation;

import java.util.Set;

/**
 * What one pod asks of one node: CPU, memory and GPUs, the GPUs as {@code gpuCount} devices of which it
 * takes {@code gpuMilliPerDevice} thousandths each. A pod below a whole device ({@code gpuCount == 1},
 * {@code gpuMilliPerDevice < 1000}) shares that device with others; a pod of whole devices needs them
 * entirely free. {@code allowedModels} empty means any GPU model.
 */
public record GpuDemand(long cpuMilli, long memoryMib, int gpuCount, int gpuMilliPerDevice, Set<String> allowedModels) {
    public static final int WHOLE_DEVICE = 1000;

    public GpuDemand {
        if (cpuMilli < 0 || memoryMib < 0 || gpuCount < 0) {
            throw new IllegalArgumentException("negative demand: cpu " + cpuMilli + "m, memory " + memoryMib
                    + " MiB, " + gpuCount + " GPUs");
        }
        if (gpuCount > 0 && (gpuMilliPerDevice < 1 || gpuMilliPerDevice > WHOLE_DEVICE)) {
            throw new IllegalArgumentException("a GPU share must be 1..1000 thousandths of a device, got " + gpuMilliPerDevice);
        }
        if (gpuCount > 1 && gpuMilliPerDevice < WHOLE_DEVICE) {
            throw new IllegalArgumentException("only a single-GPU pod can take part of a device; got " + gpuCount
                    + " GPUs of " + gpuMilliPerDevice + " thousandths");
        }
        if (gpuCount == 0) {
            gpuMilliPerDevice = 0;
        }
        allowedModels = Set.copyOf(allowedModels);
    }

    /** GPU thousandths this pod takes in all: {@code gpuCount × gpuMilliPerDevice}. */
    public long gpuMilli() {
        return (long) gpuCount * gpuMilliPerDevice;
    }

    /** True for a pod that takes part of one device and leaves the rest of it to others. */
    public boolean sharesDevice() {
        return gpuCount == 1 && gpuMilliPerDevice < WHOLE_DEVICE;
    }

    public boolean allows(String model) {
        return allowedModels.isEmpty() || allowedModels.contains(model);
    }
}
