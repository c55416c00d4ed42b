package dev.phalanx.core.volume;

import dev.phalanx.core.model.Sorted;

import java.util.Map;

/**
 * The storage objects of a snapshot: PersistentVolumeClaims (by namespace/name), PersistentVolumes and StorageClasses
 * (by name), and each node's attach limit per CSI driver (from its CSINode: node name to driver to the number of
 * volumes the driver can attach there).
 */
public record VolumeState(Map<String, VolumeClaimInfo> claims, Map<String, PersistentVolumeInfo> volumes,
                          Map<String, StorageClassInfo> classes, Map<String, Map<String, Integer>> attachLimits) {
    public static final VolumeState NONE = new VolumeState(Map.of(), Map.of(), Map.of(), Map.of());

    public VolumeState {
        claims = Sorted.map(claims);
        volumes = Sorted.map(volumes);
        classes = Sorted.map(classes);
        attachLimits = Sorted.map(attachLimits);
    }

    public boolean isEmpty() {
        return claims.isEmpty() && volumes.isEmpty() && attachLimits.isEmpty();
    }
}
