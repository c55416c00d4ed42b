package dev.phalanx.scheduler.live;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.cycle.ClusterSource;
import dev.phalanx.core.dra.ClaimInfo;
import dev.phalanx.core.dra.Device;
import dev.phalanx.core.dra.DeviceClassInfo;
import dev.phalanx.core.dra.DraState;
import dev.phalanx.core.kube.DraObjects;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.kube.VolumeObjects;
import dev.phalanx.core.volume.PersistentVolumeInfo;
import dev.phalanx.core.volume.StorageClassInfo;
import dev.phalanx.core.volume.VolumeClaimInfo;
import dev.phalanx.core.volume.VolumeState;
import dev.phalanx.core.volume.VolumeWrite;
import dev.phalanx.core.model.NamespaceInfo;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodGroupInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodPhase;
import dev.phalanx.core.model.Checkpoint;
import dev.phalanx.core.model.Planning;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.SnapshotAssembler;
import dev.phalanx.queue.grouping.GroupAssignments;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClass;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimTemplate;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The live {@link ClusterSource}: what the informers have seen, as domain objects, plus the pods this
 * scheduler has bound but the informers have not yet reported bound ("assumed"). Snapshots see assumed
 * pods as bound, so no later cycle double-books their room (invariant 1). Thread-safe: informer threads
 * write, the cycle thread reads a snapshot.
 */
public final class ClusterCache implements ClusterSource {
    private final SnapshotAssembler assembler;
    private final Map<String, NodeInfo> nodes = new TreeMap<>();
    private final Map<String, NamespaceInfo> namespaces = new TreeMap<>();
    private final Map<String, QueueInfo> queues = new TreeMap<>();
    private final Map<String, PodGroupInfo> podGroups = new TreeMap<>();
    private final Map<String, PodInfo> pods = new TreeMap<>();
    private final Map<String, PodInfo> assumed = new HashMap<>();
    private final Map<String, Long> startedAt = new HashMap<>();
    private final Set<String> terminating = new HashSet<>();
    /** Pods of this scheduler whose status names a nominated node: pod key to node. */
    private final Map<String, String> nominated = new HashMap<>();
    private final Map<String, Checkpoint> checkpoints = new HashMap<>();
    private final Map<String, Integer> priorityClasses = new HashMap<>();
    private final Map<String, String> uids = new HashMap<>();
    private final List<Runnable> listeners = new ArrayList<>();
    private long changes;
    private final Map<String, List<Device>> slices = new TreeMap<>();
    private final Map<String, DeviceClassInfo> deviceClasses = new TreeMap<>();
    private final Map<String, DeviceClass> classObjects = new HashMap<>();
    private final Map<String, ClaimInfo> claims = new TreeMap<>();
    private final Map<String, ResourceClaim> claimObjects = new HashMap<>();
    private final Map<String, ClaimInfo> claimTemplates = new TreeMap<>();
    /** Claims as this scheduler is writing them (allocated, reserved), until the informer shows as much. */
    private final Map<String, ClaimInfo> assumedClaims = new HashMap<>();
    private Map<String, String> deviceClassResources = Map.of();
    private final Map<String, VolumeClaimInfo> volumeClaims = new TreeMap<>();
    private final Map<String, PersistentVolumeInfo> volumes = new TreeMap<>();
    private final Map<String, StorageClassInfo> storageClasses = new TreeMap<>();
    private final Map<String, Map<String, Integer>> attachLimits = new TreeMap<>();
    /** Volume claims and volumes as this scheduler wrote them (a node selected, a volume reserved), until the informer shows as much. */
    private final Map<String, VolumeClaimInfo> assumedVolumeClaims = new HashMap<>();
    private final Map<String, PersistentVolumeInfo> assumedVolumes = new HashMap<>();

    private final Clock clock;
    private final String schedulerName;
    private final GroupAssignments assignments;
    /** Pods with a controlling owner: until the podgrouper has said which gang they join, they wait unseen. */
    private final Set<String> owned = new HashSet<>();

    public ClusterCache(String schedulerName, Clock clock) {
        this(schedulerName, clock, new GroupAssignments());
    }

