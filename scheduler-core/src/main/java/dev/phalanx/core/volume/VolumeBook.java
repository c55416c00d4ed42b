package dev.phalanx.core.volume;

import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodVolumes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The volumes of one cycle: which available PersistentVolumes the cycle has already promised to a claim, and how many
 * volumes each CSI driver has attached on each node. A pod's claims to bind ({@link PodVolumes#unbound}) are met on a
 * node, claim by claim, by the smallest available volume that suits the claim and is reachable from the node, else by
 * a volume its class's provisioner makes there (if the class provisions and allows the node); the new volumes and the
 * bound ones not yet attached there must stay within the node's attach limit per driver (its CSINode). Every take is
 * undone by a give, so a placement can try and take back.
 */
public final class VolumeBook {
    private final VolumeState state;
    /** node name to driver to the volumes attached there. */
    private final Map<String, Map<String, Set<String>>> attached;
    /** Volumes promised to a claim this cycle, and ReadWriteOncePod claims given to a pod this cycle. */
    private final Set<String> promised;
    /** What each pod taken here had written for it, by pod key. */
    private final Map<String, List<VolumeWrite>> writes;

    public VolumeBook(VolumeState state, List<NodeInfo> nodes, List<PodInfo> pods) {
        this(state, new HashMap<>(), new HashSet<>(), new HashMap<>());
        Set<String> names = new HashSet<>();
        nodes.forEach(n -> names.add(n.name()));
        for (PodInfo p : pods) {
            if (p.phase().holdsResources() && p.nodeName() != null && names.contains(p.nodeName())) {
                attach(p.nodeName(), attachedBy(p), +1);
            }
        }
    }

    private VolumeBook(VolumeState state, Map<String, Map<String, Set<String>>> attached, Set<String> promised,
                       Map<String, List<VolumeWrite>> writes) {
        this.state = state;
        this.attached = attached;
        this.promised = promised;
        this.writes = writes;
    }

    /** An independent copy. */
    public VolumeBook copy() {
        Map<String, Map<String, Set<String>>> a = new HashMap<>();
        attached.forEach((node, byDriver) -> {
            Map<String, Set<String>> m = new HashMap<>();
            byDriver.forEach((d, ids) -> m.put(d, new HashSet<>(ids)));
            a.put(node, m);
        });
        return new VolumeBook(state, a, new HashSet<>(promised), new HashMap<>(writes));
    }

    /** As if nothing ran anywhere and nothing was promised: what could be had if every pod left. */
    public VolumeBook empty() {
        return new VolumeBook(state, new HashMap<>(), new HashSet<>(), new HashMap<>());
    }

    /** As if nothing ran on {@code node}. */
    public void release(NodeInfo node) {
        attached.remove(node.name());
    }

    /** The volumes a pod on a node has attached there (its claims still to bind counted by their class's provisioner). */
    private List<PodVolumes.Attached> attachedBy(PodInfo p) {
        PodVolumes v = p.constraints().volumes();
        List<VolumeWrite> w = writes.get(p.key());
        List<PodVolumes.Attached> out = new ArrayList<>(v.attached());
        for (VolumeClaimInfo c : v.unbound()) {
            VolumeWrite written = w == null ? null : w.stream().filter(x -> x.claimKey().equals(c.key())).findFirst().orElse(null);
            PodVolumes.Attached a = written != null ? attachedOf(written, c) : provisioned(c);
            if (a != null) {
                out.add(a);
            }
        }
        return out;
    }

    private PodVolumes.Attached attachedOf(VolumeWrite w, VolumeClaimInfo c) {
        if (w.provisions()) {
            return provisioned(c);
        }
        PersistentVolumeInfo pv = state.volumes().get(w.volume());
        return pv == null || pv.driver() == null ? null : new PodVolumes.Attached(pv.name(), pv.driver());
    }

    private PodVolumes.Attached provisioned(VolumeClaimInfo c) {
        StorageClassInfo sc = c.storageClass() == null ? null : state.classes().get(c.storageClass());
        return sc == null || !sc.provisions() ? null : new PodVolumes.Attached(c.key(), sc.provisioner());
    }

    private void attach(String node, List<PodVolumes.Attached> volumes, int sign) {
        for (PodVolumes.Attached a : volumes) {
            Set<String> ids = attached.computeIfAbsent(node, n -> new HashMap<>()).computeIfAbsent(a.driver(), d -> new HashSet<>());
            if (sign > 0) {
                ids.add(a.id());
            } else {
                ids.remove(a.id());
            }
        }
    }

    /**
     * Why {@code pod}'s volumes cannot be had on {@code node} now: "volumeInUse" (a ReadWriteOncePod claim another pod
     * took this cycle), "volumeBinding", "volumeLimit"; null when they can.
     */
    public String problem(PodInfo pod, NodeInfo node) {
        if (!pod.constraints().volumes().needsBook()) {
            return null;
        }
        if (exclusiveTaken(pod)) {
            return "volumeInUse";
        }
        List<VolumeWrite> w = choose(pod, node, promised);
        if (w == null) {
            return "volumeBinding";
        }
        return withinLimits(node, List.of(newVolumes(pod, w))) ? null : "volumeLimit";
    }

