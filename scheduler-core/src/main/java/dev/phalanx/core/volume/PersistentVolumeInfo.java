package dev.phalanx.core.volume;

import dev.phalanx.core.model.RequiredNodeAffinity;

import java.util.List;
import java.util.Map;

/**
 * A PersistentVolume as scheduling reads it: its class, capacity in bytes, access modes and volume mode, the nodes it
 * can be reached from ({@code nodeAffinity}, {@link RequiredNodeAffinity#NONE} when any), the claim it is bound or
 * reserved for ({@code claimRef}, namespace/name, null when none), its phase, and the CSI driver that attaches it
 * (null for a volume no CSI driver attaches), which counts against the node's attach limit, and its labels (what a
 * claim's selector matches).
 */
public record PersistentVolumeInfo(String name, String storageClass, long capacityBytes, List<String> accessModes,
                                   String volumeMode, RequiredNodeAffinity nodeAffinity, String claimRef, String phase,
                                   String driver, Map<String, String> labels) {
    public PersistentVolumeInfo {
        accessModes = accessModes == null ? List.of() : List.copyOf(accessModes);
        volumeMode = volumeMode == null ? "Filesystem" : volumeMode;
        nodeAffinity = nodeAffinity == null ? RequiredNodeAffinity.NONE : nodeAffinity;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** The same volume, reserved for claim {@code claimKey}. */
    public PersistentVolumeInfo claimedBy(String claimKey) {
        return new PersistentVolumeInfo(name, storageClass, capacityBytes, accessModes, volumeMode, nodeAffinity, claimKey,
                phase, driver, labels);
    }

    /**
     * True when {@code claim} may be bound to it, wherever it is: reserved for the claim already, or reserved for none
     * and {@code Available} (a volume the volume controller has not made available yet is left alone, as kube-scheduler
     * leaves it; a volume read from YAML without a status is available); of the claim's class, at least as large, with
     * every access mode and the volume mode it asks for, the labels its selector asks for.
     */
    public boolean suits(VolumeClaimInfo claim) {
        if (claimRef != null && !claimRef.equals(claim.key())) {
            return false;
        }
        if (claimRef == null && phase != null && !phase.equals("Available")) {
            return false;
        }
        return java.util.Objects.equals(nullToEmpty(storageClass), nullToEmpty(claim.storageClass()))
                && capacityBytes >= claim.requestBytes() && accessModes.containsAll(claim.accessModes())
                && volumeMode.equals(claim.volumeMode()) && claim.selector().matches(labels);
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
