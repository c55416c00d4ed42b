package dev.phalanx.core.kube;

import dev.phalanx.core.model.RequiredNodeAffinity;
import dev.phalanx.core.volume.PersistentVolumeInfo;
import dev.phalanx.core.volume.StorageClassInfo;
import dev.phalanx.core.volume.VolumeClaimInfo;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.CSINode;
import io.fabric8.kubernetes.api.model.storage.StorageClass;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Storage objects to the model: PersistentVolumeClaims, PersistentVolumes, StorageClasses (with their allowed
 * topologies as a node affinity) and the attach limits a node's CSINode states per driver.
 */
public final class VolumeObjects {
    private VolumeObjects() {
    }

    /** The class an object of {@code kind} in {@code apiVersion} reads as, when it is a storage object; else null. */
    public static Class<? extends HasMetadata> typeOf(String apiVersion, String kind) {
        if ("v1".equals(apiVersion)) {
            return switch (kind) {
                case "PersistentVolumeClaim" -> PersistentVolumeClaim.class;
                case "PersistentVolume" -> PersistentVolume.class;
                default -> null;
            };
        }
        if ("storage.k8s.io/v1".equals(apiVersion)) {
            return switch (kind) {
                case "StorageClass" -> StorageClass.class;
                case "CSINode" -> CSINode.class;
                default -> null;
            };
        }
        return null;
    }

    public static VolumeClaimInfo claim(PersistentVolumeClaim c) {
        var md = c.getMetadata();
        var spec = c.getSpec();
        long request = 0;
        if (spec != null && spec.getResources() != null && spec.getResources().getRequests() != null) {
            request = bytes(spec.getResources().getRequests().get("storage"));
        }
        String selected = md.getAnnotations() == null ? null : md.getAnnotations().get(VolumeClaimInfo.SELECTED_NODE);
        String volumeName = spec == null || spec.getVolumeName() == null || spec.getVolumeName().isEmpty() ? null : spec.getVolumeName();
        return new VolumeClaimInfo(md.getNamespace() == null ? "default" : md.getNamespace(), md.getName(), md.getUid(),
                spec == null ? null : spec.getStorageClassName(), volumeName, selected == null || selected.isEmpty() ? null : selected,
                request, spec == null ? List.of() : spec.getAccessModes(), spec == null ? null : spec.getVolumeMode(),
                md.getDeletionTimestamp() != null, spec == null || spec.getSelector() == null ? null : KubeObjects.selector(spec.getSelector()));
    }

    /** The claims made for a pod's ephemeral volumes ({@code <pod>-<volume>}, from each volume's claim template). */
    public static List<VolumeClaimInfo> ephemeralClaims(io.fabric8.kubernetes.api.model.Pod pod) {
        List<VolumeClaimInfo> out = new ArrayList<>();
        var volumes = pod.getSpec() == null ? null : pod.getSpec().getVolumes();
        for (var v : volumes == null ? List.<io.fabric8.kubernetes.api.model.Volume>of() : volumes) {
            if (v.getEphemeral() != null && v.getEphemeral().getVolumeClaimTemplate() != null) {
                var claim = new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder().withNewMetadata()
                        .withName(pod.getMetadata().getName() + "-" + v.getName()).withNamespace(pod.getMetadata().getNamespace())
                        .endMetadata().withSpec(v.getEphemeral().getVolumeClaimTemplate().getSpec()).build();
                out.add(claim(claim));
            }
        }
        return out;
    }

    public static PersistentVolumeInfo volume(PersistentVolume v) {
        var spec = v.getSpec();
        long capacity = spec == null || spec.getCapacity() == null ? 0 : bytes(spec.getCapacity().get("storage"));
        RequiredNodeAffinity affinity = spec == null || spec.getNodeAffinity() == null || spec.getNodeAffinity().getRequired() == null
                ? RequiredNodeAffinity.NONE : KubeObjects.nodeSelector(spec.getNodeAffinity().getRequired());
        String claimRef = null;
        if (spec != null && spec.getClaimRef() != null && spec.getClaimRef().getName() != null) {
            String ns = spec.getClaimRef().getNamespace() == null ? "default" : spec.getClaimRef().getNamespace();
            claimRef = ns + "/" + spec.getClaimRef().getName();
        }
        return new PersistentVolumeInfo(v.getMetadata().getName(), spec == null ? null : spec.getStorageClassName(), capacity,
                spec == null ? List.of() : spec.getAccessModes(), spec == null ? null : spec.getVolumeMode(), affinity, claimRef,
                v.getStatus() == null ? null : v.getStatus().getPhase(),
                spec == null || spec.getCsi() == null ? null : spec.getCsi().getDriver(), v.getMetadata().getLabels());
    }

    public static StorageClassInfo storageClass(StorageClass sc) {
        RequiredNodeAffinity allowed = RequiredNodeAffinity.NONE;
        if (sc.getAllowedTopologies() != null && !sc.getAllowedTopologies().isEmpty()) {
            // each topology term is a node selector term: the node must match one
            List<RequiredNodeAffinity.Term> terms = new ArrayList<>();
            for (var t : sc.getAllowedTopologies()) {
                List<RequiredNodeAffinity.Requirement> reqs = new ArrayList<>();
                for (var e : t.getMatchLabelExpressions() == null ? List.<io.fabric8.kubernetes.api.model.TopologySelectorLabelRequirement>of()
                        : t.getMatchLabelExpressions()) {
                    reqs.add(new RequiredNodeAffinity.Requirement(e.getKey(), "In", e.getValues()));
                }
                terms.add(new RequiredNodeAffinity.Term(reqs, List.of()));
            }
            allowed = new RequiredNodeAffinity(terms);
        }
        return new StorageClassInfo(sc.getMetadata().getName(), sc.getProvisioner(),
                "WaitForFirstConsumer".equals(sc.getVolumeBindingMode()), allowed);
    }

    /** Driver to the number of volumes it can attach on the CSINode's node, for the drivers that state a limit. */
    public static Map<String, Integer> attachLimits(CSINode n) {
        Map<String, Integer> out = new TreeMap<>();
        if (n.getSpec() == null || n.getSpec().getDrivers() == null) {
            return out;
        }
        for (var d : n.getSpec().getDrivers()) {
            if (d.getAllocatable() != null && d.getAllocatable().getCount() != null) {
                out.put(d.getName(), d.getAllocatable().getCount());
            }
        }
        return out;
    }

    private static long bytes(Quantity q) {
        if (q == null) {
            return 0;
        }
        try {
            return Quantity.getAmountInBytes(q).longValue();
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
