package dev.phalanx.core.cycle;

import dev.phalanx.core.model.HostPort;
import dev.phalanx.core.model.PodInfo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The host ports in use on each node during one cycle, as kube-scheduler's NodePorts filter sees them: two pods asking
 * for the same port and protocol on the same address never share a node, and {@value HostPort#ANY_IP} conflicts with
 * every address. Only nodes running a pod with host ports are held here.
 */
final class HostPorts {
    private final Map<Integer, List<HostPort>> inUse = new HashMap<>();

    HostPorts copy() {
        HostPorts c = new HostPorts();
        inUse.forEach((i, ports) -> c.inUse.put(i, new ArrayList<>(ports)));
        return c;
    }

    void add(int node, PodInfo pod) {
        if (!pod.constraints().hostPorts().isEmpty()) {
            inUse.computeIfAbsent(node, k -> new ArrayList<>()).addAll(pod.constraints().hostPorts());
        }
    }

    void remove(int node, PodInfo pod) {
        List<HostPort> ports = inUse.get(node);
        if (ports == null) {
            return;
        }
        for (HostPort p : pod.constraints().hostPorts()) {
            ports.remove(p);
        }
        if (ports.isEmpty()) {
            inUse.remove(node);
        }
    }

    void clear(int node) {
        inUse.remove(node);
    }

    void clear() {
        inUse.clear();
    }

    /** The first of {@code pod}'s host ports some pod on {@code node} holds already, or null when all are free. */
    HostPort taken(PodInfo pod, int node) {
        List<HostPort> ports = inUse.get(node);
        if (ports == null) {
            return null;
        }
        for (HostPort want : pod.constraints().hostPorts()) {
            for (HostPort have : ports) {
                if (want.conflicts(have)) {
                    return want;
                }
            }
        }
        return null;
    }
}
