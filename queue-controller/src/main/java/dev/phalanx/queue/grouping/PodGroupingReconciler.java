package dev.phalanx.queue.grouping;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.PodGroupSpec;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.workload.GangRules;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.Field;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The podgrouper: for each pending pod of this scheduler that names no PodGroup, it follows the pod's owners
 * to the top and forms the gang their kind implies ({@link GangRules}): one PodGroup per workload, applied
 * (server-side) with the workload as its owner, so it goes when the workload goes, and an Event on the
 * workload naming it. Pods of Deployments and the like, and bare pods, start alone unless their workload asks.
 * It writes nothing on the pods: the gang it chose is held in {@link GroupAssignments} until the pod is bound,
 * and its binding carries the PodGroup's name onto it.
 *
 * <p>An owner it may not read (not allowed, or gone) ends the chain where it is: the workload is judged by the
 * owners it could read, never an error. It leaves alone a PodGroup of the same name that it did not make.
 */
@ControllerConfiguration(name = "podgrouper", informer = @Informer(labelSelector = "!" + Keys.POD_GROUP_LABEL,
        fieldSelector = @Field(path = "spec.nodeName", value = "")))
public final class PodGroupingReconciler implements Reconciler<Pod> {
    /** Marks a PodGroup this reconciler made. */
    public static final String AUTOMATIC_LABEL = "scheduling.phalanx.dev/automatic";
    static final String FIELD_MANAGER = "phalanx-podgrouper";
    private static final Logger LOG = LoggerFactory.getLogger(PodGroupingReconciler.class);
    private static final long OWNER_CACHE_MILLIS = 5_000;

    /** Told once per PodGroup made or changed, to say so on the workload. */
    public interface WorkloadEvents {
        void assigned(GangRules.Group group);
    }

    private final GroupAssignments assignments;
    private final String schedulerName;
    private final Clock clock;
    private final WorkloadEvents events;
    private final Map<String, Cached> owners = new ConcurrentHashMap<>();
    private final Map<String, PodGroupSpec> applied = new ConcurrentHashMap<>();

    private record Cached(GenericKubernetesResource object, long at) {
    }

    public PodGroupingReconciler(GroupAssignments assignments, String schedulerName, Clock clock, WorkloadEvents events) {
        this.assignments = assignments;
        this.schedulerName = schedulerName;
        this.clock = clock;
        this.events = events;
    }

    @Override
    public UpdateControl<Pod> reconcile(Pod pod, Context<Pod> context) {
        if (!schedulerName.equals(pod.getSpec().getSchedulerName()) || KubeObjects.nativeGroupOf(pod) != null
                || hasGroupAnnotation(pod)) {
            return UpdateControl.noUpdate();
        }
        String key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
        KubernetesClient client = context.getClient();
        GangRules.Decision d = GangRules.decide(pod, chain(client, pod));
        if (d instanceof GangRules.Group g) {
            if (ensure(client, g)) {
                assignments.assign(key, g.name());
            }
        } else {
            assignments.assign(key, null);
        }
        return UpdateControl.noUpdate();
    }

    private static boolean hasGroupAnnotation(Pod pod) {
        Map<String, String> a = pod.getMetadata().getAnnotations();
        return a != null && a.containsKey(Keys.POD_GROUP_LABEL);
    }

    /** The pod's owners, its controller first, as far up as they can be read. */
    private List<GenericKubernetesResource> chain(KubernetesClient client, Pod pod) {
        List<GenericKubernetesResource> chain = new ArrayList<>();
        OwnerReference ref = controller(pod.getMetadata());
        String namespace = pod.getMetadata().getNamespace();
        while (ref != null && chain.size() < 8) {
            GenericKubernetesResource owner = owner(client, namespace, ref);
            if (owner == null) {
                break;
            }
            chain.add(owner);
            ref = controller(owner.getMetadata());
        }
        return chain;
    }

    private static OwnerReference controller(ObjectMeta md) {
        if (md.getOwnerReferences() == null) {
            return null;
        }
        return md.getOwnerReferences().stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst().orElse(null);
    }

    private GenericKubernetesResource owner(KubernetesClient client, String namespace, OwnerReference ref) {
        long now = clock.now();
        Cached c = owners.get(ref.getUid());
        if (c != null && now - c.at() < OWNER_CACHE_MILLIS) {
            return c.object();
        }
        try {
            GenericKubernetesResource r = client.genericKubernetesResources(ref.getApiVersion(), ref.getKind())
                    .inNamespace(namespace).withName(ref.getName()).get();
            if (r == null || !Objects.equals(r.getMetadata().getUid(), ref.getUid())) {
                return null; // gone, or a newer object of the same name
            }
            if (owners.size() > 10_000) {
                owners.clear();
            }
            owners.put(ref.getUid(), new Cached(r, now));
            return r;
        } catch (KubernetesClientException e) {
            LOG.debug("cannot read owner {} {}/{} ({}); judging by the owners below it", ref.getKind(), namespace,
                    ref.getName(), e.getCode());
            return null;
        }
    }

    /**
     * Applies the gang's PodGroup unless it is already as wanted; false when a PodGroup of that name exists that
     * this reconciler did not make (that one is left alone, and governs its pods as it is).
     */
    private boolean ensure(KubernetesClient client, GangRules.Group g) {
        PodGroupSpec spec = g.spec();
        String key = g.namespace() + "/" + g.name();
        if (specEquals(applied.get(key), spec)) {
            return true;
        }
        try {
            PodGroup existing = client.resources(PodGroup.class).inNamespace(g.namespace()).withName(g.name()).get();
            if (existing != null && (existing.getMetadata().getLabels() == null
                    || !"true".equals(existing.getMetadata().getLabels().get(AUTOMATIC_LABEL)))) {
                return false;
            }
            PodGroup pg = new PodGroup();
            pg.setMetadata(new ObjectMeta());
            pg.getMetadata().setName(g.name());
            pg.getMetadata().setNamespace(g.namespace());
            pg.getMetadata().setLabels(Map.of(AUTOMATIC_LABEL, "true"));
            pg.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion(g.owner().apiVersion())
                    .withKind(g.owner().kind()).withName(g.owner().name()).withUid(g.owner().uid()).withController(false)
                    .withBlockOwnerDeletion(false).build()));
            pg.setSpec(spec);
            client.resource(pg).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
            applied.put(key, spec);
            events.assigned(g);
            return true;
        } catch (KubernetesClientException e) {
            LOG.warn("could not apply PodGroup {}: {}", key, e.getMessage());
            return false;
        }
    }

    private static boolean specEquals(PodGroupSpec a, PodGroupSpec b) {
        if (a == null) {
            return false;
        }
        return Objects.equals(a.getQueue(), b.getQueue()) && Objects.equals(a.getMinMember(), b.getMinMember())
                && Objects.equals(a.getPriorityClassName(), b.getPriorityClassName())
                && Objects.equals(topology(a), topology(b));
    }

    private static List<String> topology(PodGroupSpec s) {
        return s.getTopology() == null ? null : java.util.Arrays.asList(s.getTopology().getRequired(), s.getTopology().getPreferred());
    }
}
