package dev.phalanx.core.sim;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.ClusterSource;
import dev.phalanx.core.cycle.CommitPort;
import dev.phalanx.core.cycle.CycleReport;
import dev.phalanx.core.cycle.Eviction;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.dra.ClaimInfo;
import dev.phalanx.core.dra.Device;
import dev.phalanx.core.dra.DeviceClassInfo;
import dev.phalanx.core.dra.DraState;
import dev.phalanx.core.model.Checkpoint;
import dev.phalanx.core.model.NamespaceInfo;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.Planning;
import dev.phalanx.core.model.PodGroupInfo;
import dev.phalanx.core.model.PodConstraints;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodPhase;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.SnapshotAssembler;
import dev.phalanx.core.model.RequiredNodeAffinity;
import dev.phalanx.core.volume.PersistentVolumeInfo;
import dev.phalanx.core.volume.StorageClassInfo;
import dev.phalanx.core.volume.VolumeClaimInfo;
import dev.phalanx.core.volume.VolumeState;
import dev.phalanx.core.volume.VolumeWrite;

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
 * period); a pod that writes checkpoints ({@link Checkpoint}) resumes from its last one when bound again, so its
 * remaining run time shrinks by what it had saved. What the commit did is told to a {@link Listener}, which
 * records the run.
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
    private final Map<String, Checkpoint> checkpoints = new HashMap<>();
    private final List<Device> devices = new ArrayList<>();
    private final Map<String, DeviceClassInfo> deviceClasses = new TreeMap<>();
    private final Map<String, ClaimInfo> claims = new TreeMap<>();
    private final Map<String, ClaimInfo> claimTemplates = new TreeMap<>();
    private final Map<String, VolumeClaimInfo> volumeClaims = new TreeMap<>();
    private final Map<String, PersistentVolumeInfo> volumes = new TreeMap<>();
    private final Map<String, StorageClassInfo> storageClasses = new TreeMap<>();
    private final Map<String, Map<String, Integer>> attachLimits = new TreeMap<>();
    private Listener listener;
    private long now;
    private boolean runTimesKnown = true;

    public InMemoryCluster(String schedulerName) {
        this.assembler = new SnapshotAssembler(schedulerName);
    }

    public InMemoryCluster listener(Listener l) {
        this.listener = l;
        return this;
    }

    /** Whether snapshots tell the cycle how long pods run (false: only when they started, as live). */
    public InMemoryCluster runTimesKnown(boolean known) {
        this.runTimesKnown = known;
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

    public void addDevices(List<Device> published) {
        devices.addAll(published);
    }

    public void addDeviceClass(DeviceClassInfo c) {
        deviceClasses.put(c.name(), c);
    }

    public void addClaim(ClaimInfo c) {
        claims.put(c.key(), c);
    }

    /** A PersistentVolumeClaim (one already there keeps what binding wrote on it). */
    public void addVolumeClaim(VolumeClaimInfo c) {
        volumeClaims.putIfAbsent(c.key(), c);
    }

    public VolumeClaimInfo volumeClaim(String key) {
        return volumeClaims.get(key);
    }

    public void addVolume(PersistentVolumeInfo v) {
        volumes.put(v.name(), v);
    }

    public PersistentVolumeInfo volume(String name) {
        return volumes.get(name);
    }

    public void addStorageClass(StorageClassInfo c) {
        storageClasses.put(c.name(), c);
    }

    /** The number of volumes each CSI driver can attach on node {@code node} (its CSINode). */
    public void addAttachLimits(String node, Map<String, Integer> limits) {
        attachLimits.put(node, Map.copyOf(limits));
    }

    public void addClaimTemplate(ClaimInfo t) {
        claimTemplates.put(t.key(), t);
    }

    public ClaimInfo claim(String key) {
        return claims.get(key);
    }

    /**
     * A pod arrives; {@code runForMillis} is how long it runs once bound (-1: until the end). Its claims to be made
     * from templates are made at once, as the resourceclaim controller makes them (named pod-claim).
     */
    public void addPod(PodInfo p, long runForMillis) {
        addPod(p, runForMillis, null);
    }

    /** The same, for a pod that writes checkpoints as {@code checkpoint} says (null: it writes none). */
    public void addPod(PodInfo p, long runForMillis, Checkpoint checkpoint) {
        p = withClaimsMade(p);
        pods.put(p.key(), p);
        if (runForMillis >= 0) {
            runFor.put(p.key(), runForMillis);
        }
        if (checkpoint != null) {
            checkpoints.put(p.key(), checkpoint);
        }
        if (p.phase().holdsResources()) {
            boundAt.put(p.key(), now);
        }
    }

    public PodInfo pod(String key) {
        return pods.get(key);
    }

    /** How long the pod runs once bound from now on (what is left of its run), or -1 until the end. */
    public long runFor(String podKey) {
        return runFor.getOrDefault(podKey, -1L);
    }

    public Checkpoint checkpoint(String podKey) {
        return checkpoints.getOrDefault(podKey, Checkpoint.NONE);
    }

    private PodInfo withClaimsMade(PodInfo p) {
        if (p.constraints().claims().stream().noneMatch(c -> c.claim() == null && c.template() != null)) {
            return p;
        }
        List<PodConstraints.PodClaim> made = new ArrayList<>();
        for (PodConstraints.PodClaim c : p.constraints().claims()) {
            ClaimInfo t = c.claim() == null ? claimTemplates.get(p.namespace() + "/" + c.template()) : null;
            if (t == null) {
                made.add(c);
                continue;
            }
            String name = p.name() + "-" + c.name();
            claims.putIfAbsent(p.namespace() + "/" + name, new ClaimInfo(p.namespace(), name, null, t.requests(),
                    t.constraints(), List.of(), null, Set.of(), t.computeDomain(), t.invalidReason()));
            made.add(new PodConstraints.PodClaim(c.name(), name, c.template()));
        }
        PodConstraints k = p.constraints();
        return p.withConstraints(k.withClaims(made));
    }

    /**
     * The pod no longer uses its claims (it finished, was evicted or left): it is taken out of their consumers, and a
     * claim nobody uses any more is deallocated, as the resourceclaim controller does.
     */
    private void releaseClaims(PodInfo p) {
        for (PodConstraints.PodClaim c : p.constraints().claims()) {
            ClaimInfo claim = c.claim() == null ? null : claims.get(p.namespace() + "/" + c.claim());
            if (claim == null || !claim.reservedFor().contains(p.key())) {
                continue;
            }
            Set<String> left = new java.util.TreeSet<>(claim.reservedFor());
            left.remove(p.key());
            ClaimInfo after = new ClaimInfo(claim.namespace(), claim.name(), claim.uid(), claim.requests(), claim.constraints(),
                    left.isEmpty() ? List.of() : claim.allocated(), left.isEmpty() ? null : claim.allocatedNode(), left,
                    claim.computeDomain(), claim.invalidReason());
            claims.put(claim.key(), after);
        }
    }

    /** Ends a running pod's run as Succeeded; it holds nothing from now on. */
    public void finish(String podKey) {
        PodInfo p = pods.get(podKey);
        pods.put(podKey, p.withPhase(PodPhase.SUCCEEDED));
        boundAt.remove(podKey);
        releaseClaims(p);
    }

    public PodInfo removePod(String key) {
        boundAt.remove(key);
        runFor.remove(key);
        checkpoints.remove(key);
        PodInfo p = pods.remove(key);
        if (p != null) {
            releaseClaims(p);
        }
        return p;
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
        DraState dra = devices.isEmpty() && claims.isEmpty() ? DraState.NONE
                : new DraState(devices, deviceClasses, claims, claimTemplates);
        VolumeState storage = volumeClaims.isEmpty() && volumes.isEmpty() && attachLimits.isEmpty() ? VolumeState.NONE
                : new VolumeState(volumeClaims, volumes, storageClasses, attachLimits);
        return assembler.assemble(at, nodes, List.copyOf(pods.values()), List.copyOf(podGroups.values()), queues,
                namespaces, priorityClasses, dra, storage).withPlanning(runTimesKnown
                ? Planning.ofCluster(expectedEnds, runFor, boundAt, Set.of(), checkpoints)
                : Planning.ofCluster(Map.of(), Map.of(), boundAt, Set.of(), checkpoints));
    }

    @Override
    public void evict(List<Eviction> evictions) {
        for (Eviction e : evictions) {
            PodInfo p = pods.get(e.podKey());
            if (p == null || !p.phase().holdsResources()) {
                throw new IllegalStateException("the cycle evicted " + e.podKey() + ", which holds nothing");
            }
            pods.put(e.podKey(), p.withPhase(PodPhase.PENDING));
            Long started = boundAt.remove(e.podKey());
            Long left = runFor.get(e.podKey());
            if (started != null && left != null) {
                // it resumes from its last checkpoint: what it saved is done
                long saved = (now - started) - checkpoint(e.podKey()).workLostMillis(started, now);
                runFor.put(e.podKey(), Math.max(0, left - saved));
            }
            releaseClaims(p);
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
            for (ClaimInfo c : b.claims()) {
                ClaimInfo current = claims.get(c.key());
                if (current == null || (current.isAllocated() && !current.allocated().equals(c.allocated()))) {
                    throw new IllegalStateException("the cycle allocated claim " + c.key() + " for " + b.podKey()
                            + ", which " + (current == null ? "does not exist" : "is allocated otherwise"));
                }
                claims.put(c.key(), c);
            }
            b.volumes().forEach(w -> bindVolume(w, b.podKey()));
            pods.put(b.podKey(), p.bound(b.node(), b.gpuDevices()).withPhase(PodPhase.RUNNING));
            boundAt.put(b.podKey(), now);
            if (listener != null) {
                listener.bound(b);
            }
        }
        return CompletableFuture.completedFuture(List.of());
    }

    /**
     * A claim the cycle bound for a pod, bound at once as the volume controller and provisioner would bind it: to the
     * volume reserved for it, or to a new volume of its size made for the chosen node, reachable from the node's zone
     * ({@code topology.kubernetes.io/zone}) when the node has one, else from that node alone.
     */
    private void bindVolume(VolumeWrite w, String podKey) {
        VolumeClaimInfo c = volumeClaims.get(w.claimKey());
        if (c == null || c.isBound()) {
            throw new IllegalStateException("the cycle bound claim " + w.claimKey() + " for " + podKey + ", which "
                    + (c == null ? "does not exist" : "is bound already"));
        }
        String pv = w.volume();
        if (pv == null) {
            pv = "pvc-" + (c.uid() != null ? c.uid() : c.namespace() + "-" + c.name());
            NodeInfo node = nodes.stream().filter(n -> n.name().equals(w.node())).findFirst().orElseThrow();
            String zone = node.label("topology.kubernetes.io/zone");
            RequiredNodeAffinity reach = new RequiredNodeAffinity(List.of(zone != null
                    ? new RequiredNodeAffinity.Term(List.of(new RequiredNodeAffinity.Requirement("topology.kubernetes.io/zone", "In",
                    List.of(zone))), List.of())
                    : new RequiredNodeAffinity.Term(List.of(), List.of(new RequiredNodeAffinity.Requirement("metadata.name", "In",
                    List.of(node.name()))))));
            StorageClassInfo sc = c.storageClass() == null ? null : storageClasses.get(c.storageClass());
            volumes.put(pv, new PersistentVolumeInfo(pv, c.storageClass(), c.requestBytes(), c.accessModes(), c.volumeMode(),
                    reach, c.key(), "Bound", sc == null ? null : sc.provisioner(), Map.of()));
        } else {
            PersistentVolumeInfo v = volumes.get(pv);
            if (v == null || !v.suits(c)) {
                throw new IllegalStateException("the cycle bound claim " + w.claimKey() + " to volume " + pv + ", which "
                        + (v == null ? "does not exist" : "does not suit it"));
            }
            volumes.put(pv, v.claimedBy(c.key()));
        }
        volumeClaims.put(c.key(), c.withSelectedNode(w.node()).boundTo(pv));
    }

    @Override
    public void report(CycleReport report) {
        if (listener != null) {
            listener.reported(report);
        }
    }
}
