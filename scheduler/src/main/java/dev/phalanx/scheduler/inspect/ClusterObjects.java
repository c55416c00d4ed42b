package dev.phalanx.scheduler.inspect;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.scheduler.cli.CliException;
import dev.phalanx.scheduler.live.ClusterCache;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The objects of a live cluster the scheduler reads, listed once: Nodes, Pods, Namespaces, PriorityClasses,
 * Queues and PodGroups, each list sorted by namespace and name. A cluster without Phalanx's CRDs has no
 * Queues or PodGroups (said once through {@code warn}); any other refusal stops with the API server's words.
 */
public record ClusterObjects(List<Node> nodes, List<Pod> pods, List<Namespace> namespaces,
                             List<PriorityClass> priorityClasses, List<Queue> queues, List<PodGroup> podGroups) {
    public static ClusterObjects list(KubernetesClient client, Consumer<String> warn) {
        return new ClusterObjects(
                sorted(get("nodes", () -> client.nodes().list().getItems())),
                sorted(get("pods", () -> client.pods().inAnyNamespace().list().getItems())),
                sorted(get("namespaces", () -> client.namespaces().list().getItems())),
                sorted(get("priorityclasses", () -> client.scheduling().v1().priorityClasses().list().getItems())),
                sorted(phalanx("queues", () -> client.resources(Queue.class).list().getItems(), warn)),
                sorted(phalanx("podgroups", () -> client.resources(PodGroup.class).inAnyNamespace().list().getItems(), warn)));
    }

    /** The scheduler's own view of these objects: the snapshot its next cycle would decide on. */
    public Snapshot snapshot(String schedulerName, long now) {
        ClusterCache cache = new ClusterCache(schedulerName, Clock.SYSTEM);
        priorityClasses.forEach(cache::put);
        namespaces.forEach(cache::put);
        nodes.forEach(cache::put);
        queues.forEach(cache::put);
        podGroups.forEach(cache::put);
        pods.forEach(cache::put);
        return cache.snapshot(now);
    }

    private static <T> List<T> get(String resource, Supplier<List<T>> list) {
        try {
            return list.get();
        } catch (KubernetesClientException e) {
            throw new CliException(CliException.CLUSTER, "cannot list " + resource + ": " + reason(e), e);
        }
    }

    private static <T> List<T> phalanx(String resource, Supplier<List<T>> list, Consumer<String> warn) {
        try {
            return list.get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                warn.accept("the cluster serves no " + resource + "." + HasMetadata.getGroup(Queue.class)
                        + " (Phalanx's CRDs are not installed): there are none");
                return List.of();
            }
            throw new CliException(CliException.CLUSTER, "cannot list " + resource + ": " + reason(e), e);
        }
    }

    private static String reason(KubernetesClientException e) {
        if (e.getStatus() != null && e.getStatus().getMessage() != null) {
            return e.getStatus().getMessage();
        }
        return e.getMessage() == null ? "HTTP " + e.getCode() : e.getMessage();
    }

    private static <T> List<T> sorted(List<T> items) {
        List<T> out = new ArrayList<>(items);
        out.sort(Comparator.comparing(o -> key((HasMetadata) o)));
        return List.copyOf(out);
    }

    static String key(HasMetadata o) {
        String ns = o.getMetadata().getNamespace();
        return (ns == null ? "" : ns + "/") + o.getMetadata().getName();
    }
}
