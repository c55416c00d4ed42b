package dev.phalanx.core.workload;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a workload's controller creates for it, one level down, named and labelled as that controller does and
 * owned by it: a Job its pods, a JobSet its Jobs, a Kubeflow job (PyTorchJob, TFJob, XGBoostJob, JAXJob,
 * PaddleJob, MXJob) its pods, an MPIJob its launcher Job and worker pods, a RayJob its RayCluster, a RayCluster
 * its head and worker pods, a LeaderWorkerSet its leader StatefulSet, leader pods, worker StatefulSets and
 * worker pods. The simulator expands the workloads it is given through here, down to pods; tests use it to
 * stand in for an operator that does not run beside the test API server.
 *
 * <p>Pods are named by index where their controller adds a random suffix (a Job's {@code <job>-<i>}), so a
 * simulation is the same from one run to the next. Only a Job's first wave is created: as many pods as run at
 * once ({@code parallelism}, bounded by {@code completions}).
 */
public final class WorkloadExpander {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KUBEFLOW = Set.of("PyTorchJob", "TFJob", "XGBoostJob", "JAXJob", "PaddleJob", "MXJob");

    private WorkloadExpander() {
    }

    /** True when {@code kind} of {@code apiVersion} is a workload expanded here. */
    public static boolean expands(String apiVersion, String kind) {
        String group = apiVersion == null || !apiVersion.contains("/") ? "" : apiVersion.substring(0, apiVersion.indexOf('/'));
        return switch (kind) {
            case "Job" -> group.equals("batch");
            case "JobSet" -> group.equals("jobset.x-k8s.io");
            case "MPIJob" -> group.equals("kubeflow.org");
            case "RayCluster", "RayJob" -> group.equals("ray.io");
            case "LeaderWorkerSet" -> group.equals("leaderworkerset.x-k8s.io");
            default -> KUBEFLOW.contains(kind) && group.equals("kubeflow.org");
        };
    }

    /** The objects {@code workload}'s controller creates, with ownerReferences to it. */
    public static List<HasMetadata> children(GenericKubernetesResource workload) {
        Map<String, Object> spec = map(workload.getAdditionalProperties().get("spec"));
        String name = workload.getMetadata().getName();
        List<HasMetadata> out = new ArrayList<>();
        switch (workload.getKind()) {
            case "Job" -> {
                boolean indexed = "Indexed".equals(spec.get("completionMode"));
                int pods = jobPods(spec);
                for (int i = 0; i < pods; i++) {
                    Map<String, String> labels = new LinkedHashMap<>(Map.of("batch.kubernetes.io/job-name", name,
                            "job-name", name));
                    Map<String, String> annotations = new LinkedHashMap<>();
                    if (indexed) {
                        labels.put("batch.kubernetes.io/job-completion-index", String.valueOf(i));
                        annotations.put("batch.kubernetes.io/job-completion-index", String.valueOf(i));
                    }
                    out.add(pod(spec.get("template"), name + "-" + i, workload, labels, annotations));
                }
            }
            case "JobSet" -> {
                for (Object o : list(spec.get("replicatedJobs"))) {
                    Map<String, Object> rj = map(o);
                    int replicas = integer(rj.get("replicas"), 1);
                    Map<String, Object> template = map(rj.get("template"));
                    for (int r = 0; r < replicas; r++) {
                        String job = name + "-" + rj.get("name") + "-" + r;
                        Map<String, String> labels = Map.of("jobset.sigs.k8s.io/jobset-name", name,
                                "jobset.sigs.k8s.io/replicatedjob-name", String.valueOf(rj.get("name")),
                                "jobset.sigs.k8s.io/job-index", String.valueOf(r));
                        Map<String, Object> jobSpec = new LinkedHashMap<>(map(template.get("spec")));
                        Map<String, Object> podTemplate = new LinkedHashMap<>(map(jobSpec.get("template")));
                        Map<String, Object> podMeta = new LinkedHashMap<>(map(podTemplate.get("metadata")));
                        Map<String, Object> podLabels = new LinkedHashMap<>(map(podMeta.get("labels")));
                        podLabels.putAll(labels); // the JobSet controller labels its pods like its Jobs
                        podMeta.put("labels", podLabels);
                        podTemplate.put("metadata", podMeta);
                        jobSpec.put("template", podTemplate);
                        out.add(object("batch/v1", "Job", job, workload, labels, jobSpec));
                    }
                }
            }
            case "MPIJob" -> {
                Map<String, Object> replicas = map(spec.get("mpiReplicaSpecs"));
                Map<String, Object> launcher = map(replicas.get("Launcher"));
                if (!launcher.isEmpty()) {
                    Map<String, Object> jobSpec = new LinkedHashMap<>();
                    jobSpec.put("template", map(launcher.get("template")));
                    out.add(object("batch/v1", "Job", name + "-launcher", workload,
                            Map.of("training.kubeflow.org/job-name", name, "training.kubeflow.org/job-role", "launcher"), jobSpec));
                }
                Map<String, Object> worker = map(replicas.get("Worker"));
                for (int i = 0; i < integer(worker.get("replicas"), 0); i++) {
                    out.add(pod(worker.get("template"), name + "-worker-" + i, workload, Map.of("training.kubeflow.org/job-name",
                            name, "training.kubeflow.org/job-role", "worker", "training.kubeflow.org/replica-index",
                            String.valueOf(i)), Map.of()));
                }
            }
            case "RayJob" -> {
                Map<String, Object> clusterSpec = map(spec.get("rayClusterSpec"));
                out.add(object("ray.io/v1", "RayCluster", name, workload, Map.of("ray.io/originated-from-crd", "RayJob",
                        "ray.io/originated-from-cr-name", name), clusterSpec));
            }
            case "RayCluster" -> {
                Map<String, Object> head = map(spec.get("headGroupSpec"));
                out.add(pod(head.get("template"), name + "-head", workload, Map.of("ray.io/cluster", name,
                        "ray.io/node-type", "head", "ray.io/group", "headgroup"), Map.of()));
                for (Object o : list(spec.get("workerGroupSpecs"))) {
                    Map<String, Object> wg = map(o);
                    String group = String.valueOf(wg.getOrDefault("groupName", "worker"));
                    int n = integer(wg.get("replicas"), integer(wg.get("minReplicas"), 0));
                    for (int i = 0; i < n; i++) {
                        out.add(pod(wg.get("template"), name + "-" + group + "-worker-" + i, workload,
                                Map.of("ray.io/cluster", name, "ray.io/node-type", "worker", "ray.io/group", group), Map.of()));
                    }
                }
            }
            case "LeaderWorkerSet" -> out.addAll(leaderWorkerSet(workload, spec));
            default -> {
                if (!KUBEFLOW.contains(workload.getKind())) {
                    throw new IllegalArgumentException("a " + workload.getKind() + " is not a workload expanded here");
                }
                for (Map.Entry<String, Object> e : replicaSpecs(spec).entrySet()) {
                    String type = e.getKey().toLowerCase(Locale.ROOT);
                    Map<String, Object> rs = map(e.getValue());
                    for (int i = 0; i < integer(rs.get("replicas"), 1); i++) {
                        Map<String, String> labels = new LinkedHashMap<>(Map.of("training.kubeflow.org/job-name", name,
                                "training.kubeflow.org/replica-type", type, "training.kubeflow.org/replica-index", String.valueOf(i)));
                        if (type.equals("master") || type.equals("chief")) {
                            labels.put("training.kubeflow.org/job-role", "master");
                        }
                        out.add(pod(rs.get("template"), name + "-" + type + "-" + i, workload, labels, Map.of()));
                    }
                }
            }
        }
        return out;
    }

    /** LeaderWorkerSet: the leader StatefulSet, per group a leader pod, the group's worker StatefulSet and workers. */
    private static List<HasMetadata> leaderWorkerSet(GenericKubernetesResource lws, Map<String, Object> spec) {
        String name = lws.getMetadata().getName();
        Map<String, Object> lwt = map(spec.get("leaderWorkerTemplate"));
        int size = integer(lwt.get("size"), 1);
        Object workerTemplate = lwt.get("workerTemplate");
        Object leaderTemplate = lwt.containsKey("leaderTemplate") ? lwt.get("leaderTemplate") : workerTemplate;
        List<HasMetadata> out = new ArrayList<>();
        HasMetadata leaders = object("apps/v1", "StatefulSet", name, lws, Map.of("leaderworkerset.sigs.k8s.io/name", name),
                Map.of("replicas", integer(spec.get("replicas"), 1)));
        out.add(leaders);
        for (int g = 0; g < integer(spec.get("replicas"), 1); g++) {
            Map<String, String> labels = Map.of("leaderworkerset.sigs.k8s.io/name", name,
                    "leaderworkerset.sigs.k8s.io/group-index", String.valueOf(g), "leaderworkerset.sigs.k8s.io/worker-index", "0");
            Pod leader = pod(leaderTemplate, name + "-" + g, leaders, labels, Map.of());
            out.add(leader);
            HasMetadata workers = object("apps/v1", "StatefulSet", name + "-" + g, leader, Map.of(
                    "leaderworkerset.sigs.k8s.io/name", name, "leaderworkerset.sigs.k8s.io/group-index", String.valueOf(g)),
                    Map.of("replicas", size - 1));
            out.add(workers);
            for (int w = 1; w < size; w++) {
                out.add(pod(workerTemplate, name + "-" + g + "-" + w, workers, Map.of("leaderworkerset.sigs.k8s.io/name", name,
                        "leaderworkerset.sigs.k8s.io/group-index", String.valueOf(g), "leaderworkerset.sigs.k8s.io/worker-index",
                        String.valueOf(w)), Map.of()));
            }
        }
        return out;
    }

    private static Map<String, Object> replicaSpecs(Map<String, Object> spec) {
        for (Map.Entry<String, Object> e : spec.entrySet()) {
            if (e.getKey().endsWith("ReplicaSpecs")) {
                return map(e.getValue());
            }
        }
        return Map.of();
    }

    /** Pods of a Job that run at once: parallelism (default 1), no more than completions when set. */
    private static int jobPods(Map<String, Object> jobSpec) {
        int parallelism = integer(jobSpec.get("parallelism"), 1);
        Object completions = jobSpec.get("completions");
        return completions == null ? parallelism : Math.min(parallelism, integer(completions, parallelism));
    }

    /** A pod from a pod template, owned by {@code owner}, with the controller's labels and annotations added. */
    private static Pod pod(Object template, String name, HasMetadata owner, Map<String, String> labels,
                           Map<String, String> annotations) {
        PodTemplateSpec t = JSON.convertValue(map(template), PodTemplateSpec.class);
        if (t.getSpec() == null || t.getSpec().getContainers() == null || t.getSpec().getContainers().isEmpty()) {
            throw new IllegalArgumentException(owner.getKind() + " " + owner.getMetadata().getNamespace() + "/"
                    + owner.getMetadata().getName() + " has no pod template with containers for " + name);
        }
        Pod p = new Pod();
        p.setApiVersion("v1");
        p.setKind("Pod");
        ObjectMeta md = t.getMetadata() == null ? new ObjectMeta() : t.getMetadata();
        md.setName(name);
        md.setNamespace(owner.getMetadata().getNamespace());
        Map<String, String> l = new LinkedHashMap<>(md.getLabels() == null ? Map.of() : md.getLabels());
        l.putAll(labels);
        md.setLabels(l);
        Map<String, String> a = new LinkedHashMap<>(md.getAnnotations() == null ? Map.of() : md.getAnnotations());
        a.putAll(annotations);
        md.setAnnotations(a);
        md.setOwnerReferences(List.of(controllerRef(owner)));
        md.setUid(uid("pod", md.getNamespace(), name));
        p.setMetadata(md);
        p.setSpec(t.getSpec());
        return p;
    }

    private static GenericKubernetesResource object(String apiVersion, String kind, String name, HasMetadata owner,
                                                    Map<String, String> labels, Map<String, Object> spec) {
        return new GenericKubernetesResourceBuilder().withApiVersion(apiVersion).withKind(kind).withNewMetadata()
                .withName(name).withNamespace(owner.getMetadata().getNamespace()).withLabels(labels)
                .withUid(uid(kind.toLowerCase(Locale.ROOT), owner.getMetadata().getNamespace(), name))
                .withOwnerReferences(controllerRef(owner)).endMetadata().addToAdditionalProperties("spec", spec).build();
    }

    /**
     * A uid from the object's kind, namespace and name, so that what is created at one go can point at its own
     * (a LeaderWorkerSet's worker StatefulSet at its leader pod); an API server gives created objects uids of its own.
     */
    private static String uid(String kind, String namespace, String name) {
        return "uid-" + kind + "-" + namespace + "-" + name;
    }

    private static OwnerReference controllerRef(HasMetadata owner) {
        return new OwnerReferenceBuilder().withApiVersion(owner.getApiVersion()).withKind(owner.getKind())
                .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid()).withController(true)
                .withBlockOwnerDeletion(true).build();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static List<Object> list(Object o) {
        return o instanceof List<?> l ? List.copyOf(l) : List.of();
    }

    private static int integer(Object o, int orElse) {
        if (o instanceof Number n) {
            return n.intValue();
        }
        return orElse;
    }
}
