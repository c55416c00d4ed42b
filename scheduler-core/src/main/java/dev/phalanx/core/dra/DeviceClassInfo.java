package dev.phalanx.core.dra;

import java.util.List;

/**
 * A DeviceClass: the CEL selectors every device of the class satisfies, and the resource a queue counts a device
 * of it as ({@code countsAs}, e.g. nvidia.com/gpu; null: the class counts in no queue).
 */
public record DeviceClassInfo(String name, List<String> selectors, String countsAs) {
    public DeviceClassInfo {
        selectors = List.copyOf(selectors);
    }
}
