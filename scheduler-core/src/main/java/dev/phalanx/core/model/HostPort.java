package dev.phalanx.core.model;

/**
 * A port a pod takes on its node's own network ({@code hostPort} of a container or a sidecar): no two pods on one node
 * may hold the same port and protocol on the same address, and {@value #ANY_IP} (the default) holds it on every address.
 */
public record HostPort(String protocol, String ip, int port) {
    public static final String ANY_IP = "0.0.0.0";

    public HostPort {
        protocol = protocol == null || protocol.isEmpty() ? "TCP" : protocol;
        ip = ip == null || ip.isEmpty() ? ANY_IP : ip;
    }

    public boolean conflicts(HostPort other) {
        return port == other.port && protocol.equals(other.protocol)
                && (ip.equals(other.ip) || ip.equals(ANY_IP) || other.ip.equals(ANY_IP));
    }

    @Override
    public String toString() {
        return port + "/" + protocol + (ip.equals(ANY_IP) ? "" : " on " + ip);
    }
}
