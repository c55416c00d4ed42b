package dev.phalanx.placement.solver;

/**
 * One NVLink domain (a value of {@code nvidia.com/gpu.clique}) as the whole cluster has it, not only
 * the part of it in the problem: a domain is whole when none of its GPU is in use.
 */
public record NvlinkDomain(String name, long freeGpuMilli, long totalGpuMilli) {
    public boolean whole() {
        return totalGpuMilli > 0 && freeGpuMilli == totalGpuMilli;
    }
}
