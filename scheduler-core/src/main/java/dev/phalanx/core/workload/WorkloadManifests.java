package dev.phalanx.core.workload;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.PodGroupSpec;
import dev.phalanx.core.kube.Manifests;
import dev.phalanx.core.model.Keys;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The simulator's stand-in for the workload controllers and the podgrouper: every workload among the manifests
 * is expanded into the pods its controllers would create ({@link WorkloadExpander}, level by level), and each
 * pod that names no gang gets the PodGroup the live podgrouper would apply ({@link GangRules}), owned by its
 * workload, so a simulation of the manifests a user already has forms the same gangs the cluster would. A
 * workload's {@code sim.phalanx.dev/submit-at} and {@code sim.phalanx.dev/run-for} annotations carry over to its
 * pods and PodGroups (a pod's own win).
 */
public final class WorkloadManifests {
    private static final ObjectMapper JSON = new ObjectMapper();

    private WorkloadManifests() {
    }

    /** {@code m} with its workloads replaced by their pods and the PodGroups those pods form. */
    public static Manifests expand(Manifests m) {
        if (m.workloads().isEmpty()) {
            return m;
        }
        Manifests out = new Manifests(new ArrayList<>(m.nodes()), new ArrayList<>(m.namespaces()), new ArrayList<>(m.queues()),
                new ArrayList<>(m.podGroups()), new ArrayList<>(m.pods()), new ArrayList<>(m.priorityClasses()),
                new ArrayList<>(), new ArrayList<>(m.nativePodGroups()), new ArrayList<>(m.resources()));
        Map<String, PodGroup> formed = new LinkedHashMap<>();
        for (Manifests.Sourced<GenericKubernetesResource> s : m.workloads()) {
            GenericKubernetesResource workload = s.object();
            withUid(workload);
            Map<String, String> simAnnotations = simAnnotations(workload);
            Map<String, HasMetadata> byUid = new HashMap<>();
            byUid.put(workload.getMetadata().getUid(), workload);
            Deque<GenericKubernetesResource> todo = new ArrayDeque<>(List.of(workload));
            while (!todo.isEmpty()) {
                List<HasMetadata> children;
                try {
                    children = WorkloadExpander.children(todo.poll());
                } catch (IllegalArgumentException e) {
                    throw new dev.phalanx.core.kube.ManifestException(s.source() + ": " + e.getMessage(), e);
                }
                for (HasMetadata child : children) {
                    withUid(child);
                    byUid.put(child.getMetadata().getUid(), child);
                    if (child instanceof Pod pod) {
                        inherit(pod.getMetadata(), simAnnotations);
                        group(pod, byUid, simAnnotations, formed);
                        out.pods().add(new Manifests.Sourced<>(pod, s.source()));
                    } else if (child instanceof GenericKubernetesResource g
                            && WorkloadExpander.expands(g.getApiVersion(), g.getKind())) {
                        todo.add(g);
                    }
                }
            }
        }
        formed.values().forEach(g -> out.podGroups().add(new Manifests.Sourced<>(g, "PodGroup formed for " + ownerOf(g))));
        return out;
    }

    /** Gives {@code pod} the gang its owners imply, forming its PodGroup the first time, as the podgrouper does. */
    private static void group(Pod pod, Map<String, HasMetadata> byUid, Map<String, String> simAnnotations,
                              Map<String, PodGroup> formed) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        if ((labels != null && labels.containsKey(Keys.POD_GROUP_LABEL))
                || !Keys.SCHEDULER_NAME.equals(pod.getSpec() == null ? null : pod.getSpec().getSchedulerName())) {
            return;
        }
        List<GenericKubernetesResource> chain = new ArrayList<>();
        OwnerReference ref = controller(pod.getMetadata());
        while (ref != null && byUid.containsKey(ref.getUid())) {
            GenericKubernetesResource owner = generic(byUid.get(ref.getUid()));
            chain.add(owner);
            ref = controller(owner.getMetadata());
        }
        if (!(GangRules.decide(pod, chain) instanceof GangRules.Group g)) {
            return;
        }
        pod.getMetadata().getAnnotations().put(Keys.POD_GROUP_LABEL, g.name());
        formed.computeIfAbsent(g.namespace() + "/" + g.name(), k -> podGroup(g, simAnnotations));
    }

    private static PodGroup podGroup(GangRules.Group g, Map<String, String> simAnnotations) {
        PodGroup pg = new PodGroup();
        pg.setMetadata(new ObjectMeta());
        pg.getMetadata().setName(g.name());
        pg.getMetadata().setNamespace(g.namespace());
        pg.getMetadata().setAnnotations(new LinkedHashMap<>(simAnnotations));
        pg.getMetadata().getAnnotations().remove(Keys.SIM_RUN_FOR);
        pg.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion(g.owner().apiVersion())
                .withKind(g.owner().kind()).withName(g.owner().name()).withUid(g.owner().uid()).build()));
        PodGroupSpec spec = g.spec();
        pg.setSpec(spec);
        return pg;
    }

    private static String ownerOf(PodGroup g) {
        OwnerReference o = g.getMetadata().getOwnerReferences().get(0);
        return o.getKind() + " " + g.getMetadata().getNamespace() + "/" + o.getName();
    }

    private static Map<String, String> simAnnotations(HasMetadata workload) {
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, String> a = workload.getMetadata().getAnnotations();
        if (a != null) {
            for (String k : List.of(Keys.SIM_SUBMIT_AT, Keys.SIM_RUN_FOR)) {
                if (a.containsKey(k)) {
                    out.put(k, a.get(k));
                }
            }
        }
        return out;
    }

    private static void inherit(ObjectMeta md, Map<String, String> simAnnotations) {
        Map<String, String> a = md.getAnnotations() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(md.getAnnotations());
        simAnnotations.forEach(a::putIfAbsent);
        md.setAnnotations(a);
    }

    /** A name-based uid, so that owner references can point at objects no API server made. */
    private static void withUid(HasMetadata o) {
        if (o.getMetadata().getUid() == null) {
            o.getMetadata().setUid("sim-" + o.getKind().toLowerCase() + "-" + o.getMetadata().getNamespace() + "-"
                    + o.getMetadata().getName());
        }
    }

    private static OwnerReference controller(ObjectMeta md) {
        if (md.getOwnerReferences() == null) {
            return null;
        }
        return md.getOwnerReferences().stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst().orElse(null);
    }

    private static GenericKubernetesResource generic(HasMetadata o) {
        return o instanceof GenericKubernetesResource g ? g : JSON.convertValue(o, GenericKubernetesResource.class);
    }
}
