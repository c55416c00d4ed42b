package dev.phalanx.core.model;

import dev.phalanx.core.volume.VolumeClaimInfo;

import java.util.ArrayList;
import java.util.List;

/**
 * A pod's PersistentVolumeClaims ({@code claims}: each volume of the pod that names one, or whose ephemeral volume's
 * claim is made for it) and, once the snapshot has resolved them against the cluster's storage: the node affinity of
 * each bound volume ({@code boundAffinity}: all must hold), the claims still to be bound when the pod is scheduled
 * ({@code unbound}: their class waits for the first consumer), and the volumes a CSI driver attaches on the pod's node
 * ({@code attached}), which count against the node's attach limit, and its {@code ReadWriteOncePod} claims
 * ({@code exclusive}, namespace/name), which no other pod may use at the same time.
 */
public record PodVolumes(List<Ref> claims, List<RequiredNodeAffinity> boundAffinity, List<VolumeClaimInfo> unbound,
                         List<Attached> attached, List<String> exclusive) {
    public static final PodVolumes NONE = new PodVolumes(List.of(), List.of(), List.of(), List.of(), List.of());

    /** Volume {@code volume} of the pod uses claim {@code claim}; {@code ephemeral}: the claim is made for the pod. */
    public record Ref(String volume, String claim, boolean ephemeral) {
    }

    /** A volume, by a name unique in the cluster, attached by CSI driver {@code driver}. */
    public record Attached(String id, String driver) {
    }

    public PodVolumes {
        claims = claims == null ? List.of() : List.copyOf(claims);
        boundAffinity = boundAffinity == null ? List.of() : List.copyOf(boundAffinity);
        unbound = unbound == null ? List.of() : List.copyOf(unbound);
        attached = attached == null ? List.of() : List.copyOf(attached);
        exclusive = exclusive == null ? List.of() : List.copyOf(exclusive);
    }

    public static PodVolumes of(List<Ref> claims) {
        return claims.isEmpty() ? NONE : new PodVolumes(claims, List.of(), List.of(), List.of(), List.of());
    }

    public boolean isEmpty() {
        return claims.isEmpty();
    }

    /** True when where the pod may go depends on what other pods took this cycle: volumes to bind, or attach limits. */
    public boolean needsBook() {
        return !unbound.isEmpty() || !attached.isEmpty() || !exclusive.isEmpty();
    }

    /** The same claims, resolved. */
    public PodVolumes resolved(List<RequiredNodeAffinity> affinity, List<VolumeClaimInfo> toBind, List<Attached> attach,
                               List<String> exclusive) {
        return new PodVolumes(claims, affinity, toBind, attach, exclusive);
    }

    /** True when every bound volume can be reached from {@code node}. */
    public boolean reachableFrom(NodeInfo node) {
        for (RequiredNodeAffinity a : boundAffinity) {
            if (!a.matches(node)) {
                return false;
            }
        }
        return true;
    }

    /** What decides where the pod may go: bound volumes' affinity, the kind of each claim to bind, attaching drivers. */
    List<Object> shape() {
        List<Object> out = new ArrayList<>();
        out.add(boundAffinity);
        out.add(unbound.stream().map(c -> List.of(String.valueOf(c.storageClass()), c.requestBytes(), c.accessModes(),
                c.volumeMode(), String.valueOf(c.selectedNode()), c.selector())).toList());
        out.add(attached.stream().map(Attached::driver).sorted().toList());
        out.add(exclusive);
        return out;
    }
}
