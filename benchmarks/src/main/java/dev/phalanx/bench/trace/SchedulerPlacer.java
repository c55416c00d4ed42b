package dev.phalanx.bench.trace;

import dev.phalanx.bench.fragmentation.GpuDemand;
import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.cycle.PlacementPolicy;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodPhase;
import dev.phalanx.core.model.RequiredNodeAffinity;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The FGD protocol's pods placed by a scheduler's own {@link PlacementPolicy}, one cycle per pod, as a
 * scheduler would meet them arriving one at a time: each cycle's snapshot holds the trace's nodes, the pods
 * placed so far (bound, on their nodes and devices) and the one that just arrived (pending, a gang of one),
 * and the pod is placed on a {@link CapacityView} of that snapshot, exactly as the cycle places a gang. What
 * the placement learns of the workload, it learns from those snapshots. The replay keeps one view's free
 * capacity current as pods are placed and hands each cycle a copy of it with that cycle's pods
 * ({@link CapacityView#withPods}), the view a snapshot of the same pods would give, built in time
 * proportional to the nodes rather than to the pods.
 *
 * <p>Nodes carry their model as {@value Keys#GPU_PRODUCT_LABEL}; a pod's {@code gpu_spec} becomes a required
 * node affinity on that label ({@code In} the models it names); a pod below one GPU asks for its share of one
 * device as a fraction, the others for whole devices. Memory is in MiB as the trace gives it.
 */
public final class SchedulerPlacer implements FragmentationReplay.Placer {
    private static final String NAMESPACE = "openb";

    private final List<NodeInfo> nodes;
    private final PlacementPolicy placement;
    private final List<PodInfo> placed = new ArrayList<>();
    private final CapacityView free; // the pods placed so far taken, kept current pod by pod
    private int arrived;

    public SchedulerPlacer(List<AlibabaGpuTrace.Node> trace, PlacementPolicy placement) {
        this.nodes = trace.stream().map(SchedulerPlacer::node).toList();
        this.placement = placement;
        this.free = new CapacityView(new Snapshot(0, nodes, Map.of(), Map.of(), List.of(), List.of(), List.of(), null));
    }

    static NodeInfo node(AlibabaGpuTrace.Node n) {
        Resources allocatable = Resources.ofMilli(Map.of(Keys.CPU, n.cpuMilli(), Keys.MEMORY, mib(n.memoryMib()),
                Keys.GPU, 1000L * n.gpus()));
        return new NodeInfo(n.name(), Map.of(Keys.HOSTNAME_LABEL, n.name(), Keys.GPU_PRODUCT_LABEL, n.model()), allocatable,
                List.of(), false);
    }

    private static long mib(long mib) {
        return mib * 1024 * 1024 * 1000; // thousandths of a byte
    }

    static PodInfo pod(GpuDemand d, String name, long createdAt) {
        Resources requests = Resources.ofMilli(Map.of(Keys.CPU, d.cpuMilli(), Keys.MEMORY, mib(d.memoryMib()), Keys.GPU, d.gpuMilli()));
        RequiredNodeAffinity affinity = d.gpuCount() == 0 || d.allowedModels().isEmpty() ? RequiredNodeAffinity.NONE
                : new RequiredNodeAffinity(List.of(new RequiredNodeAffinity.Term(List.of(new RequiredNodeAffinity.Requirement(
                Keys.GPU_PRODUCT_LABEL, "In", d.allowedModels().stream().sorted().toList())), List.of())));
        return new PodInfo(NAMESPACE, name, null, Keys.DEFAULT_QUEUE, Keys.SCHEDULER_NAME, requests,
                d.sharesDevice() ? d.gpuMilliPerDevice() : 0, Map.of(), List.of(), affinity, null, 0, createdAt,
                PodPhase.PENDING, null, List.of(), null);
    }

    @Override
    public boolean place(GpuDemand demand) {
        PodInfo pod = pod(demand, String.format("pod-%05d", arrived), arrived);
        arrived++;
        List<PodInfo> pods = new ArrayList<>(placed.size() + 1);
        pods.addAll(placed);
        pods.add(pod);
        Gang gang = new Gang(NAMESPACE, pod.name(), true, Keys.DEFAULT_QUEUE, 1, 0, null, null, true, pod.createdAt(),
                List.of(pod), null);
        // the view new CapacityView(snapshot) would build, without subtracting every placed pod again
        CapacityView view = free.withPods(pods);
        PlacementPolicy.Placement p = placement.place(gang, List.of(pod), view);
        if (!p.placed()) {
            return false;
        }
        Binding b = p.bindings().get(0);
        free.take(free.indexOf(b.node()), pod, b.gpuDevices());
        placed.add(pod.bound(b.node(), b.gpuDevices()));
        return true;
    }
}
