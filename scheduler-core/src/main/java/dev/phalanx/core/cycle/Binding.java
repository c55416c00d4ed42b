package dev.phalanx.core.cycle;

import java.util.List;

/** One pod to one node, with the GPU device indexes it was given (empty when it asks for no GPU). */
public record Binding(String namespace, String pod, String node, List<Integer> gpuDevices) {
    public Binding {
        gpuDevices = List.copyOf(gpuDevices);
    }

    public String podKey() {
        return namespace + "/" + pod;
    }
}
