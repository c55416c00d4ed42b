package dev.phalanx.queue.status;

import dev.phalanx.api.v1alpha1.PodGroupStatus;
import dev.phalanx.api.v1alpha1.QueueStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * What the scheduling cycle last concluded about each PodGroup and Queue, for the reconcilers that
 * write it to the API server. The cycle publishes; a publication that changes something wakes the
 * reconciler of that object.
 */
public final class StatusBoard {
    public enum Kind { POD_GROUP, QUEUE }

    private final Map<String, PodGroupStatus> podGroups = new ConcurrentHashMap<>();
    private final Map<String, QueueStatus> queues = new ConcurrentHashMap<>();
    private final List<BiConsumer<Kind, String[]>> listeners = new CopyOnWriteArrayList<>();

    /** {@code listener} receives the kind and {namespace, name} (namespace null for a Queue). */
    public void onChange(BiConsumer<Kind, String[]> listener) {
        listeners.add(listener);
    }

    /** An event source that wakes a reconciler whenever the board changes for one of its objects. */
    public <P extends HasMetadata> SimpleInboundEventSource<P> eventSource(Kind kind) {
        SimpleInboundEventSource<P> source = new SimpleInboundEventSource<>(kind.name().toLowerCase() + "-status-board");
        onChange((k, id) -> {
            if (k == kind) {
                source.propagateEvent(id[0] == null ? new ResourceID(id[1]) : new ResourceID(id[1], id[0]));
            }
        });
        return source;
    }

    public void publish(String namespace, String name, PodGroupStatus status) {
        if (!Objects.equals(podGroups.put(namespace + "/" + name, status), status)) {
            listeners.forEach(l -> l.accept(Kind.POD_GROUP, new String[]{namespace, name}));
        }
    }

    public void publish(String queue, QueueStatus status) {
        if (!Objects.equals(queues.put(queue, status), status)) {
            listeners.forEach(l -> l.accept(Kind.QUEUE, new String[]{null, queue}));
        }
    }

    public Optional<PodGroupStatus> podGroup(String namespace, String name) {
        return Optional.ofNullable(podGroups.get(namespace + "/" + name));
    }

    public Optional<QueueStatus> queue(String name) {
        return Optional.ofNullable(queues.get(name));
    }

    public void forgetPodGroup(String namespace, String name) {
        podGroups.remove(namespace + "/" + name);
    }
}
