package dev.phalanx.core.sim;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.ClusterSource;
import dev.phalanx.core.cycle.CommitPort;
import dev.phalanx.core.cycle.CycleReport;
import dev.phalanx.core.cycle.Eviction;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.model.NamespaceInfo;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.Planning;
import dev.phalanx.core.model.PodGroupInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodPhase;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.SnapshotAssembler;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The simulator's cluster: the objects in memory, read by the cycle through {@link ClusterSource} and
 * written through {@link CommitPort}, as the informer cache and the Kubernetes committer are live. A bound
 * pod runs at once (there is no kubelet to wait for) and an evicted one is pending again at once (no grace
 * period). What the commit did is told to a {@link Listener}, which records the run.
 */
public final class InMemoryCluster implements ClusterSource, CommitPort {
    /** Told of every commit, at the simulated time it happens. */
    public interface Listener {
        void bound(Binding binding);

        void evicted(Eviction eviction);

        void reported(CycleReport report);
    }

    private final SnapshotAssembler assembler;
    private final List<NodeInfo> nodes = new ArrayList<>();
    private final Map<String, NamespaceInfo> namespaces = new TreeMap<>();
    private final Map<String, QueueInfo> queues = new TreeMap<>();
    private final Map<String, Integer> priorityClasses = new TreeMap<>();
    private final Map<String, PodGroupInfo> podGroups = new TreeMap<>();
    private final Map<String, PodInfo> pods = new TreeMap<>();
    private final Map<String, Long> boundAt = new HashMap<>();
    private final Map<String, Long> runFor = new HashMap<>();
    private Listener listener;
    private long now;

    public InMemoryCluster(String schedulerName) {
        this.assembler = new SnapshotAssembler(schedulerName);
    }

    public InMemoryCluster listener(Listener l) {
        this.listener = l;
        return this;
    }

    /** The simulated time at which commits happen from now on. */
    public void at(long simulatedMillis) {
        this.now = simulatedMillis;
    }

    public void addNode(NodeInfo n) {
        nodes.add(n);
        nodes.sort(Comparator.comparing(NodeInfo::name));
    }

    public void addNamespace(NamespaceInfo ns) {
        namespaces.put(ns.name(), ns);
    }

    public boolean hasNamespace(String name) {
        return namespaces.containsKey(name);
    }

    public void addQueue(QueueInfo q) {
        queues.put(q.name(), q);
    }

    public void addPriorityClass(String name, int value) {
        priorityClasses.put(name, value);
    }

    public Map<String, Integer> priorityClasses() {
        return priorityClasses;
    }

    public void addPodGroup(PodGroupInfo g) {
        podGroups.put(g.key(), g);
    }

    public PodGroupInfo removePodGroup(String key) {
        return podGroups.remove(key);
    }

    /** A pod arrives; {@code runForMillis} is how long it runs once bound (-1: until the end). */
    public void addPod(PodInfo p, long runForMillis) {
        pods.put(p.key(), p);
        if (runForMillis >= 0) {
            runFor.put(p.key(), runForMillis);
        }
        if (p.phase().holdsResources()) {
            boundAt.put(p.key(), now);
        }
    }

    public PodInfo pod(String key) {
        return pods.get(key);
    }

    /** Ends a running pod's run as Succeeded; it holds nothing from now on. */
    public void finish(String podKey) {
        PodInfo p = pods.get(podKey);
        pods.put(podKey, p.withPhase(PodPhase.SUCCEEDED));
        boundAt.remove(podKey);
    }

    public PodInfo removePod(String key) {
        boundAt.remove(key);
        runFor.remove(key);
        return pods.remove(key);
    }

    /** GPUs (units) held by bound pods now. */
    public double allocatedGpus() {
        double sum = 0;
        for (PodInfo p : pods.values()) {
            if (p.phase().holdsResources()) {
                sum += p.requests().units(dev.phalanx.core.model.Keys.GPU);
            }
        }
        return sum;
    }

    @Override
    public Snapshot snapshot(long at) {
        Map<String, Long> expectedEnds = new HashMap<>();
        boundAt.forEach((k, t) -> {
            Long r = runFor.get(k);
            if (r != null) {
                expectedEnds.put(k, t + r);
            }
        });
        return assembler.assemble(at, nodes, List.copyOf(pods.values()), List.copyOf(podGroups.values()), queues,
                namespaces, priorityClasses).withPlanning(Planning.ofCluster(expectedEnds, runFor, boundAt, Set.of()));
    }

    @Override
    public void evict(List<Eviction> evictions) {
        for (Eviction e : evictions) {
            PodInfo p = pods.get(e.podKey());
            if (p == null || !p.phase().holdsResources()) {
                throw new IllegalStateException("the cycle evicted " + e.podKey() + ", which holds nothing");
            }
            pods.put(e.podKey(), p.withPhase(PodPhase.PENDING));
            boundAt.remove(e.podKey());
            if (listener != null) {
                listener.evicted(e);
            }
        }
    }

    @Override
    public CompletableFuture<List<Binding>> bind(GangDecision gang) {
        for (Binding b : gang.bindings()) {
            PodInfo p = pods.get(b.podKey());
            if (p == null || !p.isPending()) {
                throw new IllegalStateException("the cycle bound " + b.podKey() + ", which is not pending");
            }
            pods.put(b.podKey(), p.bound(b.node(), b.gpuDevices()).withPhase(PodPhase.RUNNING));
            boundAt.put(b.podKey(), now);
            if (listener != null) {
                listener.bound(b);
            }
        }
        return CompletableFuture.completedFuture(List.of());
    }

    @Override
    public void report(CycleReport report) {
        if (listener != null) {
            listener.reported(report);
        }
    }
}
