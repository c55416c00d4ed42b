package dev.phalanx.core.kube;

import dev.phalanx.api.v1alpha1.ApiPatterns;
import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.PodGroupSpec;
import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.api.v1alpha1.QueueResource;
import dev.phalanx.api.v1alpha1.QueueSpec;
import dev.phalanx.api.v1alpha1.QueueStatus;
import dev.phalanx.core.model.Checkpoint;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NamespaceInfo;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodGroupInfo;
import dev.phalanx.core.model.SubGroups;
import dev.phalanx.core.model.PodConstraints;
import dev.phalanx.core.model.PodVolumes;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodPhase;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.RequiredNodeAffinity;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Taint;
import dev.phalanx.core.model.Toleration;
import dev.phalanx.core.model.AffinityTerm;
import dev.phalanx.core.model.HostPort;
import dev.phalanx.core.model.PodSelector;
import dev.phalanx.core.model.SpreadConstraint;
import dev.phalanx.core.model.UsageHistory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * Kubernetes objects to the domain model, shared by the live cache and the simulator so both see the
 * same cluster. Anything malformed becomes an {@code invalidReason} on the object, never an exception.
 */
public final class KubeObjects {
    private KubeObjects() {
    }

    public static NodeInfo node(Node n) {
        ObjectMeta md = n.getMetadata();
        Map<String, Quantity> alloc = n.getStatus() == null ? null
                : n.getStatus().getAllocatable() != null ? n.getStatus().getAllocatable() : n.getStatus().getCapacity();
        Resources allocatable;
        try {
            allocatable = Resources.fromQuantities(alloc);
        } catch (RuntimeException e) {
            allocatable = Resources.NONE; // a node whose capacity does not parse offers nothing
        }
        List<Taint> taints = new ArrayList<>();
        boolean unschedulable = false;
        if (n.getSpec() != null) {
            unschedulable = Boolean.TRUE.equals(n.getSpec().getUnschedulable());
            if (n.getSpec().getTaints() != null) {
                n.getSpec().getTaints().forEach(t -> taints.add(new Taint(t.getKey(), t.getValue(), t.getEffect())));
            }
        }
        return new NodeInfo(md.getName(), labels(md), allocatable, taints, unschedulable, Resources.NONE, unavailable(n));
    }

    /**
     * Why a node takes no new pods though not cordoned, or null: its kubelet reports it not ready (the Ready condition
     * False, or the node lifecycle controller's not-ready taint), it does not report at all (Ready Unknown, the
     * unreachable taint), or its GPUs are reported unhealthy: a GPU health condition ({@link Keys#GPU_HEALTH_CONDITION_PREFIX})
     * says so, or the device plugin offers fewer {@code nvidia.com/gpu} than the node has (the kubelet's allocatable
     * leaves out the devices the plugin reports unhealthy).
     */
    static NodeInfo.Unavailable unavailable(Node n) {
        var status = n.getStatus();
        for (var c : status == null || status.getConditions() == null ? List.<io.fabric8.kubernetes.api.model.NodeCondition>of()
                : status.getConditions()) {
            String type = c.getType() == null ? "" : c.getType();
            if (type.equals("Ready") && "False".equals(c.getStatus())) {
                return new NodeInfo.Unavailable("notReady", "its kubelet reports it not ready" + because(c), millis(c.getLastTransitionTime()));
            }
            if (type.equals("Ready") && "Unknown".equals(c.getStatus())) {
                return new NodeInfo.Unavailable("unreachable", "its kubelet stopped reporting" + because(c), millis(c.getLastTransitionTime()));
            }
        }
        if (n.getSpec() != null && n.getSpec().getTaints() != null) {
            for (var t : n.getSpec().getTaints()) {
                if (Keys.NOT_READY_TAINT.equals(t.getKey())) {
                    return new NodeInfo.Unavailable("notReady", "it is tainted " + t.getKey(), millis(t.getTimeAdded()));
                }
                if (Keys.UNREACHABLE_TAINT.equals(t.getKey())) {
                    return new NodeInfo.Unavailable("unreachable", "it is tainted " + t.getKey(), millis(t.getTimeAdded()));
                }
            }
        }
        for (var c : status == null || status.getConditions() == null ? List.<io.fabric8.kubernetes.api.model.NodeCondition>of()
                : status.getConditions()) {
            String type = c.getType() == null ? "" : c.getType();
            if (!type.toLowerCase(java.util.Locale.ROOT).startsWith(Keys.GPU_HEALTH_CONDITION_PREFIX)) {
                continue;
            }
            boolean healthyKind = type.endsWith("Healthy");
            if (healthyKind ? "False".equals(c.getStatus()) : "True".equals(c.getStatus())) {
                return new NodeInfo.Unavailable("gpuUnhealthy", "its condition " + type + " is " + c.getStatus() + because(c),
                        millis(c.getLastTransitionTime()));
            }
        }
        if (status != null && status.getCapacity() != null && status.getAllocatable() != null) {
            try {
                long capacity = Resources.toMilli(status.getCapacity().get(Keys.GPU));
                long offered = Resources.toMilli(status.getAllocatable().get(Keys.GPU));
                if (offered < capacity) {
                    return new NodeInfo.Unavailable("gpuDevicesUnhealthy", "its device plugin offers " + Resources.formatMilli(offered)
                            + " of its " + Resources.formatMilli(capacity) + " " + Keys.GPU + " (the others are reported unhealthy)", 0);
                }
            } catch (RuntimeException e) {
                // a quantity that does not parse: the node offers nothing anyway
            }
        }
        return null;
    }

