package dev.phalanx.core.volume;

/**
 * What binding a pod writes for one of its unbound claims before the pod itself, as kube-scheduler's volume binding
 * does: reserve PersistentVolume {@code volume} for the claim (its {@code claimRef}), or, when {@code volume} is null,
 * ask the claim's provisioner for a volume on {@code node} (the claim's {@value VolumeClaimInfo#SELECTED_NODE}
 * annotation). {@code claimUid}: the claim's uid, which a volume's claimRef carries.
 */
public record VolumeWrite(String namespace, String claim, String claimUid, String node, String volume) {
    public String claimKey() {
        return namespace + "/" + claim;
    }

    public boolean provisions() {
        return volume == null;
    }
}
