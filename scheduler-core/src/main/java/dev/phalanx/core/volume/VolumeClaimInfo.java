package dev.phalanx.core.volume;

import dev.phalanx.core.model.PodSelector;

import java.util.List;

/**
 * A PersistentVolumeClaim as scheduling reads it: its {@code storageClass} (null when it names none), the
 * PersistentVolume it is bound to ({@code volumeName}, null while unbound), the node a provisioner was asked to make
 * its volume on ({@code selectedNode}, the {@value #SELECTED_NODE} annotation; null when none), the storage it
 * requests in bytes, its access modes and volume mode, whether it is being deleted, and the labels a volume bound to it
 * must have ({@code selector}; every volume when it has none).
 */
public record VolumeClaimInfo(String namespace, String name, String uid, String storageClass, String volumeName,
                              String selectedNode, long requestBytes, List<String> accessModes, String volumeMode,
                              boolean deleting, PodSelector selector) {
    /** The annotation kube-scheduler's volume binding sets to ask the provisioner for a volume on one node. */
    public static final String SELECTED_NODE = "volume.kubernetes.io/selected-node";

    public VolumeClaimInfo {
        accessModes = accessModes == null ? List.of() : List.copyOf(accessModes);
        volumeMode = volumeMode == null ? "Filesystem" : volumeMode;
        selector = selector == null ? PodSelector.EVERYTHING : selector;
    }

    public String key() {
        return namespace + "/" + name;
    }

    public boolean isBound() {
        return volumeName != null;
    }

    /** The same claim, {@code node} selected for its volume (null: none). */
    public VolumeClaimInfo withSelectedNode(String node) {
        return new VolumeClaimInfo(namespace, name, uid, storageClass, volumeName, node, requestBytes, accessModes, volumeMode,
                deleting, selector);
    }

    /** The same claim, bound to volume {@code pv}. */
    public VolumeClaimInfo boundTo(String pv) {
        return new VolumeClaimInfo(namespace, name, uid, storageClass, pv, selectedNode, requestBytes, accessModes, volumeMode,
                deleting, selector);
    }
}