    private static String because(io.fabric8.kubernetes.api.model.NodeCondition c) {
        String why = c.getReason() == null ? "" : c.getReason();
        if (c.getMessage() != null && !c.getMessage().isBlank()) {
            why = why.isEmpty() ? c.getMessage() : why + ": " + c.getMessage();
        }
        return why.isEmpty() ? "" : " (" + why + ")";
    }

    private static long millis(String timestamp) {
        try {
            return timestamp == null ? 0 : java.time.Instant.parse(timestamp).toEpochMilli();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    public static NamespaceInfo namespace(Namespace ns) {
        return new NamespaceInfo(ns.getMetadata().getName(), labels(ns.getMetadata()));
    }

    /**
     * A pod as the scheduler sees it. {@code priorityOf} resolves a PriorityClass name (0 when unknown);
     * {@code createdAt} is supplied by the caller (creation time live, submit time in simulation).
     */
    public static PodInfo pod(Pod pod, ToIntFunction<String> priorityOf, long createdAt) {
        ObjectMeta md = pod.getMetadata();
        Map<String, String> labels = labels(md);
        Map<String, String> annotations = md.getAnnotations() == null ? Map.of() : md.getAnnotations();
        var spec = pod.getSpec();
        String invalid = null;
        Resources requests = Resources.NONE;
        try {
            requests = requests(spec);
        } catch (IllegalArgumentException e) {
            invalid = "a container's resource request does not parse: " + e.getMessage();
        }
        int fraction = 0;
        String fractionText = annotations.get(Keys.GPU_FRACTION_ANNOTATION);
        if (fractionText != null && invalid == null && requests.milli(Keys.GPU) > 0) {
            invalid = "annotation " + Keys.GPU_FRACTION_ANNOTATION + " asks for a share of one device, but its containers also "
                    + "request " + Resources.formatMilli(requests.milli(Keys.GPU)) + " whole " + Keys.GPU
                    + ", which the kubelet would give it; keep one of the two";
        } else if (fractionText != null) {
            try {
                double f = Double.parseDouble(fractionText.trim());
                if (!(f > 0 && f < 1)) {
                    throw new NumberFormatException();
                }
                fraction = (int) Math.round(f * 1000);
                Map<String, Long> m = new LinkedHashMap<>(requests.asMilliMap());
                m.put(Keys.GPU, (long) fraction);
                requests = Resources.ofMilli(m);
            } catch (NumberFormatException e) {
                invalid = "annotation " + Keys.GPU_FRACTION_ANNOTATION + " must be a number between 0 and 1 (e.g. \"0.5\"), got \""
                        + fractionText + "\"";
            }
        }
        String phaseText = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        boolean onNode = spec.getNodeName() != null && !spec.getNodeName().isEmpty();
        PodPhase phase = "Succeeded".equals(phaseText) ? PodPhase.SUCCEEDED
                : "Failed".equals(phaseText) ? PodPhase.FAILED
                : !onNode ? PodPhase.PENDING
                : "Running".equals(phaseText) ? PodPhase.RUNNING : PodPhase.BOUND;
        List<Integer> devices = new ArrayList<>();
        String devText = annotations.get(Keys.GPU_DEVICES_ANNOTATION);
        if (devText != null && !devText.isBlank()) {
            try {
                for (String d : devText.split(",")) {
                    devices.add(Integer.parseInt(d.trim()));
                }
            } catch (NumberFormatException e) {
                devices.clear(); // recomputed from what is free on the node
            }
        }
        List<Toleration> tolerations = new ArrayList<>();
        if (spec.getTolerations() != null) {
            spec.getTolerations().forEach(t -> tolerations.add(
                    new Toleration(t.getKey(), t.getOperator() == null ? "Equal" : t.getOperator(), t.getValue(), t.getEffect())));
        }
        int priority = spec.getPriority() != null ? spec.getPriority()
                : spec.getPriorityClassName() == null ? 0 : priorityOf.applyAsInt(spec.getPriorityClassName());
        String scheduler = spec.getSchedulerName() == null ? "default-scheduler" : spec.getSchedulerName();
        // its gang: the label a user set, else the annotation an automatic gang's binding carried, else the native
        // PodGroup it points at
        String group = labels.get(Keys.POD_GROUP_LABEL);
        if (group == null) {
            group = annotations.get(Keys.POD_GROUP_LABEL);
        }
        if (group == null) {
            group = nativeGroupOf(pod);
        }
        String namespace = md.getNamespace() == null ? "default" : md.getNamespace();
        PodConstraints constraints = new PodConstraints(labels, claims(pod), gates(spec), podAffinity(spec, namespace, labels),
                spread(spec, labels), hostPorts(spec), PodVolumes.of(volumeClaims(spec, md.getName())));
        PodInfo.Hold hold = constraints.schedulingGates().isEmpty() ? null : new PodInfo.Hold("SchedulingGated",
                "it has scheduling gates " + String.join(", ", constraints.schedulingGates())
                        + "; it is not scheduled until they are removed");
        return new PodInfo(namespace, md.getName(),
                group, labels.get(Keys.QUEUE_LABEL), scheduler, requests, fraction,
                spec.getNodeSelector() == null ? Map.of() : spec.getNodeSelector(), tolerations, requiredNodeAffinity(spec),
                spec.getPriorityClassName(), priority, createdAt, phase, phase == PodPhase.PENDING ? null : spec.getNodeName(),
                devices, invalid, constraints, Resources.NONE, hold);
    }

    /**
     * Its inter-pod affinity and anti-affinity, each term resolved against the pod: its namespaces (the pod's own when it
     * names none), and matchLabelKeys / mismatchLabelKeys folded into the selector as the API server folds them (key in
     * or not in the pod's own value; a key the pod has no label for adds nothing).
     */
    static PodConstraints.InterPodAffinity podAffinity(PodSpec spec, String namespace, Map<String, String> labels) {
        var a = spec.getAffinity();
        if (a == null || (a.getPodAffinity() == null && a.getPodAntiAffinity() == null)) {
            return PodConstraints.InterPodAffinity.NONE;
        }
        List<AffinityTerm> required = new ArrayList<>(), requiredAnti = new ArrayList<>(), preferred = new ArrayList<>(),
                preferredAnti = new ArrayList<>();
        if (a.getPodAffinity() != null) {
            terms(a.getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution(), namespace, labels, required);
            weighted(a.getPodAffinity().getPreferredDuringSchedulingIgnoredDuringExecution(), namespace, labels, preferred);
        }
        if (a.getPodAntiAffinity() != null) {
            terms(a.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution(), namespace, labels, requiredAnti);
            weighted(a.getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution(), namespace, labels, preferredAnti);
        }
        return new PodConstraints.InterPodAffinity(required, requiredAnti, preferred, preferredAnti);
    }

    private static void terms(List<PodAffinityTerm> in, String namespace, Map<String, String> labels, List<AffinityTerm> out) {
        for (PodAffinityTerm t : in == null ? List.<PodAffinityTerm>of() : in) {
            out.add(term(t, 0, namespace, labels));
        }
    }

    private static void weighted(List<WeightedPodAffinityTerm> in, String namespace, Map<String, String> labels,
                                 List<AffinityTerm> out) {
        for (WeightedPodAffinityTerm w : in == null ? List.<WeightedPodAffinityTerm>of() : in) {
            if (w.getPodAffinityTerm() != null) {
                out.add(term(w.getPodAffinityTerm(), w.getWeight() == null ? 1 : w.getWeight(), namespace, labels));
            }
        }
    }

    private static AffinityTerm term(PodAffinityTerm t, int weight, String namespace, Map<String, String> labels) {
        PodSelector selector = selector(t.getLabelSelector());
        for (String key : t.getMatchLabelKeys() == null ? List.<String>of() : t.getMatchLabelKeys()) {
            if (labels.containsKey(key)) {
                selector = selector.and(new PodSelector.Requirement(key, "In", List.of(labels.get(key))));
            }
        }
        for (String key : t.getMismatchLabelKeys() == null ? List.<String>of() : t.getMismatchLabelKeys()) {
            if (labels.containsKey(key)) {
                selector = selector.and(new PodSelector.Requirement(key, "NotIn", List.of(labels.get(key))));
            }
        }
        List<String> namespaces = t.getNamespaces() == null ? List.of() : t.getNamespaces();
        PodSelector nsSelector = t.getNamespaceSelector() == null ? null : selector(t.getNamespaceSelector());
        if (namespaces.isEmpty() && nsSelector == null) {
            namespaces = List.of(namespace);
        }
        return new AffinityTerm(selector, namespaces, nsSelector, t.getTopologyKey(), weight);
    }

    /** A Kubernetes label selector: null selects nothing (as in affinity terms and spread), empty selects everything. */
    static PodSelector selector(LabelSelector s) {
        if (s == null) {
            return PodSelector.NOTHING;
        }
        List<PodSelector.Requirement> expressions = new ArrayList<>();
        for (LabelSelectorRequirement r : s.getMatchExpressions() == null ? List.<LabelSelectorRequirement>of() : s.getMatchExpressions()) {
            expressions.add(new PodSelector.Requirement(r.getKey(), r.getOperator(), r.getValues()));
        }
        return PodSelector.of(s.getMatchLabels(), expressions);
    }

    /**
     * Its topology spread constraints, with kube-scheduler's defaults: minDomains 1, nodeAffinityPolicy Honor,
     * nodeTaintsPolicy Ignore; matchLabelKeys folded into the selector (keys the pod has no label for are left out).
     */
    static List<SpreadConstraint> spread(PodSpec spec, Map<String, String> labels) {
        List<SpreadConstraint> out = new ArrayList<>();
        for (TopologySpreadConstraint c : spec.getTopologySpreadConstraints() == null ? List.<TopologySpreadConstraint>of()
                : spec.getTopologySpreadConstraints()) {
            PodSelector selector = selector(c.getLabelSelector());
            for (String key : c.getMatchLabelKeys() == null ? List.<String>of() : c.getMatchLabelKeys()) {
                if (labels.containsKey(key) && !selector.nothing()) {
                    selector = selector.and(new PodSelector.Requirement(key, "In", List.of(labels.get(key))));
                }
            }
            out.add(new SpreadConstraint(c.getMaxSkew() == null ? 1 : c.getMaxSkew(), c.getTopologyKey(),
                    !"ScheduleAnyway".equals(c.getWhenUnsatisfiable()), selector, c.getMinDomains() == null ? 1 : c.getMinDomains(),
                    !"Ignore".equals(c.getNodeAffinityPolicy()), "Honor".equals(c.getNodeTaintsPolicy())));
        }
        return out;
    }

    /** The host ports of its containers and of its sidecars (init containers that keep running beside them). */
    static List<HostPort> hostPorts(PodSpec spec) {
        List<HostPort> out = new ArrayList<>();
        List<Container> running = new ArrayList<>();
        if (spec.getInitContainers() != null) {
            spec.getInitContainers().stream().filter(c -> "Always".equals(c.getRestartPolicy())).forEach(running::add);
        }
        if (spec.getContainers() != null) {
            running.addAll(spec.getContainers());
        }
        for (Container c : running) {
            for (ContainerPort p : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
                if (p.getHostPort() != null && p.getHostPort() > 0) {
                    out.add(new HostPort(p.getProtocol(), p.getHostIP(), p.getHostPort()));
                }
            }
        }
        return out;
    }

    private static List<String> gates(PodSpec spec) {
        List<String> out = new ArrayList<>();
        if (spec.getSchedulingGates() != null) {
            spec.getSchedulingGates().forEach(g -> out.add(g.getName()));
        }
        return out;
    }

    /**
     * The ResourceClaims a pod uses: those it names, and those made for it from a template, by the name the
     * resourceclaim controller wrote in its status (null until then).
     */
    /**
     * The PersistentVolumeClaims a pod's volumes use: those it names, and those made for its ephemeral volumes (named
     * {@code <pod>-<volume>}, as the ephemeral volume controller makes them).
     */
    static List<PodVolumes.Ref> volumeClaims(PodSpec spec, String podName) {
        List<PodVolumes.Ref> out = new ArrayList<>();
        for (var v : spec.getVolumes() == null ? List.<io.fabric8.kubernetes.api.model.Volume>of() : spec.getVolumes()) {
            if (v.getPersistentVolumeClaim() != null && v.getPersistentVolumeClaim().getClaimName() != null) {
                out.add(new PodVolumes.Ref(v.getName(), v.getPersistentVolumeClaim().getClaimName(), false));
            } else if (v.getEphemeral() != null) {
                out.add(new PodVolumes.Ref(v.getName(), podName + "-" + v.getName(), true));
            }
        }
        return out;
    }

    static List<PodConstraints.PodClaim> claims(Pod pod) {
        List<PodConstraints.PodClaim> out = new ArrayList<>();
        if (pod.getSpec().getResourceClaims() == null) {
            return out;
        }
        Map<String, String> made = new LinkedHashMap<>();
        if (pod.getStatus() != null && pod.getStatus().getResourceClaimStatuses() != null) {
            pod.getStatus().getResourceClaimStatuses().forEach(s -> made.put(s.getName(), s.getResourceClaimName()));
        }
        for (var c : pod.getSpec().getResourceClaims()) {
            if (c.getResourceClaimName() != null) {
                out.add(new PodConstraints.PodClaim(c.getName(), c.getResourceClaimName(), null));
            } else if (c.getResourceClaimTemplateName() != null) {
                out.add(new PodConstraints.PodClaim(c.getName(), made.get(c.getName()), c.getResourceClaimTemplateName()));
            }
        }
        return out;
    }

    /** The node affinity a pod requires; preferred terms do not constrain placement and are not read. */
    static RequiredNodeAffinity requiredNodeAffinity(PodSpec spec) {
        if (spec.getAffinity() == null || spec.getAffinity().getNodeAffinity() == null
                || spec.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null) {
            return RequiredNodeAffinity.NONE;
        }
        return nodeSelector(spec.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution());
    }

    /** A NodeSelector (of a pod's required node affinity, a device, a claim's allocation) as the model reads it. */
    static RequiredNodeAffinity nodeSelector(NodeSelector selector) {
        List<RequiredNodeAffinity.Term> terms = new ArrayList<>();
        for (NodeSelectorTerm t : selector.getNodeSelectorTerms() == null ? List.<NodeSelectorTerm>of() : selector.getNodeSelectorTerms()) {
            terms.add(new RequiredNodeAffinity.Term(requirements(t.getMatchExpressions()), requirements(t.getMatchFields())));
        }
        return new RequiredNodeAffinity(terms);
    }

    private static List<RequiredNodeAffinity.Requirement> requirements(List<NodeSelectorRequirement> in) {
        List<RequiredNodeAffinity.Requirement> out = new ArrayList<>();
        for (NodeSelectorRequirement r : in == null ? List.<NodeSelectorRequirement>of() : in) {
            out.add(new RequiredNodeAffinity.Requirement(r.getKey(), r.getOperator(), r.getValues()));
        }
        return out;
    }

    /**
     * What a pod asks of a node, as Kubernetes counts it: its app containers and its sidecars (init containers with
     * {@code restartPolicy: Always}, which run beside them) summed, at least what any init container needs while it
     * runs (with the sidecars started before it); pod-level {@code spec.resources} requests replace the containers'
     * for cpu and memory; then {@code spec.overhead} (the sandbox's cost, which the API server fills in from the
     * pod's RuntimeClass) on top. A container's limit stands in for a missing request, as the API server defaults it.
     */
    static Resources requests(PodSpec spec) {
        Resources sum = Resources.NONE;
        for (Container c : spec.getContainers() == null ? List.<Container>of() : spec.getContainers()) {
            sum = sum.add(containerRequest(c));
        }
        Resources sidecars = Resources.NONE;
        Resources initPeak = Resources.NONE;
        for (Container c : spec.getInitContainers() == null ? List.<Container>of() : spec.getInitContainers()) {
            Resources r = containerRequest(c);
            if ("Always".equals(c.getRestartPolicy())) {
                sum = sum.add(r);
                sidecars = sidecars.add(r);
                initPeak = initPeak.max(sidecars);
            } else {
                initPeak = initPeak.max(r.add(sidecars));
            }
        }
        sum = sum.max(initPeak);
        if (spec.getResources() != null && spec.getResources().getRequests() != null) {
            Map<String, Long> m = new LinkedHashMap<>(sum.asMilliMap());
            for (String r : List.of(Keys.CPU, Keys.MEMORY)) {
                Quantity q = spec.getResources().getRequests().get(r);
                if (q != null) {
                    m.put(r, quantity(r, q, "the pod's spec.resources"));
                }
            }
            sum = Resources.ofMilli(m);
        }
        if (spec.getOverhead() != null) {
            Map<String, Long> m = new LinkedHashMap<>();
            spec.getOverhead().forEach((k, q) -> m.put(k, quantity(k, q, "spec.overhead")));
            sum = sum.add(Resources.ofMilli(m));
        }
        return sum;
    }

    private static long quantity(String name, Quantity q, String where) {
        long amount;
        try {
            amount = Resources.toMilli(q);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(name + "=" + q + " in " + where);
        }
        if (amount < 0) {
            throw new IllegalArgumentException(name + "=" + q + " in " + where + " is negative");
        }
        return amount;
    }

    private static Resources containerRequest(Container c) {
        if (c.getResources() == null) {
            return Resources.NONE;
        }
        Map<String, Quantity> merged = new LinkedHashMap<>();
        if (c.getResources().getLimits() != null) {
            merged.putAll(c.getResources().getLimits());
        }
        if (c.getResources().getRequests() != null) {
            merged.putAll(c.getResources().getRequests());
        }
        Map<String, Long> milli = new LinkedHashMap<>();
        merged.forEach((k, q) -> {
            long amount;
            try {
                amount = Resources.toMilli(q);
            } catch (RuntimeException e) {
                String why = e instanceof IllegalArgumentException && e.getMessage() != null
                        && e.getMessage().contains("too large") ? " (too large to count)" : "";
                throw new IllegalArgumentException(k + "=" + q + " in container " + c.getName() + why);
            }
            if (amount < 0) {
                throw new IllegalArgumentException(k + "=" + q + " in container " + c.getName() + " is negative");
            }
            if (extended(k) && amount % 1000 != 0) {
                throw new IllegalArgumentException(k + "=" + q + " in container " + c.getName() + " is not a whole number: "
                        + (k.equals(Keys.GPU) ? "GPUs are whole devices; for a share of one device use the annotation "
                        + Keys.GPU_FRACTION_ANNOTATION : "an extended resource is counted in whole units"));
            }
            milli.put(k, amount);
        });
        return Resources.ofMilli(milli);
    }

    /** An extended resource (a device plugin's, like nvidia.com/gpu): counted in whole units, as the API server requires. */
    static boolean extended(String resource) {
        return resource.contains("/") && !resource.startsWith("kubernetes.io/") && !resource.startsWith("requests.");
    }

    public static PodGroupInfo podGroup(PodGroup pg, long createdAt) {
        ObjectMeta md = pg.getMetadata();
        PodGroupSpec spec = pg.getSpec() == null ? new PodGroupSpec() : pg.getSpec();
        String invalid = null;
        int minMember = spec.getMinMember() == null ? 0 : spec.getMinMember();
        if (spec.getMinMember() == null) {
            invalid = "spec.minMember is missing; set it to the number of pods that must start together";
        } else if (minMember < 1) {
            invalid = "spec.minMember must be at least 1, got " + minMember;
        }
        String required = spec.getTopology() == null ? null : spec.getTopology().getRequired();
        String preferred = spec.getTopology() == null ? null : spec.getTopology().getPreferred();
        for (String[] key : new String[][]{{"required", required}, {"preferred", preferred}}) {
            if (invalid == null && key[1] != null && !isLabelKey(key[1])) {
                invalid = "spec.topology." + key[0] + " must be a node label key such as " + Keys.CLIQUE_LABEL
                        + ", got \"" + key[1] + "\"";
            }
        }
        SubGroups subGroups = subGroups(spec);
        if (invalid == null) {
            invalid = subGroupKeyProblem(spec);
        }
        if (invalid == null) {
            invalid = subGroups.problem();
        }
        if (invalid == null && subGroups.segmentSize() > 0
                && (minMember + (long) subGroups.segmentSize() - 1) / subGroups.segmentSize() > SubGroups.MAX_SEGMENTS) {
            invalid = "spec.minMember " + minMember + " in segments of " + subGroups.segmentSize() + " makes more than "
                    + SubGroups.MAX_SEGMENTS + " segments";
        }
        var owner = owner(md);
        return new PodGroupInfo(md.getNamespace() == null ? "default" : md.getNamespace(), md.getName(), spec.getQueue(),
                minMember, spec.getPriorityClassName(), blankToNull(required), blankToNull(preferred),
                !Boolean.FALSE.equals(spec.getPreemptible()), createdAt, invalid, owner == null ? null : owner.getKind(),
                owner == null ? null : owner.getName(), false, subGroups);
    }

    /** The subgroups a PodGroup declares: its {@code spec.subGroups}, or segments from its topology. */
    static SubGroups subGroups(PodGroupSpec spec) {
        var t = spec.getTopology();
        int segmentSize = t == null || t.getSegmentSize() == null ? 0 : Math.max(0, t.getSegmentSize());
        List<SubGroups.Node> nodes = new ArrayList<>();
        if (spec.getSubGroups() != null) {
            for (var g : spec.getSubGroups()) {
                if (g == null || g.getName() == null) {
                    continue;
                }
                var gt = g.getTopology();
                nodes.add(new SubGroups.Node(g.getName(), blankToNull(g.getParent()),
                        g.getMinMember() == null ? 0 : g.getMinMember(), g.getMinSubGroups() == null ? 0 : g.getMinSubGroups(),
                        gt == null ? null : blankToNull(gt.getRequired()), gt == null ? null : blankToNull(gt.getPreferred()),
                        null));
            }
        }
        int rootMin = spec.getMinSubGroups() == null ? 0 : spec.getMinSubGroups();
        return SubGroups.declared(nodes, rootMin, segmentSize, t == null ? null : blankToNull(t.getSegmentRequired()));
    }

    /** A subgroup's or segment's topology key that is not a node label key, or a subgroup without a name; else null. */
    private static String subGroupKeyProblem(PodGroupSpec spec) {
        var t = spec.getTopology();
        if (t != null && t.getSegmentRequired() != null && !isLabelKey(t.getSegmentRequired())) {
            return "spec.topology.segmentRequired must be a node label key such as " + Keys.CLIQUE_LABEL + ", got \""
                    + t.getSegmentRequired() + "\"";
        }
        if (t != null && t.getSegmentSize() != null && t.getSegmentSize() < 1) {
            return "spec.topology.segmentSize must be at least 1, got " + t.getSegmentSize();
        }
        if (spec.getSubGroups() == null) {
            return null;
        }
        for (int k = 0; k < spec.getSubGroups().size(); k++) {
            var g = spec.getSubGroups().get(k);
            if (g == null || g.getName() == null || g.getName().isBlank()) {
                return "spec.subGroups[" + k + "] has no name";
            }
            var gt = g.getTopology();
            for (String key : gt == null ? new String[0] : new String[]{gt.getRequired(), gt.getPreferred()}) {
                if (key != null && !isLabelKey(key)) {
                    return "subgroup " + g.getName() + ": topology must name a node label key such as " + Keys.CLIQUE_LABEL
                            + ", got \"" + key + "\"";
                }
            }
        }
        return null;
    }

    /** The controller among an object's owners, else its first owner, else null. */
    private static io.fabric8.kubernetes.api.model.OwnerReference owner(ObjectMeta md) {
        if (md.getOwnerReferences() == null || md.getOwnerReferences().isEmpty()) {
            return null;
        }
        return md.getOwnerReferences().stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst()
                .orElse(md.getOwnerReferences().get(0));
    }

    /** The API a native gang is read from: Kubernetes' own PodGroup, {@code scheduling.k8s.io/v1beta1} (1.37+). */
    public static final String NATIVE_POD_GROUP_API = "scheduling.k8s.io/v1beta1";

    /**
     * A native PodGroup ({@value #NATIVE_POD_GROUP_API}) as a gang: {@code spec.schedulingPolicy.gang.minCount}
     * members start together ({@code basic}: each alone, a minimum of 1), inside one domain of
     * {@code spec.schedulingConstraints.topology[0].key} when given, with its priority class; the queue is its
     * {@value Keys#QUEUE_LABEL} label, else the namespace's default.
     */
    public static PodGroupInfo nativePodGroup(io.fabric8.kubernetes.api.model.GenericKubernetesResource pg, long createdAt) {
        ObjectMeta md = pg.getMetadata();
        Map<String, Object> spec = asMap(pg.getAdditionalProperties().get("spec"));
        Map<String, Object> policy = asMap(spec.get("schedulingPolicy"));
        String invalid = null;
        int minMember = 1;
        if (policy.containsKey("gang")) {
            Object count = asMap(policy.get("gang")).get("minCount");
            if (count instanceof Number n && n.intValue() >= 1) {
                minMember = n.intValue();
            } else {
                invalid = "spec.schedulingPolicy.gang.minCount must be at least 1, got " + count;
            }
        }
        String topology = null;
        Object constraints = asMap(spec.get("schedulingConstraints")).get("topology");
        if (constraints instanceof List<?> l && !l.isEmpty()) {
            topology = blankToNull(String.valueOf(asMap(l.get(0)).get("key")));
        }
        Object pc = spec.get("priorityClassName");
        var owner = owner(md);
        return new PodGroupInfo(md.getNamespace() == null ? "default" : md.getNamespace(), md.getName(),
                labels(md).get(Keys.QUEUE_LABEL), minMember, pc == null ? null : pc.toString(), topology, null,
                !"Never".equals(spec.get("preemptionPolicy")), createdAt, invalid,
                owner == null ? null : owner.getKind(), owner == null ? null : owner.getName(), true);
    }

    /** The native PodGroup a pod points at ({@code spec.schedulingGroup.podGroupName}), or null. */
    public static String nativeGroupOf(Pod pod) {
        if (pod.getSpec() == null || pod.getSpec().getAdditionalProperties() == null) {
            return null;
        }
        Object name = asMap(pod.getSpec().getAdditionalProperties().get("schedulingGroup")).get("podGroupName");
        return name == null ? null : blankToNull(name.toString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    public static QueueInfo queue(Queue q, long createdAt) {
        QueueSpec spec = q.getSpec() == null ? new QueueSpec() : q.getSpec();
        Map<String, QueueInfo.Share> shares = new LinkedHashMap<>();
        String invalid = null;
        if (spec.getResources() != null) {
            for (Map.Entry<String, QueueResource> e : spec.getResources().entrySet()) {
                QueueResource r = e.getValue() == null ? new QueueResource() : e.getValue();
                try {
                    long quota = r.getQuota() == null ? 0 : Resources.toMilli(r.getQuota());
                    long limit = r.getLimit() == null ? QueueInfo.NO_LIMIT : Resources.toMilli(r.getLimit());
                    if (limit == -1000) {
                        limit = QueueInfo.NO_LIMIT;
                    }
                    double weight = r.getOverQuotaWeight() == null ? 1.0 : r.getOverQuotaWeight();
                    if (quota < 0) {
                        invalid = e.getKey() + " quota must be >= 0, got " + r.getQuota();
                    } else if (limit != QueueInfo.NO_LIMIT && limit < quota) {
                        invalid = e.getKey() + " limit " + r.getLimit() + " is below its quota " + r.getQuota()
                                + "; use -1 for no limit";
                    } else if (weight < 0 || Double.isNaN(weight)) {
                        invalid = e.getKey() + " overQuotaWeight must be >= 0, got " + weight;
                    }
                    shares.put(e.getKey(), new QueueInfo.Share(quota, weight, limit));
                } catch (RuntimeException ex) {
                    invalid = e.getKey() + ": quota and limit must be quantities such as 16 or 64Gi ("
                            + ex.getMessage() + ")";
                }
            }
        }
        long preempt = 0, reclaim = 0;
        try {
            preempt = spec.getPreemptMinRuntime() == null ? 0 : Durations.parseMillis(spec.getPreemptMinRuntime());
            reclaim = spec.getReclaimMinRuntime() == null ? 0 : Durations.parseMillis(spec.getReclaimMinRuntime());
        } catch (IllegalArgumentException e) {
            invalid = e.getMessage();
        }
        String parent = blankToNull(spec.getParent());
        if (parent != null && parent.equals(q.getMetadata().getName())) {
            invalid = "a queue cannot be its own parent";
        }
        return new QueueInfo(q.getMetadata().getName(), parent, spec.getPriority() == null ? 0 : spec.getPriority(),
                spec.getNamespaceSelector(), shares, preempt, reclaim, createdAt, invalid, history(q.getStatus()));
    }

    /**
     * What a pod's annotations say of its checkpoints ({@link Keys#CHECKPOINTED_AT_ANNOTATION},
     * {@link Keys#CHECKPOINT_INTERVAL_ANNOTATION}); null when they say nothing readable. A value that cannot be read
     * counts as unsaid: the pod is then taken to lose all it did since it started, never less than it would.
     */
    public static Checkpoint checkpoint(ObjectMeta md) {
        Map<String, String> a = md == null || md.getAnnotations() == null ? Map.of() : md.getAnnotations();
        Long at = null;
        long interval = 0;
        String atText = a.get(Keys.CHECKPOINTED_AT_ANNOTATION);
        if (atText != null) {
            try {
                at = java.time.OffsetDateTime.parse(atText.trim()).toInstant().toEpochMilli();
            } catch (RuntimeException e) {
                at = null;
            }
        }
        String every = a.get(Keys.CHECKPOINT_INTERVAL_ANNOTATION);
        if (every != null) {
            try {
                interval = Math.max(0, Durations.parseMillis(every));
            } catch (IllegalArgumentException e) {
                interval = 0;
            }
        }
        return at == null && interval == 0 ? null : new Checkpoint(at, interval);
    }

    /**
     * The usage history a Queue's status carries: decayed usage as of decayedUsageTime, and what the queue held
     * since ({@code allocated}, written with it). Null when there is none or it cannot be read (it then starts
     * over, which is never worse than having none).
     */
    static UsageHistory history(QueueStatus status) {
        if (status == null || status.getDecayedUsageTime() == null || status.getDecayedUsage() == null) {
            return null;
        }
        try {
            long at = Instant.parse(status.getDecayedUsageTime()).toEpochMilli();
            return new UsageHistory(at, units(status.getDecayedUsage()), units(status.getAllocated()));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static Map<String, Double> units(Map<String, String> quantities) {
        Map<String, Double> out = new java.util.TreeMap<>();
        if (quantities != null) {
            quantities.forEach((r, v) -> out.put(r, Resources.toMilli(v) / 1000.0));
        }
        return out;
    }

    /** Whether {@code key} is a label key, as the CRD's schema checks it: an optional DNS prefix and a short name. */
    static boolean isLabelKey(String key) {
        return key.length() <= 317 && LABEL_KEY.matcher(key).matches();
    }

    private static final java.util.regex.Pattern LABEL_KEY = java.util.regex.Pattern.compile(ApiPatterns.LABEL_KEY);

    public static Map<String, String> labels(ObjectMeta md) {
        return md.getLabels() == null ? Map.of() : md.getLabels();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
