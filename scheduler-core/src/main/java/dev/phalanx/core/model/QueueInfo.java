package dev.phalanx.core.model;

import io.fabric8.kubernetes.api.model.LabelSelector;

import java.util.Map;

/**
 * A queue as declared. Quotas and limits are thousandths of a unit; a limit of {@link #NO_LIMIT} means none.
 * {@code invalidReason} is set when the queue cannot take work (a loop in its parents, a missing parent...).
 */
public record QueueInfo(String name, String parent, int priority, LabelSelector namespaceSelector,
                        Map<String, Share> resources, long preemptMinRuntimeMillis, long reclaimMinRuntimeMillis,
                        long createdAt, String invalidReason) {
    public static final long NO_LIMIT = -1;

    public QueueInfo {
        resources = Sorted.map(resources);
    }

    /** Quota, over-quota weight and limit of one resource. */
    public record Share(long quotaMilli, double overQuotaWeight, long limitMilli) {
        public static final Share DEFAULT = new Share(0, 1.0, NO_LIMIT);

        public boolean limited() {
            return limitMilli != NO_LIMIT;
        }
    }

    public Share share(String resource) {
        return resources.getOrDefault(resource, Share.DEFAULT);
    }

    public QueueInfo withInvalidReason(String reason) {
        return new QueueInfo(name, parent, priority, namespaceSelector, resources, preemptMinRuntimeMillis,
                reclaimMinRuntimeMillis, createdAt, reason);
    }
}