    public ClusterCache(String schedulerName, Clock clock, GroupAssignments assignments) {
        this.assembler = new SnapshotAssembler(schedulerName);
        this.clock = clock;
        this.schedulerName = schedulerName;
        this.assignments = assignments;
        assignments.onChange(() -> {
            synchronized (this) {
                changed();
            }
        });
    }

    /** The resource each DeviceClass named here counts as in queues, overriding the class's own (see DraObjects). */
    public synchronized void deviceClassResources(Map<String, String> byClass) {
        this.deviceClassResources = Map.copyOf(byClass);
    }

    public synchronized void put(ResourceSlice s) {
        slices.put(s.getMetadata().getName(), DraObjects.devices(s));
        changed();
    }

    public synchronized void remove(ResourceSlice s) {
        slices.remove(s.getMetadata().getName());
        changed();
    }

    public synchronized void put(DeviceClass c) {
        deviceClasses.put(c.getMetadata().getName(), DraObjects.deviceClass(c, deviceClassResources));
        classObjects.put(c.getMetadata().getName(), c);
        changed();
    }

    public synchronized void remove(DeviceClass c) {
        deviceClasses.remove(c.getMetadata().getName());
        classObjects.remove(c.getMetadata().getName());
        changed();
    }

    public synchronized void put(ResourceClaim c) {
        ClaimInfo info = DraObjects.claim(c);
        claims.put(info.key(), info);
        claimObjects.put(info.key(), c);
        ClaimInfo mine = assumedClaims.get(info.key());
        if (mine != null && info.allocated().equals(mine.allocated()) && info.reservedFor().containsAll(mine.reservedFor())) {
            assumedClaims.remove(info.key()); // the informer caught up with what we wrote
        }
        changed();
    }

    public synchronized void remove(ResourceClaim c) {
        String k = key(c);
        claims.remove(k);
        claimObjects.remove(k);
        assumedClaims.remove(k);
        changed();
    }

    public synchronized void put(ResourceClaimTemplate t) {
        ClaimInfo info = DraObjects.template(t);
        claimTemplates.put(info.key(), info);
        changed();
    }

    public synchronized void remove(ResourceClaimTemplate t) {
        claimTemplates.remove(key(t));
        changed();
    }

    public synchronized void put(io.fabric8.kubernetes.api.model.PersistentVolumeClaim c) {
        VolumeClaimInfo info = VolumeObjects.claim(c);
        volumeClaims.put(info.key(), info);
        VolumeClaimInfo mine = assumedVolumeClaims.get(info.key());
        if (mine != null && (info.isBound() || java.util.Objects.equals(info.selectedNode(), mine.selectedNode()))) {
            assumedVolumeClaims.remove(info.key()); // the informer caught up with what we wrote
        }
        changed();
    }

    public synchronized void remove(io.fabric8.kubernetes.api.model.PersistentVolumeClaim c) {
        volumeClaims.remove(key(c));
        assumedVolumeClaims.remove(key(c));
        changed();
    }

    public synchronized void put(io.fabric8.kubernetes.api.model.PersistentVolume v) {
        PersistentVolumeInfo info = VolumeObjects.volume(v);
        volumes.put(info.name(), info);
        PersistentVolumeInfo mine = assumedVolumes.get(info.name());
        if (mine != null && java.util.Objects.equals(info.claimRef(), mine.claimRef())) {
            assumedVolumes.remove(info.name());
        }
        changed();
    }

    public synchronized void remove(io.fabric8.kubernetes.api.model.PersistentVolume v) {
        volumes.remove(v.getMetadata().getName());
        assumedVolumes.remove(v.getMetadata().getName());
        changed();
    }

    public synchronized void put(io.fabric8.kubernetes.api.model.storage.StorageClass c) {
        storageClasses.put(c.getMetadata().getName(), VolumeObjects.storageClass(c));
        changed();
    }

    public synchronized void remove(io.fabric8.kubernetes.api.model.storage.StorageClass c) {
        storageClasses.remove(c.getMetadata().getName());
        changed();
    }

    public synchronized void put(io.fabric8.kubernetes.api.model.storage.CSINode n) {
        attachLimits.put(n.getMetadata().getName(), VolumeObjects.attachLimits(n));
        changed();
    }

