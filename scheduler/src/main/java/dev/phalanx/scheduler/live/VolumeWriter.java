package dev.phalanx.scheduler.live;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.volume.VolumeClaimInfo;
import dev.phalanx.core.volume.VolumeWrite;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Binds a pod's volume claims before the pod, as kube-scheduler's volume binding does: a PersistentVolume chosen for a
 * claim gets the claim in its {@code claimRef} (the volume controller then binds the two), and a claim whose volume is
 * to be made gets the chosen node in its {@value VolumeClaimInfo#SELECTED_NODE} annotation (its provisioner makes the
 * volume there). Each write carries the resourceVersion it read, so a claim or volume changed meanwhile fails the pod's
 * binding instead of being overwritten. {@link #release} undoes what a pod's writes did when its binding fails.
 *
 * <p>The pod is bound at once, without waiting for the volume controller or the provisioner to finish: the kubelet
 * starts the pod once its claims are bound.
 */
final class VolumeWriter {
    /** The annotation the volume controller sets on a volume it bound; kube-scheduler sets it when it reserves one. */
    static final String BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller";

    private final KubernetesClient client;

    VolumeWriter(KubernetesClient client) {
        this.client = client;
    }

    /**
     * Writes every volume of {@code b}; on failure, undoes what it wrote and throws (a {@link ClaimWriter.ClaimException}
     * with the HTTP code, as for ResourceClaims).
     */
    List<VolumeWrite> reserve(Binding b) {
        List<VolumeWrite> done = new ArrayList<>();
        try {
            for (VolumeWrite w : b.volumes()) {
                if (w.provisions()) {
                    selectNode(w);
                } else {
                    reserveVolume(w);
                }
                done.add(w);
            }
            return done;
        } catch (KubernetesClientException e) {
            release(done);
            throw new ClaimWriter.ClaimException(e.getCode() == 409 ? "a volume claim or volume changed while it was written: " + e.getMessage()
                    : e.getMessage(), e.getCode());
        } catch (RuntimeException e) {
            release(done);
            throw e;
        }
    }

    private void selectNode(VolumeWrite w) {
        PersistentVolumeClaim c = client.persistentVolumeClaims().inNamespace(w.namespace()).withName(w.claim()).get();
        if (c == null) {
            throw new ClaimWriter.ClaimException("PersistentVolumeClaim " + w.claimKey() + " does not exist", 404);
        }
        String selected = c.getMetadata().getAnnotations() == null ? null
                : c.getMetadata().getAnnotations().get(VolumeClaimInfo.SELECTED_NODE);
        if (c.getSpec().getVolumeName() != null && !c.getSpec().getVolumeName().isEmpty()
                || selected != null && !selected.equals(w.node())) {
            throw new ClaimWriter.ClaimException("PersistentVolumeClaim " + w.claimKey() + " was bound, or its volume asked for on node "
                    + selected + ", meanwhile", 409);
        }
        patchSelectedNode(w, c.getMetadata().getResourceVersion(), w.node());
    }

    private void patchSelectedNode(VolumeWrite w, String resourceVersion, String node) {
        Map<String, Object> annotations = new HashMap<>();
        annotations.put(VolumeClaimInfo.SELECTED_NODE, node); // null removes it
        Map<String, Object> metadata = new HashMap<>();
        metadata.put("annotations", annotations);
        if (resourceVersion != null) {
            metadata.put("resourceVersion", resourceVersion);
        }
        client.persistentVolumeClaims().inNamespace(w.namespace()).withName(w.claim())
                .patch(PatchContext.of(PatchType.JSON_MERGE), io.fabric8.kubernetes.client.utils.Serialization.asJson(
                        Map.of("metadata", metadata)));
    }

    private void reserveVolume(VolumeWrite w) {
        PersistentVolume v = client.persistentVolumes().withName(w.volume()).get();
        if (v == null) {
            throw new ClaimWriter.ClaimException("PersistentVolume " + w.volume() + " does not exist", 404);
        }
        var ref = v.getSpec().getClaimRef();
        if (ref != null && !(w.claim().equals(ref.getName()) && w.namespace().equals(ref.getNamespace()))) {
            throw new ClaimWriter.ClaimException("PersistentVolume " + w.volume() + " was reserved for " + ref.getNamespace() + "/"
                    + ref.getName() + " meanwhile", 409);
        }
        v.getSpec().setClaimRef(new ObjectReferenceBuilder().withApiVersion("v1").withKind("PersistentVolumeClaim")
                .withNamespace(w.namespace()).withName(w.claim()).withUid(w.claimUid()).build());
        if (v.getMetadata().getAnnotations() == null) {
            v.getMetadata().setAnnotations(new HashMap<>());
        }
        v.getMetadata().getAnnotations().put(BOUND_BY_CONTROLLER, "yes");
        client.persistentVolumes().resource(v).update(); // carries the resourceVersion read: 409 if it changed
    }

    /** Undoes {@code written}, where nothing else has built on it since; a failure is left for the next cycle to see. */
    void release(List<VolumeWrite> written) {
        for (VolumeWrite w : written) {
            try {
                if (w.provisions()) {
                    PersistentVolumeClaim c = client.persistentVolumeClaims().inNamespace(w.namespace()).withName(w.claim()).get();
                    if (c != null && (c.getSpec().getVolumeName() == null || c.getSpec().getVolumeName().isEmpty())) {
                        patchSelectedNode(w, c.getMetadata().getResourceVersion(), null);
                    }
                } else {
                    PersistentVolume v = client.persistentVolumes().withName(w.volume()).get();
                    var ref = v == null ? null : v.getSpec().getClaimRef();
                    if (ref != null && w.claim().equals(ref.getName()) && w.namespace().equals(ref.getNamespace())
                            && !"Bound".equals(v.getStatus() == null ? null : v.getStatus().getPhase())) {
                        v.getSpec().setClaimRef(null);
                        client.persistentVolumes().resource(v).update();
                    }
                }
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(VolumeWriter.class).warn("could not undo the volume write for claim {}: {}",
                        w.claimKey(), e.getMessage());
            }
        }
    }
}
