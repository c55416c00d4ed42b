package dev.phalanx.bench.trace;

import dev.phalanx.bench.fragmentation.GpuDemand;
import dev.phalanx.bench.fragmentation.GpuNodeState;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the two CSV files of Alibaba's cluster-trace-gpu-v2023 ("openb") that the FGD protocol uses:
 * the node list ({@code sn, cpu_milli, memory_mib, gpu, model}) and a pod list ({@code name, cpu_milli,
 * memory_mib, num_gpu, gpu_milli} and, optionally, {@code gpu_spec}). Columns are found by header name;
 * other columns (qos, phase, times) are ignored, since the protocol ignores time. The trace's multi-GPU
 * pod lists ({@code openb_pod_list_multigpu*.csv}) have only the five required columns: their pods
 * accept any GPU model.
 */
public final class AlibabaGpuTrace {
    /** One GPU node of the trace, as built; {@link #state()} gives a fresh, empty copy for one replay. */
    public record Node(String name, long cpuMilli, long memoryMib, int gpus, String model) {
        public GpuNodeState state() {
            return new GpuNodeState(name, model, cpuMilli, memoryMib, gpus);
        }
    }

    /**
     * One pod of the trace and what it asks for. {@code gpuSpec} is the {@code gpu_spec} field as written
     * (models separated by {@code |}, empty for any): the FGD artifact tells pod types apart by this text.
     */
    public record Pod(String name, GpuDemand demand, String gpuSpec) {
        public Pod(String name, GpuDemand demand) {
            this(name, demand, String.join("|", demand.allowedModels().stream().sorted().toList()));
        }
    }

    private AlibabaGpuTrace() {
    }

    public static List<Node> readNodes(Path file) {
        CsvTable t = CsvTable.read(file);
        int name = t.column("sn"), cpu = t.column("cpu_milli"), memory = t.column("memory_mib"), gpu = t.column("gpu"),
                model = t.column("model");
        List<Node> nodes = new ArrayList<>(t.size());
        for (int r = 0; r < t.size(); r++) {
            long cpuMilli = nonNegative(t, r, cpu, "cpu_milli");
            long memoryMib = nonNegative(t, r, memory, "memory_mib");
            long gpus = nonNegative(t, r, gpu, "gpu");
            if (gpus > 64) {
                throw t.error(r, "column 'gpu' is " + gpus + "; a node has at most 64 GPU devices");
            }
            nodes.add(new Node(t.text(r, name), cpuMilli, memoryMib, (int) gpus, t.text(r, model)));
        }
        if (nodes.isEmpty()) {
            throw new TraceFormatException(file + ": no nodes (only a header)");
        }
        return nodes;
    }

    public static List<Pod> readPods(Path file) {
        CsvTable t = CsvTable.read(file);
        int name = t.column("name"), cpu = t.column("cpu_milli"), memory = t.column("memory_mib"),
                numGpu = t.column("num_gpu"), gpuMilli = t.column("gpu_milli");
        int spec = t.has("gpu_spec") ? t.column("gpu_spec") : -1;
        List<Pod> pods = new ArrayList<>(t.size());
        for (int r = 0; r < t.size(); r++) {
            long cpuMilli = nonNegative(t, r, cpu, "cpu_milli");
            long memoryMib = nonNegative(t, r, memory, "memory_mib");
            long gpus = nonNegative(t, r, numGpu, "num_gpu");
            long share = nonNegative(t, r, gpuMilli, "gpu_milli");
            if (gpus > 64) {
                throw t.error(r, "column 'num_gpu' is " + gpus + "; a pod asks for at most 64 GPU devices");
            }
            if (gpus > 0 && (share < 1 || share > 1000)) {
                throw t.error(r, "column 'gpu_milli' must be 1..1000 (thousandths of one GPU) when num_gpu > 0, got " + share);
            }
            if (gpus > 1 && share < 1000) {
                throw t.error(r, "a pod of " + gpus + " GPUs must take whole devices (gpu_milli 1000), got gpu_milli " + share);
            }
            String specText = spec < 0 ? "" : t.text(r, spec);
            Set<String> models = new LinkedHashSet<>();
            Arrays.stream(specText.split("\\|")).map(String::strip).filter(s -> !s.isEmpty()).forEach(models::add);
            pods.add(new Pod(t.text(r, name), new GpuDemand(cpuMilli, memoryMib, (int) gpus, (int) (gpus > 0 ? share : 0), models),
                    specText));
        }
        if (pods.isEmpty()) {
            throw new TraceFormatException(file + ": no pods (only a header)");
        }
        return pods;
    }

    private static long nonNegative(CsvTable t, int row, int column, String name) {
        long v = t.integer(row, column, name);
        if (v < 0) {
            throw t.error(row, "column '" + name + "' must not be negative, got " + v);
        }
        return v;
    }
}
