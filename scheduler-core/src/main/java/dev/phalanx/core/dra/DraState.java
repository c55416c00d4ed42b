package dev.phalanx.core.dra;

import dev.phalanx.core.model.Sorted;

import java.util.List;
import java.util.Map;

/**
 * The Dynamic Resource Allocation objects of a snapshot: every device the drivers publish, the device classes, the
 * ResourceClaims and the ResourceClaimTemplates (as the claims they make), keyed by namespace/name.
 */
public record DraState(List<Device> devices, Map<String, DeviceClassInfo> classes, Map<String, ClaimInfo> claims,
                       Map<String, ClaimInfo> templates) {
    public static final DraState NONE = new DraState(List.of(), Map.of(), Map.of(), Map.of());

    public DraState {
        devices = List.copyOf(devices);
        classes = Sorted.map(classes);
        claims = Sorted.map(claims);
        templates = Sorted.map(templates);
    }

    public boolean isEmpty() {
        return devices.isEmpty() && claims.isEmpty();
    }

    /** The allocator for these classes, on the process's shared CEL programs. */
    public DeviceAllocator allocator() {
        return new DeviceAllocator(DeviceSelectors.shared(), classes);
    }
}