    /** How many copies of {@code pod} (up to {@code max}) could have their volumes on {@code node}, each its own. */
    public long copies(PodInfo pod, NodeInfo node, long max) {
        if (!pod.constraints().volumes().needsBook()) {
            return max;
        }
        if (exclusiveTaken(pod)) {
            return 0;
        }
        Set<String> trial = new HashSet<>(promised);
        List<List<PodVolumes.Attached>> added = new ArrayList<>();
        long n = 0;
        while (n < max) {
            List<VolumeWrite> w = choose(pod, node, trial);
            if (w == null) {
                break;
            }
            List<PodVolumes.Attached> a = newVolumes(pod, w);
            if (n > 0) {
                // a copy has claims of its own: its provisioned volumes are new volumes too
                a = a.stream().map(x -> new PodVolumes.Attached(x.id() + "#" + added.size(), x.driver())).toList();
            }
            added.add(a);
            if (!withinLimits(node, added)) {
                break;
            }
            w.stream().filter(x -> !x.provisions()).forEach(x -> trial.add(x.volume()));
            n++;
        }
        return n;
    }

    /** Promises {@code pod}'s volumes on {@code node}; null when they cannot be had there. */
    public List<VolumeWrite> take(PodInfo pod, NodeInfo node) {
        if (!pod.constraints().volumes().needsBook()) {
            return List.of();
        }
        List<VolumeWrite> w = choose(pod, node, promised);
        if (w == null || exclusiveTaken(pod) || !withinLimits(node, List.of(newVolumes(pod, w)))) {
            return null;
        }
        w.stream().filter(x -> !x.provisions()).forEach(x -> promised.add(x.volume()));
        pod.constraints().volumes().exclusive().forEach(c -> promised.add("claim:" + c));
        writes.put(pod.key(), w);
        attach(node.name(), attachedBy(pod), +1);
        return w;
    }

    /** Undoes {@link #take}. */
    public void give(PodInfo pod, NodeInfo node) {
        if (!pod.constraints().volumes().needsBook()) {
            return;
        }
        attach(node.name(), attachedBy(pod), -1);
        List<VolumeWrite> w = writes.remove(pod.key());
        if (w != null) {
            w.stream().filter(x -> !x.provisions()).forEach(x -> promised.remove(x.volume()));
            pod.constraints().volumes().exclusive().forEach(c -> promised.remove("claim:" + c));
        }
    }

    private boolean exclusiveTaken(PodInfo pod) {
        for (String c : pod.constraints().volumes().exclusive()) {
            if (promised.contains("claim:" + c)) {
                return true;
            }
        }
        return false;
    }

    /** What {@link #take} wrote for the pod. */
    public List<VolumeWrite> writes(String podKey) {
        return writes.getOrDefault(podKey, List.of());
    }

    /** For each claim to bind, the volume it gets on {@code node} (or provisioning there); null when one gets none. */
    private List<VolumeWrite> choose(PodInfo pod, NodeInfo node, Set<String> unavailable) {
        List<VolumeWrite> out = new ArrayList<>();
        Set<String> mine = new HashSet<>();
        for (VolumeClaimInfo c : pod.constraints().volumes().unbound()) {
            PersistentVolumeInfo best = null;
            for (PersistentVolumeInfo pv : state.volumes().values()) {
                if (!unavailable.contains(pv.name()) && !mine.contains(pv.name()) && pv.suits(c) && pv.nodeAffinity().matches(node)
                        && (best == null || pv.capacityBytes() < best.capacityBytes())) {
                    best = pv;
                }
            }
            if (best != null) {
                mine.add(best.name());
                out.add(new VolumeWrite(c.namespace(), c.name(), c.uid(), node.name(), best.name()));
                continue;
            }
            StorageClassInfo sc = c.storageClass() == null ? null : state.classes().get(c.storageClass());
            if (sc == null || !sc.provisions() || !sc.allowedTopologies().matches(node)) {
                return null;
            }
            out.add(new VolumeWrite(c.namespace(), c.name(), c.uid(), node.name(), null));
        }
        return out;
    }

    /** The volumes the pod would add on a node: its bound ones, and those {@code w} binds or makes. */
    private List<PodVolumes.Attached> newVolumes(PodInfo pod, List<VolumeWrite> w) {
        List<PodVolumes.Attached> out = new ArrayList<>(pod.constraints().volumes().attached());
        Map<String, VolumeClaimInfo> byKey = new HashMap<>();
        pod.constraints().volumes().unbound().forEach(c -> byKey.put(c.key(), c));
        for (VolumeWrite x : w) {
            PodVolumes.Attached a = attachedOf(x, byKey.get(x.claimKey()));
            if (a != null) {
                out.add(a);
            }
        }
        return out;
    }

    /** True when the node's attach limits hold with {@code adding} (each a pod's volumes) attached as well. */
    private boolean withinLimits(NodeInfo node, List<List<PodVolumes.Attached>> adding) {
        Map<String, Integer> limits = state.attachLimits().get(node.name());
        if (limits == null || limits.isEmpty()) {
            return true;
        }
        Map<String, Set<String>> now = attached.getOrDefault(node.name(), Map.of());
        Map<String, Set<String>> extra = new HashMap<>();
        for (List<PodVolumes.Attached> pod : adding) {
            for (PodVolumes.Attached a : pod) {
                if (!now.getOrDefault(a.driver(), Set.of()).contains(a.id())) {
                    extra.computeIfAbsent(a.driver(), d -> new HashSet<>()).add(a.id());
                }
            }
        }
        for (var e : extra.entrySet()) {
            Integer limit = limits.get(e.getKey());
            if (limit != null && now.getOrDefault(e.getKey(), Set.of()).size() + e.getValue().size() > limit) {
                return false;
            }
        }
        return true;
    }
}
