package dev.phalanx.core.model;

import io.fabric8.kubernetes.api.model.LabelSelector;

import java.util.Map;

/**
 * A queue as declared. Quotas and limits are thousandths of a unit; a limit of {@link #NO_LIMIT} means none.
 * {@code invalidReason} is set when the queue cannot take work (a loop in its parents, a missing parent...).
 * {@code history}: its decayed usage as last written to its status, null when none was.
 */
public record QueueInfo(String name, String parent, int priority, LabelSelector namespaceSelector,
                        Map<String, Share> resources, long preemptMinRuntimeMillis, long reclaimMinRuntimeMillis,
                        long createdAt, String invalidReason, UsageHistory history) {
    public static final long NO_LIMIT = -1;

    public QueueInfo {
        resources = Sorted.map(resources);
    }

    /** A queue with no usage history. */
    public QueueInfo(String name, String parent, int priority, LabelSelector namespaceSelector, Map<String, Share> resources,
                     long preemptMinRuntimeMillis, long reclaimMinRuntimeMillis, long createdAt, String invalidReason) {
        this(name, parent, priority, namespaceSelector, resources, preemptMinRuntimeMillis, reclaimMinRuntimeMillis,
                createdAt, invalidReason, null);
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
                reclaimMinRuntimeMillis, createdAt, reason, history);
    }

    public QueueInfo withHistory(UsageHistory h) {
        return new QueueInfo(name, parent, priority, namespaceSelector, resources, preemptMinRuntimeMillis,
                reclaimMinRuntimeMillis, createdAt, invalidReason, h);
    }
}
