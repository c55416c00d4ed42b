package dev.phalanx.core.kube;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.Queue;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;

import java.util.ArrayList;
import java.util.List;

/**
 * The objects of a cluster as read from Kubernetes YAML, each with the file it came from; {@code workloads} are
 * the Jobs, JobSets, Kubeflow jobs, Ray and LeaderWorkerSet objects the simulator expands into pods as their
 * controllers would, {@code nativePodGroups} Kubernetes' own PodGroups, {@code resources} the objects of Dynamic Resource
 * Allocation (DeviceClasses, ResourceSlices, ResourceClaims, ResourceClaimTemplates, NVIDIA ComputeDomains) and of
 * storage (PersistentVolumeClaims, PersistentVolumes, StorageClasses, CSINodes).
 */
public record Manifests(List<Sourced<Node>> nodes, List<Sourced<Namespace>> namespaces, List<Sourced<Queue>> queues,
                        List<Sourced<PodGroup>> podGroups, List<Sourced<Pod>> pods,
                        List<Sourced<PriorityClass>> priorityClasses,
                        List<Sourced<GenericKubernetesResource>> workloads,
                        List<Sourced<GenericKubernetesResource>> nativePodGroups,
                        List<Sourced<HasMetadata>> resources) {
    public record Sourced<T extends HasMetadata>(T object, String source) {
    }

    public static Manifests empty() {
        return new Manifests(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
                new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    }

    public int size() {
        return nodes.size() + namespaces.size() + queues.size() + podGroups.size() + pods.size() + priorityClasses.size()
                + workloads.size() + nativePodGroups.size() + resources.size();
    }
}
