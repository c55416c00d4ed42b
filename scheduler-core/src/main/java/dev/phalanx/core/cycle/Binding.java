package dev.phalanx.core.cycle;

import dev.phalanx.core.dra.ClaimInfo;

import java.util.List;

/**
 * One pod to one node, with the GPU device indexes it was given (empty when it asks for no GPU), and its
 * ResourceClaims as they must be written before the pod is bound: allocated, and reserved for it among others.
 */
public record Binding(String namespace, String pod, String node, List<Integer> gpuDevices, List<ClaimInfo> claims) {
    public Binding {
        gpuDevices = List.copyOf(gpuDevices);
        claims = claims == null ? List.of() : List.copyOf(claims);
    }

    public Binding(String namespace, String pod, String node, List<Integer> gpuDevices) {
        this(namespace, pod, node, gpuDevices, List.of());
    }

    public String podKey() {
        return namespace + "/" + pod;
    }

    public Binding withClaims(List<ClaimInfo> written) {
        return new Binding(namespace, pod, node, gpuDevices, written);
    }
}
