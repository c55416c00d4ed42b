package dev.phalanx.core.dra;

import java.util.List;
import java.util.Set;

/**
 * A ResourceClaim: what its pods need ({@code requests}, {@code constraints}), and, once allocated, the devices
 * it holds ({@code allocated}, empty before) and on which node ({@code allocatedNode}, null when its devices are
 * not tied to one). {@code reservedFor}: the pods (namespace/name) it is reserved for. {@code computeDomain}: the
 * NVIDIA ComputeDomain (namespace/name) whose channel the claim is for, null when none.
 * {@code invalidReason}: why it cannot be honoured as written (a selector that does not compile, ...).
 */
public record ClaimInfo(String namespace, String name, String uid, List<Request> requests, List<MatchAttribute> constraints,
                        List<Allocated> allocated, String allocatedNode, Set<String> reservedFor, String computeDomain,
                        String invalidReason) {
    public ClaimInfo {
        requests = List.copyOf(requests);
        constraints = List.copyOf(constraints);
        allocated = List.copyOf(allocated);
        reservedFor = Set.copyOf(reservedFor);
    }

    public String key() {
        return namespace + "/" + name;
    }

    public boolean isAllocated() {
        return !allocated.isEmpty();
    }

    /**
     * One request: {@code count} devices ({@code all}: every matching device) of {@code deviceClassName} that
     * also pass {@code selectors}, tolerating {@code tolerations}.
     */
    public record Request(String name, String deviceClassName, List<String> selectors, boolean all, int count,
                          List<Toleration> tolerations) {
        public Request {
            selectors = List.copyOf(selectors);
            tolerations = List.copyOf(tolerations);
        }
    }

    /** All devices given to {@code requests} (every request when empty) share the value of {@code attribute}. */
    public record MatchAttribute(List<String> requests, String attribute) {
        public MatchAttribute {
            requests = List.copyOf(requests);
        }
    }

    /** A device toleration; {@code operator} Equal (default) or Exists. */
    public record Toleration(String key, String operator, String value, String effect) {
        boolean tolerates(Device.Taint t) {
            if (effect != null && !effect.isEmpty() && !effect.equals(t.effect())) {
                return false;
            }
            if (key == null || key.isEmpty()) {
                return "Exists".equals(operator);
            }
            if (!key.equals(t.key())) {
                return false;
            }
            return "Exists".equals(operator) || java.util.Objects.equals(value == null ? "" : value, t.value() == null ? "" : t.value());
        }
    }

    /** A device allocated to one of the claim's requests. */
    public record Allocated(String request, Device.Id device) {
    }

    public ClaimInfo withAllocation(List<Allocated> devices, String node) {
        return new ClaimInfo(namespace, name, uid, requests, constraints, devices, node, reservedFor, computeDomain, invalidReason);
    }
}
