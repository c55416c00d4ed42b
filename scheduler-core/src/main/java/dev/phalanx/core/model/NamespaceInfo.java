package dev.phalanx.core.model;

import java.util.Map;

public record NamespaceInfo(String name, Map<String, String> labels) {
    public NamespaceInfo {
        labels = Sorted.map(labels);
    }

    public String defaultQueue() {
        return labels.getOrDefault(Keys.QUEUE_LABEL, Keys.DEFAULT_QUEUE);
    }
}
