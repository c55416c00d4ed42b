package dev.phalanx.core.workload;

import dev.phalanx.core.model.Keys;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which gang a pod belongs to when nobody wrote a PodGroup for it: the rule each workload's controller
 * implies, applied to the chain of its owners (the pod's controller first, its top owner last). Pure: the
 * live podgrouper and the simulator's workload expansion both decide through here.
 *
 * <p>The gang is the first owner up the chain of a kind that runs its pods together:
 * <ul>
 *   <li>batch/v1 Job: {@code parallelism} pods (bounded by {@code completions}), indexed or not; a CronJob's
 *   Jobs are gangs of their own;</li>
 *   <li>JobSet ({@code jobset.x-k8s.io}): all pods of all its replicated jobs (its Jobs are not gangs of their
 *   own); a TrainJob runs through its JobSet;</li>
 *   <li>Kubeflow PyTorchJob, TFJob, XGBoostJob, JAXJob, PaddleJob, MXJob and MPIJob (launcher and workers):
 *   the sum of their replicas, or {@code runPolicy.schedulingPolicy.minAvailable} when set;</li>
 *   <li>Ray RayCluster (also a RayJob's): the head and every worker group's {@code minReplicas}; workers above
 *   that are elastic members;</li>
 *   <li>LeaderWorkerSet: each group (leader and workers, {@code leaderWorkerTemplate.size} pods) is a gang.</li>
 * </ul>
 * Deployments, StatefulSets, ReplicaSets, DaemonSets, bare pods and kinds Phalanx does not know get no gang
 * (each pod alone) unless their workload asks. Annotations on the workload (the gang's owner, else any owner
 * above it) override what was derived: {@value Keys#MIN_MEMBER_ANNOTATION},
 * {@value Keys#TOPOLOGY_REQUIRED_ANNOTATION}, {@value Keys#TOPOLOGY_PREFERRED_ANNOTATION},
 * {@value Keys#SEGMENT_SIZE_ANNOTATION} (segments of that many pods, each inside one domain of
 * {@value Keys#SEGMENT_REQUIRED_ANNOTATION}, by default {@value Keys#CLIQUE_LABEL}); {@value Keys#GANG_ANNOTATION} "false" opts out, "true" opts a
 * workload of another kind in (its replicas, or the min-member annotation, make the minimum).
 */
public final class GangRules {
    private GangRules() {
    }

    /** What a pod's owners imply: no gang, or the PodGroup to give it. */
    public sealed interface Decision permits Alone, Group {
    }

    /** No gang: the pod starts on its own; {@code why} says so in words. */
    public record Alone(String why) implements Decision {
    }

    /**
     * The gang: the PodGroup {@code name} in the pod's namespace, with what it needs, owned by {@code owner}, the
     * workload it is cut from, so it is garbage-collected with it (and with any owner above it, whose deletion
     * cascades down: a CronJob's old Jobs take their PodGroups with them); {@code top} is the top owner and
     * {@code derivation} says in words where {@code minMember} came from.
     */
    public record Group(String name, String namespace, int minMember, String queue, String priorityClassName,
                        String topologyRequired, String topologyPreferred, Integer segmentSize, String segmentRequired,
                        Owner owner, Owner top, String derivation) implements Decision {
        /** The PodGroup spec this gang applies, live and in the simulator alike. */
        public dev.phalanx.api.v1alpha1.PodGroupSpec spec() {
            dev.phalanx.api.v1alpha1.PodGroupSpec spec = new dev.phalanx.api.v1alpha1.PodGroupSpec();
            spec.setQueue(queue);
            spec.setMinMember(minMember);
            spec.setPriorityClassName(priorityClassName);
            if (topologyRequired != null || topologyPreferred != null || segmentSize != null) {
                dev.phalanx.api.v1alpha1.TopologySpec t = new dev.phalanx.api.v1alpha1.TopologySpec();
                t.setRequired(topologyRequired);
                t.setPreferred(topologyPreferred);
                if (segmentSize != null) {
                    t.setSegmentSize(segmentSize);
                    t.setSegmentRequired(segmentRequired);
                }
                spec.setTopology(t);
            }
            return spec;
        }
    }

    /** An owner as an ownerReference names it. */
    public record Owner(String apiVersion, String kind, String name, String uid) {
        static Owner of(GenericKubernetesResource r) {
            return new Owner(r.getApiVersion(), r.getKind(), r.getMetadata().getName(), r.getMetadata().getUid());
        }
    }

    private static final List<String> KUBEFLOW_REPLICA_SPECS = List.of("pytorchReplicaSpecs", "tfReplicaSpecs",
            "xgbReplicaSpecs", "xgboostReplicaSpecs", "jaxReplicaSpecs", "paddleReplicaSpecs", "mxReplicaSpecs",
            "mpiReplicaSpecs");

    /**
     * The gang of {@code pod}, whose owners are {@code chain}: its controller first, then that one's controller,
     * up to the top. An empty chain is a bare pod.
     */
    public static Decision decide(Pod pod, List<GenericKubernetesResource> chain) {
        if (chain.isEmpty()) {
            return new Alone("a pod without an owner starts on its own");
        }
        int at = unitIndex(chain);
        GenericKubernetesResource top = chain.get(chain.size() - 1);
        GenericKubernetesResource unit = at >= 0 ? chain.get(at) : top;
        List<GenericKubernetesResource> above = chain.subList(at >= 0 ? at : chain.size() - 1, chain.size());
        String gang = annotation(above, Keys.GANG_ANNOTATION);
        if ("false".equalsIgnoreCase(gang)) {
            return new Alone(describe(unit) + " opts out of a gang (" + Keys.GANG_ANNOTATION + ": \"false\")");
        }
        Integer minMember = integer(annotation(above, Keys.MIN_MEMBER_ANNOTATION));
        Derived derived = at >= 0 ? derive(unit, pod) : null;
        if (derived == null && !"true".equalsIgnoreCase(gang) && minMember == null) {
            return new Alone(describe(top) + " is a " + top.getKind() + ", whose pods start on their own unless it asks for a gang");
        }
        if (derived == null) {
            derived = new Derived(replicas(top), top.getKind() + " replicas", "");
        }
        String derivation = derived.how();
        int min = derived.minMember();
        if (minMember != null) {
            min = minMember;
            derivation = Keys.MIN_MEMBER_ANNOTATION + " on " + describe(unit);
        }
        String queue = annotationOrLabel(above, Keys.QUEUE_LABEL);
        if (queue == null) {
            queue = label(pod, Keys.QUEUE_LABEL);
        }
        String name = (unit.getKind() + "-" + unit.getMetadata().getName() + derived.suffix()).toLowerCase(Locale.ROOT);
        if (name.length() > 253) {
            name = name.substring(0, 253);
        }
        Integer segmentSize = integer(annotation(above, Keys.SEGMENT_SIZE_ANNOTATION));
        String segmentRequired = annotation(above, Keys.SEGMENT_REQUIRED_ANNOTATION);
        if (segmentRequired == null) {
            segmentRequired = Keys.CLIQUE_LABEL;
        }
        return new Group(name, pod.getMetadata().getNamespace(), Math.max(1, min), queue,
                pod.getSpec() == null ? null : pod.getSpec().getPriorityClassName(),
                annotation(above, Keys.TOPOLOGY_REQUIRED_ANNOTATION), annotation(above, Keys.TOPOLOGY_PREFERRED_ANNOTATION),
                segmentSize, segmentSize == null ? null : segmentRequired, Owner.of(unit), Owner.of(top), derivation);
    }

    /** The index in the chain of the owner the gang is cut from, or -1 when none of them is a gang kind. */
    private static int unitIndex(List<GenericKubernetesResource> chain) {
        int unit = -1;
        for (int i = 0; i < chain.size(); i++) {
            String kind = chain.get(i).getKind();
            if (isGangKind(chain.get(i))) {
                unit = i; // a gang kind above a Job (its JobSet, say) takes the Job's place
            } else if (!kind.equals("StatefulSet") && !kind.equals("Pod") && unit >= 0) {
                break; // a CronJob, a RayJob, a TrainJob above the gang: its runs are gangs of their own
            }
        }
        return unit;
    }

    private static boolean isGangKind(GenericKubernetesResource r) {
        String kind = r.getKind();
        String group = group(r.getApiVersion());
        return switch (kind) {
            case "Job" -> group.equals("batch");
            case "JobSet" -> group.equals("jobset.x-k8s.io");
            case "PyTorchJob", "TFJob", "XGBoostJob", "JAXJob", "PaddleJob", "MXJob", "MPIJob" -> group.equals("kubeflow.org");
            case "RayCluster" -> group.equals("ray.io");
            case "LeaderWorkerSet" -> group.equals("leaderworkerset.x-k8s.io");
            default -> false;
        };
    }

    private record Derived(int minMember, String how, String suffix) {
    }

    /** The minimum a gang kind's controller implies, and the suffix that names one of several gangs of it. */
    private static Derived derive(GenericKubernetesResource unit, Pod pod) {
        Map<String, Object> spec = map(unit.getAdditionalProperties().get("spec"));
        return switch (unit.getKind()) {
            case "Job" -> {
                int n = jobPods(spec);
                yield new Derived(n, "parallelism " + n + " of Job " + unit.getMetadata().getName(), "");
            }
            case "JobSet" -> {
                int total = 0;
                List<String> parts = new ArrayList<>();
                for (Object o : list(spec.get("replicatedJobs"))) {
                    Map<String, Object> rj = map(o);
                    int replicas = integer(rj.get("replicas"), 1);
                    int pods = jobPods(map(map(rj.get("template")).get("spec")));
                    total += replicas * pods;
                    parts.add(replicas + "x" + pods + " " + rj.get("name"));
                }
                yield new Derived(total, "replicated jobs " + String.join(" + ", parts), "");
            }
            case "RayCluster" -> {
                int total = 1; // the head
                List<String> parts = new ArrayList<>(List.of("1 head"));
                for (Object o : list(spec.get("workerGroupSpecs"))) {
                    Map<String, Object> wg = map(o);
                    int min = integer(wg.get("minReplicas"), integer(wg.get("replicas"), 0));
                    total += min;
                    parts.add(min + " " + wg.getOrDefault("groupName", "worker"));
                }
                yield new Derived(total, String.join(" + ", parts) + " (workers above their minReplicas are elastic)", "");
            }
            case "LeaderWorkerSet" -> {
                int size = integer(map(spec.get("leaderWorkerTemplate")).get("size"), 1);
                String group = label(pod, "leaderworkerset.sigs.k8s.io/group-index");
                yield new Derived(size, "group " + (group == null ? "0" : group) + " of size " + size,
                        "-" + (group == null ? "0" : group));
            }
            default -> { // the Kubeflow kinds
                Integer minAvailable = integer(map(map(spec.get("runPolicy")).get("schedulingPolicy")).get("minAvailable"));
                int total = 0;
                List<String> parts = new ArrayList<>();
                for (String field : KUBEFLOW_REPLICA_SPECS) {
                    for (Map.Entry<String, Object> e : map(spec.get(field)).entrySet()) {
                        int replicas = integer(map(e.getValue()).get("replicas"), 1);
                        total += replicas;
                        parts.add(replicas + " " + e.getKey());
                    }
                }
                yield minAvailable != null
                        ? new Derived(minAvailable, "runPolicy.schedulingPolicy.minAvailable of " + unit.getKind(), "")
                        : new Derived(total, String.join(" + ", parts), "");
            }
        };
    }

    /** Pods of a Job that run at once: parallelism (default 1), no more than completions when set. */
    private static int jobPods(Map<String, Object> jobSpec) {
        int parallelism = integer(jobSpec.get("parallelism"), 1);
        Integer completions = integer(jobSpec.get("completions"));
        return completions == null ? parallelism : Math.min(parallelism, completions);
    }

    private static int replicas(GenericKubernetesResource r) {
        return integer(map(r.getAdditionalProperties().get("spec")).get("replicas"), 1);
    }

    private static String describe(GenericKubernetesResource r) {
        return r.getKind() + " " + r.getMetadata().getName();
    }

    /** The first value of an annotation on {@code owners}, nearest first. */
    private static String annotation(List<GenericKubernetesResource> owners, String key) {
        for (GenericKubernetesResource o : owners) {
            Map<String, String> a = o.getMetadata().getAnnotations();
            if (a != null && a.get(key) != null && !a.get(key).isBlank()) {
                return a.get(key).trim();
            }
        }
        return null;
    }

    private static String annotationOrLabel(List<GenericKubernetesResource> owners, String key) {
        for (GenericKubernetesResource o : owners) {
            Map<String, String> l = o.getMetadata().getLabels();
            if (l != null && l.get(key) != null) {
                return l.get(key);
            }
        }
        return annotation(owners, key);
    }

    private static String label(Pod pod, String key) {
        Map<String, String> l = pod.getMetadata().getLabels();
        return l == null ? null : l.get(key);
    }

    private static String group(String apiVersion) {
        return apiVersion == null || !apiVersion.contains("/") ? "" : apiVersion.substring(0, apiVersion.indexOf('/'));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static List<Object> list(Object o) {
        return o instanceof List<?> l ? List.copyOf(l) : List.of();
    }

    private static Integer integer(Object o) {
        if (o instanceof Number n) {
            return n.intValue();
        }
        if (o instanceof String s) {
            try {
                return Integer.valueOf(s.trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static int integer(Object o, int orElse) {
        Integer i = integer(o);
        return i == null ? orElse : i;
    }
}