    public synchronized void remove(io.fabric8.kubernetes.api.model.storage.CSINode n) {
        attachLimits.remove(n.getMetadata().getName());
        changed();
    }

    /**
     * Volume claims about to be written as given: every later snapshot sees a volume reserved for its claim, or the
     * claim's node selected, until the informer does.
     */
    public synchronized void assumeVolumes(List<VolumeWrite> written) {
        for (VolumeWrite w : written) {
            VolumeClaimInfo c = volumeClaims.get(w.claimKey());
            if (w.provisions()) {
                if (c != null) {
                    assumedVolumeClaims.put(c.key(), c.withSelectedNode(w.node()));
                }
            } else {
                PersistentVolumeInfo v = volumes.get(w.volume());
                if (v != null) {
                    assumedVolumes.put(v.name(), v.claimedBy(w.claimKey()));
                }
                if (c != null) {
                    // until the volume controller binds them, the claim's pod goes where the volume is
                    assumedVolumeClaims.put(c.key(), c.withSelectedNode(w.node()));
                }
            }
        }
        if (!written.isEmpty()) {
            changed();
        }
    }

    /** A pod's volume writes were undone (its binding failed): the informer's view of them holds again. */
    public synchronized void forgetVolumes(List<VolumeWrite> written) {
        for (VolumeWrite w : written) {
            assumedVolumeClaims.remove(w.claimKey());
            if (w.volume() != null) {
                assumedVolumes.remove(w.volume());
            }
        }
        if (!written.isEmpty()) {
            changed();
        }
    }

    /** The PersistentVolumeClaim's uid as the informer last saw it, or null. */
    public synchronized VolumeClaimInfo volumeClaim(String key) {
        return volumeClaims.get(key);
    }

    /** The DeviceClass as the informer last saw it, or null. */
    public synchronized DeviceClass deviceClassObject(String name) {
        return classObjects.get(name);
    }

    /** The ResourceClaim as the informer last saw it, or null. */
    public synchronized ResourceClaim claimObject(String key) {
        return claimObjects.get(key);
    }

    /** Claims about to be written as given: every later snapshot sees them so, until the informer does. */
    public synchronized void assumeClaims(List<ClaimInfo> written) {
        if (written.isEmpty()) {
            return;
        }
        for (ClaimInfo c : written) {
            ClaimInfo before = assumedClaims.get(c.key());
            if (before != null) {
                // another member's binding assumed this shared claim already: both pods are its consumers
                java.util.Set<String> both = new java.util.TreeSet<>(before.reservedFor());
                both.addAll(c.reservedFor());
                c = new ClaimInfo(c.namespace(), c.name(), c.uid(), c.requests(), c.constraints(), c.allocated(),
                        c.allocatedNode(), both, c.computeDomain(), c.invalidReason());
            }
            assumedClaims.put(c.key(), c);
        }
        changed();
    }

    /** A pod's claims were not written after all (its binding failed): the informer's view of them holds again. */
    public synchronized void forgetClaims(List<ClaimInfo> written) {
        written.forEach(c -> assumedClaims.remove(c.key()));
        if (!written.isEmpty()) {
            changed();
        }
    }

    /** The PodGroup the podgrouper gave a pod that names none; null when it gave none (yet). */
    public String automaticGroup(String podKey) {
        return assignments.of(podKey).filter(g -> !g.isEmpty()).orElse(null);
    }

    public synchronized void onChange(Runnable listener) {
        listeners.add(listener);
    }

    private void changed() {
        changes++;
        for (Runnable l : listeners) {
            l.run();
        }
    }

