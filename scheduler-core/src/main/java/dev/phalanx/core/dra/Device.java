package dev.phalanx.core.dra;

import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.RequiredNodeAffinity;
import dev.phalanx.core.model.Sorted;

import java.math.BigDecimal;
import java.util.List;
import java.util.SortedMap;

/**
 * One device a DRA driver publishes in a ResourceSlice. {@code node}: the node it is attached to, null for a
 * device several nodes may use: those {@code nodeSelector} selects (a slice's or device's node selector), every
 * node when it is null (a slice with {@code allNodes}). Attributes and capacities are keyed by their fully
 * qualified name ({@code domain/name}; a name without a domain takes the driver's); an attribute's value is a
 * Long, Boolean, String or {@link Semver}.
 */
public record Device(String driver, String pool, String name, String node, RequiredNodeAffinity nodeSelector,
                     SortedMap<String, Object> attributes, SortedMap<String, BigDecimal> capacity, List<Taint> taints) {
    public Device {
        attributes = Sorted.map(attributes);
        capacity = Sorted.map(capacity);
        taints = List.copyOf(taints);
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

    /** True when a pod on {@code n} may use it: it is attached to {@code n}, or its node selector selects {@code n}. */
    public boolean availableOn(NodeInfo n) {
        return node != null ? node.equals(n.name()) : nodeSelector == null || nodeSelector.matches(n);
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
}
