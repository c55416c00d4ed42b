package dev.phalanx.core.cycle;

import dev.phalanx.core.dra.ClaimInfo;
import dev.phalanx.core.volume.VolumeWrite;

import java.util.List;

/**
 * One pod to one node, with the GPU device indexes it was given (empty when it asks for no GPU), its
 * ResourceClaims as they must be written before the pod is bound (allocated, and reserved for it among others), and
 * its volume claims to bind ({@code volumes}: a PersistentVolume reserved for each, or one to be made on the node),
 * written before the pod is bound as well.
 */
public record Binding(String namespace, String pod, String node, List<Integer> gpuDevices, List<ClaimInfo> claims,
                      List<VolumeWrite> volumes) {
    public Binding {
        gpuDevices = List.copyOf(gpuDevices);
        claims = claims == null ? List.of() : List.copyOf(claims);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
    }

    public Binding(String namespace, String pod, String node, List<Integer> gpuDevices, List<ClaimInfo> claims) {
        this(namespace, pod, node, gpuDevices, claims, List.of());
    }

    public Binding(String namespace, String pod, String node, List<Integer> gpuDevices) {
        this(namespace, pod, node, gpuDevices, List.of(), List.of());
    }

    public String podKey() {
        return namespace + "/" + pod;
    }

    public Binding withClaims(List<ClaimInfo> written) {
        return new Binding(namespace, pod, node, gpuDevices, written, volumes);
    }

    public Binding withVolumes(List<VolumeWrite> written) {
        return new Binding(namespace, pod, node, gpuDevices, claims, written);
    }
}
