package dev.phalanx.testing;

import dev.phalanx.core.model.Keys;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Small builders for the workloads users submit (Job, JobSet, PyTorchJob, a native PodGroup and its pods), as
 * generic objects, with Phalanx as their pods' scheduler. Annotations are given as key, value, ...
 */
public final class Workloads {
    private Workloads() {
    }

    /** A pod template asking for {@code gpus} GPUs, scheduled by Phalanx. */
    public static Map<String, Object> podTemplate(int gpus) {
        return podTemplate(gpus, "main");
    }

    private static Map<String, Object> podTemplate(int gpus, String container) {
        return Map.of("spec", Map.of("schedulerName", Keys.SCHEDULER_NAME, "restartPolicy", "Never",
                "containers", List.of(Map.of("name", container, "image", "busybox", "resources",
                        Map.of("requests", Map.of(Keys.GPU, String.valueOf(gpus)), "limits", Map.of(Keys.GPU, String.valueOf(gpus)))))));
    }

    public static GenericKubernetesResource job(String ns, String name, int parallelism, int gpus, String... annotations) {
        return object("batch/v1", "Job", ns, name, Map.of("parallelism", parallelism, "completions", parallelism,
                "completionMode", "Indexed", "template", podTemplate(gpus)), annotations);
    }

    public static GenericKubernetesResource jobSet(String ns, String name, int jobs, int podsPerJob, int gpus,
                                                   String... annotations) {
        return object("jobset.x-k8s.io/v1alpha2", "JobSet", ns, name, Map.of("replicatedJobs", List.of(Map.of("name", "workers",
                "replicas", jobs, "template", Map.of("spec", Map.of("parallelism", podsPerJob, "completions", podsPerJob,
                        "template", podTemplate(gpus)))))), annotations);
    }

    /** A master and {@code workers} workers; the container is named "pytorch", which the training operator requires. */
    public static GenericKubernetesResource pyTorchJob(String ns, String name, int workers, int gpus, String... annotations) {
        return object("kubeflow.org/v1", "PyTorchJob", ns, name, Map.of("pytorchReplicaSpecs", Map.of(
                "Master", Map.of("replicas", 1, "restartPolicy", "Never", "template", podTemplate(gpus, "pytorch")),
                "Worker", Map.of("replicas", workers, "restartPolicy", "Never", "template", podTemplate(gpus, "pytorch")))),
                annotations);
    }

    /** A native gang ({@code scheduling.k8s.io/v1beta1} PodGroup) of {@code minCount}, inside one {@code topologyKey} if given. */
    public static GenericKubernetesResource nativePodGroup(String ns, String name, int minCount, String topologyKey) {
        Map<String, Object> spec = new LinkedHashMap<>(Map.of("schedulingPolicy", Map.of("gang", Map.of("minCount", minCount))));
        if (topologyKey != null) {
            spec.put("schedulingConstraints", Map.of("topology", List.of(Map.of("key", topologyKey))));
        }
        return object("scheduling.k8s.io/v1beta1", "PodGroup", ns, name, spec);
    }

    /** A pod of a native gang: it points at the PodGroup by {@code spec.schedulingGroup.podGroupName}. */
    public static Pod nativeMember(String ns, String name, String podGroup, int gpus) {
        Pod p = Testing.pod(ns, name).gpus(gpus).build();
        p.getSpec().setAdditionalProperty("schedulingGroup", Map.of("podGroupName", podGroup));
        return p;
    }

    private static GenericKubernetesResource object(String apiVersion, String kind, String ns, String name,
                                                    Map<String, Object> spec, String... annotations) {
        var b = new GenericKubernetesResourceBuilder().withApiVersion(apiVersion).withKind(kind).withNewMetadata()
                .withName(name).withNamespace(ns);
        for (int i = 0; i + 1 < annotations.length; i += 2) {
            b.addToAnnotations(annotations[i], annotations[i + 1]);
        }
        return b.endMetadata().addToAdditionalProperties("spec", spec).build();
    }
}
