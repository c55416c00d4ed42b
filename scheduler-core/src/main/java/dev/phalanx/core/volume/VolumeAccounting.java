package dev.phalanx.core.volume;

import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodVolumes;
import dev.phalanx.core.model.RequiredNodeAffinity;

import java.util.ArrayList;
import java.util.List;

/**
 * Resolves each pod's PersistentVolumeClaims against the cluster's storage when a snapshot is assembled, with
 * kube-scheduler's volume binding rules. A claim bound to a volume keeps the pod on the nodes the volume's node
 * affinity names (and its zone labels, as kube-scheduler's VolumeZone filter reads them); a claim that waits for its first consumer ({@code WaitForFirstConsumer}) is bound when the pod is
 * placed (a matching available volume reachable from the chosen node, else a volume made there by its provisioner);
 * a claim whose provisioning already started for a node ({@value VolumeClaimInfo#SELECTED_NODE}) keeps the pod on that
 * node. A pending pod waits, saying why, while a claim does not exist (or its ephemeral volume's claim has not been
 * made), is being deleted, is bound to a volume that does not exist, names a StorageClass that does not exist, or is
 * unbound with a class that binds at once ({@code Immediate}): only the volume controller can bind it.
 */
public final class VolumeAccounting {
    private VolumeAccounting() {
    }

    public static List<PodInfo> apply(VolumeState state, List<PodInfo> pods) {
        // the ReadWriteOncePod claims pods holding resources use, and by whom
        java.util.Map<String, String> inUse = new java.util.HashMap<>();
        for (PodInfo p : pods) {
            if (p.phase().holdsResources()) {
                for (PodVolumes.Ref r : p.constraints().volumes().claims()) {
                    inUse.putIfAbsent(p.namespace() + "/" + r.claim(), p.key());
                }
            }
        }
        List<PodInfo> out = new ArrayList<>(pods.size());
        for (PodInfo p : pods) {
            out.add(p.constraints().volumes().isEmpty() ? p : resolve(state, p, inUse));
        }
        return out;
    }

    static PodInfo resolve(VolumeState state, PodInfo p, java.util.Map<String, String> inUse) {
        PodVolumes v = p.constraints().volumes();
        List<RequiredNodeAffinity> affinity = new ArrayList<>();
        List<VolumeClaimInfo> toBind = new ArrayList<>();
        List<PodVolumes.Attached> attached = new ArrayList<>();
        List<String> exclusive = new ArrayList<>();
        PodInfo.Hold hold = null;
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (PodVolumes.Ref r : v.claims()) {
            String key = p.namespace() + "/" + r.claim();
            if (!seen.add(key)) {
                continue;
            }
            VolumeClaimInfo c = state.claims().get(key);
            PodInfo.Hold why = null;
            if (c == null) {
                why = r.ephemeral()
                        ? new PodInfo.Hold("VolumeClaimPending", "the PersistentVolumeClaim " + r.claim() + " of its ephemeral volume "
                        + r.volume() + " has not been made yet")
                        : new PodInfo.Hold("VolumeClaimMissing", "PersistentVolumeClaim " + key + " (its volume " + r.volume()
                        + ") does not exist");
            } else if (c.deleting()) {
                why = new PodInfo.Hold("VolumeClaimDeleting", "PersistentVolumeClaim " + key + " is being deleted");
            } else if (c.accessModes().contains("ReadWriteOncePod") && p.isPending() && inUse.containsKey(key)) {
                why = new PodInfo.Hold("VolumeClaimInUse", "PersistentVolumeClaim " + key + " is ReadWriteOncePod and pod "
                        + inUse.get(key) + " uses it");
            } else if (c.isBound()) {
                PersistentVolumeInfo pv = state.volumes().get(c.volumeName());
                if (pv == null) {
                    why = new PodInfo.Hold("VolumeMissing", "PersistentVolumeClaim " + key + " is bound to PersistentVolume "
                            + c.volumeName() + ", which does not exist");
                } else {
                    if (pv.nodeAffinity().isRequired()) {
                        affinity.add(pv.nodeAffinity());
                    }
                    RequiredNodeAffinity zones = zoneLabels(pv);
                    if (zones != null) {
                        affinity.add(zones);
                    }
                    if (pv.driver() != null) {
                        attached.add(new PodVolumes.Attached(pv.name(), pv.driver()));
                    }
                }
            } else {
                String className = c.storageClass() == null || c.storageClass().isEmpty() ? null : c.storageClass();
                StorageClassInfo sc = className == null ? null : state.classes().get(className);
                if (className != null && sc == null) {
                    why = new PodInfo.Hold("StorageClassMissing", "StorageClass " + className + " of PersistentVolumeClaim " + key
                            + " does not exist");
                } else if (sc == null || !sc.waitForFirstConsumer()) {
                    why = new PodInfo.Hold("VolumeClaimUnbound", "PersistentVolumeClaim " + key + " is not bound, and "
                            + (sc == null ? "it names no StorageClass" : "its StorageClass " + sc.name() + " binds at once (volumeBindingMode Immediate)")
                            + ", so only the volume controller binds it; the pod waits until it is bound");
                } else if (c.selectedNode() != null) {
                    // its volume is being made for that node already: the pod goes there or nowhere
                    affinity.add(onNode(c.selectedNode()));
                    if (sc.provisions()) {
                        attached.add(new PodVolumes.Attached(c.key(), sc.provisioner()));
                    }
                } else {
                    toBind.add(c);
                }
            }
            if (c != null && c.accessModes().contains("ReadWriteOncePod")) {
                exclusive.add(key);
            }
            if (hold == null && why != null) {
                hold = why;
            }
        }
        PodInfo resolved = p.withConstraints(p.constraints().withVolumes(v.resolved(affinity, toBind, attached, exclusive)));
        return hold != null && p.isPending() && p.hold() == null ? resolved.withHold(hold) : resolved;
    }

    /** The zone and region labels a volume may carry (older volume plugins label volumes with their zone). */
    static final List<String> ZONE_LABELS = List.of("topology.kubernetes.io/zone", "topology.kubernetes.io/region",
            "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region");

    /**
     * The nodes a volume's zone and region labels allow, as kube-scheduler's VolumeZone filter reads them: a node must
     * carry each such label with one of the volume's values ({@code __} separates several); null when it has none.
     */
    static RequiredNodeAffinity zoneLabels(PersistentVolumeInfo pv) {
        List<RequiredNodeAffinity.Requirement> reqs = new ArrayList<>();
        for (String key : ZONE_LABELS) {
            String v = pv.labels().get(key);
            if (v != null && !v.isEmpty()) {
                reqs.add(new RequiredNodeAffinity.Requirement(key, "In", List.of(v.split("__"))));
            }
        }
        return reqs.isEmpty() ? null : new RequiredNodeAffinity(List.of(new RequiredNodeAffinity.Term(reqs, List.of())));
    }

    /** The affinity of node {@code name} alone. */
    static RequiredNodeAffinity onNode(String name) {
        return new RequiredNodeAffinity(List.of(new RequiredNodeAffinity.Term(List.of(),
                List.of(new RequiredNodeAffinity.Requirement("metadata.name", "In", List.of(name))))));
    }
}