    static long createdAt(HasMetadata o) {
        String ts = o.getMetadata().getCreationTimestamp();
        try {
            return ts == null ? 0 : Instant.parse(ts).toEpochMilli();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    static String key(HasMetadata o) {
        return o.getMetadata().getNamespace() == null ? o.getMetadata().getName()
                : o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }

    public synchronized void put(Node n) {
        nodes.put(n.getMetadata().getName(), KubeObjects.node(n));
        changed();
    }

    public synchronized void remove(Node n) {
        nodes.remove(n.getMetadata().getName());
        changed();
    }

    public synchronized void put(Namespace n) {
        namespaces.put(n.getMetadata().getName(), KubeObjects.namespace(n));
        changed();
    }

    public synchronized void remove(Namespace n) {
        namespaces.remove(n.getMetadata().getName());
        changed();
    }

    public synchronized void put(Queue q) {
        queues.put(q.getMetadata().getName(), KubeObjects.queue(q, createdAt(q)));
        changed();
    }

    public synchronized void remove(Queue q) {
        queues.remove(q.getMetadata().getName());
        changed();
    }

    public synchronized void put(PodGroup g) {
        PodGroupInfo info = KubeObjects.podGroup(g, createdAt(g));
        podGroups.put(info.key(), info);
        uids.put("PodGroup/" + info.key(), g.getMetadata().getUid());
        changed();
    }

    /** A native PodGroup ({@code scheduling.k8s.io}); a Phalanx PodGroup of the same name wins over it. */
    public synchronized void putNative(io.fabric8.kubernetes.api.model.GenericKubernetesResource g) {
        PodGroupInfo info = KubeObjects.nativePodGroup(g, createdAt(g));
        uids.put("NativePodGroup/" + info.key(), g.getMetadata().getUid());
        PodGroupInfo current = podGroups.get(info.key());
        if (current == null || current.nativeGroup()) {
            podGroups.put(info.key(), info);
        }
        changed();
    }

    public synchronized void removeNative(io.fabric8.kubernetes.api.model.GenericKubernetesResource g) {
        PodGroupInfo current = podGroups.get(key(g));
        if (current != null && current.nativeGroup()) {
            podGroups.remove(key(g));
        }
        changed();
    }

    public synchronized void remove(PodGroup g) {
        podGroups.remove(key(g));
        changed();
    }

    public synchronized void put(PriorityClass pc) {
        priorityClasses.put(pc.getMetadata().getName(), pc.getValue());
        changed();
    }

    public synchronized void remove(PriorityClass pc) {
        priorityClasses.remove(pc.getMetadata().getName());
        changed();
    }

    public synchronized void put(Pod p) {
        PodInfo info = KubeObjects.pod(p, name -> priorityClasses.getOrDefault(name, 0), createdAt(p));
        pods.put(info.key(), info);
        if (p.getMetadata().getOwnerReferences() != null
                && p.getMetadata().getOwnerReferences().stream().anyMatch(o -> Boolean.TRUE.equals(o.getController()))) {
            owned.add(info.key());
        } else {
            owned.remove(info.key());
        }
        uids.put("Pod/" + info.key(), p.getMetadata().getUid());
        if (info.phase() != PodPhase.PENDING) {
            assumed.remove(info.key()); // the informer caught up with our binding (or the pod finished)
        }
        if (info.phase().holdsResources()) {
            Long started = startedAt(p);
            if (started != null) {
                startedAt.put(info.key(), started);
            } else {
                startedAt.putIfAbsent(info.key(), clock.now()); // bound when first seen, at the latest
            }
        } else {
            startedAt.remove(info.key());
        }
        String nnn = p.getStatus() == null ? null : p.getStatus().getNominatedNodeName();
        if (nnn != null && !nnn.isEmpty() && schedulerName.equals(info.schedulerName())) {
            nominated.put(info.key(), nnn);
        } else {
            nominated.remove(info.key());
        }
        Checkpoint checkpoint = KubeObjects.checkpoint(p.getMetadata());
        if (checkpoint != null) {
            checkpoints.put(info.key(), checkpoint);
        } else {
            checkpoints.remove(info.key());
        }
        if (p.getMetadata().getDeletionTimestamp() != null && info.phase().holdsResources()) {
            terminating.add(info.key());
        } else {
            terminating.remove(info.key());
        }
        changed();
    }

    /** When a bound pod started: its kubelet's start time, else when it was bound; null when neither is known. */
    private static Long startedAt(Pod p) {
        if (p.getStatus() == null) {
            return null;
        }
        String ts = p.getStatus().getStartTime();
        if (ts == null && p.getStatus().getConditions() != null) {
            ts = p.getStatus().getConditions().stream().filter(c -> "PodScheduled".equals(c.getType()) && "True".equals(c.getStatus()))
                    .map(io.fabric8.kubernetes.api.model.PodCondition::getLastTransitionTime).filter(java.util.Objects::nonNull)
                    .findFirst().orElse(null);
        }
        try {
            return ts == null ? null : Instant.parse(ts).toEpochMilli();
        } catch (RuntimeException e) {
            return null;
        }
    }

    public synchronized void remove(Pod p) {
        String k = key(p);
        pods.remove(k);
        assumed.remove(k);
        owned.remove(k);
        assignments.forget(k);
        startedAt.remove(k);
        terminating.remove(k);
        nominated.remove(k);
        checkpoints.remove(k);
        changed();
    }

    /** The pod is bound to {@code node} as far as every later snapshot is concerned, until the informer confirms. */
    public synchronized void assume(String podKey, String node, List<Integer> devices) {
        PodInfo p = pods.get(podKey);
        if (p != null && p.isPending()) {
            assumed.put(podKey, p.bound(node, devices));
            startedAt.put(podKey, clock.now());
            changed();
        }
    }

    /** A binding failed: the pod is pending again. */
    public synchronized void forget(String podKey) {
        if (assumed.remove(podKey) != null) {
            changed();
        }
    }

    public synchronized boolean isAssumed(String podKey) {
        return assumed.containsKey(podKey);
    }

    /**
     * True when the cache still sees the pod pending and unassumed: its binding, if one was made, has not
     * reached the informer yet. A new leader waits for this to be false for every pod the API server
     * already shows bound, so it never offers a bound pod's room again.
     */
    public synchronized boolean seesPending(String podKey) {
        PodInfo p = pods.get(podKey);
        return p != null && p.isPending() && !assumed.containsKey(podKey);
    }

    /** The pods of this scheduler whose status names a nominated node, as the informer last saw them: pod key to node. */
    public synchronized Map<String, String> nominatedNodes() {
        return new TreeMap<>(nominated);
    }

    public synchronized String uid(String kind, String key) {
        return uids.get(kind + "/" + key);
    }

    public synchronized long changes() {
        return changes;
    }

    /**
     * A pod of ours that names no gang, as the podgrouper placed it: in the PodGroup it formed, or alone; null
     * while it has not decided, or its PodGroup has not reached this cache yet (the pod waits unseen meanwhile).
     */
    private PodInfo grouped(PodInfo p) {
        if (p.podGroup() != null || !schedulerName.equals(p.schedulerName()) || !owned.contains(p.key())) {
            return p;
        }
        var group = assignments.of(p.key());
        if (group.isEmpty()) {
            return p.isPending() ? null : p;
        }
        if (group.get().isEmpty()) {
            return p;
        }
        return podGroups.containsKey(p.namespace() + "/" + group.get()) ? p.withPodGroup(group.get()) : null;
    }

    /** The cluster with assumed pods bound, and when each bound pod started and which are being deleted. */
    @Override
    public synchronized Snapshot snapshot(long now) {
        List<PodInfo> view = new ArrayList<>(pods.size());
        for (PodInfo p : pods.values()) {
            PodInfo seen = grouped(assumed.getOrDefault(p.key(), p));
            if (seen != null) {
                view.add(seen);
            }
        }
        DraState dra = DraState.NONE;
        if (!slices.isEmpty() || !claims.isEmpty()) {
            List<Device> devices = new ArrayList<>();
            slices.values().forEach(devices::addAll);
            Map<String, ClaimInfo> seen = new TreeMap<>(claims);
            seen.putAll(assumedClaims);
            dra = new DraState(devices, deviceClasses, seen, claimTemplates);
        }
        VolumeState storage = VolumeState.NONE;
        if (!volumeClaims.isEmpty() || !volumes.isEmpty() || !attachLimits.isEmpty()) {
            Map<String, VolumeClaimInfo> c = new TreeMap<>(volumeClaims);
            c.putAll(assumedVolumeClaims);
            Map<String, PersistentVolumeInfo> v = new TreeMap<>(volumes);
            v.putAll(assumedVolumes);
            storage = new VolumeState(c, v, storageClasses, attachLimits);
        }
        return assembler.assemble(now, List.copyOf(nodes.values()), view, List.copyOf(podGroups.values()), queues,
                namespaces, priorityClasses, dra, storage).withPlanning(Planning.ofCluster(Map.of(), Map.of(), startedAt, terminating,
                checkpoints));
    }
}
