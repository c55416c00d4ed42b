package dev.phalanx.core.dra;

import dev.phalanx.core.model.Sorted;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * One device a DRA driver publishes in a ResourceSlice. {@code node}: the node it is attached to, null for a
 * device any node of {@code nodes} may use (a slice with {@code allNodes} or a node selector: {@code nodes} is
 * then null for all nodes, else the node names it selected). Attributes and capacities are keyed by their fully
 * qualified name ({@code domain/name}; a name without a domain takes the driver's); an attribute's value is a
 * Long, Boolean, String or {@link Semver}.
 */
public record Device(String driver, String pool, String name, String node, List<String> nodes,
                     SortedMap<String, Object> attributes, SortedMap<String, BigDecimal> capacity, List<Taint> taints) {
    public Device {
        attributes = Sorted.map(attributes);
        capacity = Sorted.map(capacity);
        taints = List.copyOf(taints);
        nodes = nodes == null ? null : List.copyOf(nodes);
    }

    /** A device taint; devices with a NoSchedule or NoExecute taint are handed out only to requests that tolerate it. */
    public record Taint(String key, String value, String effect) {
    }

    /** A version attribute: compared by semantic version. */
    public record Semver(String value) {
    }

    public Id id() {
        return new Id(driver, pool, name);
    }

    /** Where it may be used: attached to {@code nodeName}, or a device the slice offers it. */
    public boolean availableOn(String nodeName) {
        return node != null ? node.equals(nodeName) : nodes == null || nodes.contains(nodeName);
    }

    /** A device's identity, as a claim's allocation names it. */
    public record Id(String driver, String pool, String device) implements Comparable<Id> {
        @Override
        public int compareTo(Id o) {
            int c = driver.compareTo(o.driver);
            c = c != 0 ? c : pool.compareTo(o.pool);
            return c != 0 ? c : device.compareTo(o.device);
        }

        @Override
        public String toString() {
            return driver + "/" + pool + "/" + device;
        }
    }

    /** The attribute {@code qualifiedName} (domain/name, or a bare name in the driver's domain), or null. */
    public Object attribute(String qualifiedName) {
        return attributes.get(qualifiedName.contains("/") ? qualifiedName : driver + "/" + qualifiedName);
    }

    public static Map<String, Object> noAttributes() {
        return Map.of();
    }
}
