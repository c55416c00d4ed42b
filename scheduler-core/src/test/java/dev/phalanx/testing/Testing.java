package dev.phalanx.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.PodGroupSpec;
import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.api.v1alpha1.QueueResource;
import dev.phalanx.api.v1alpha1.QueueSpec;
import dev.phalanx.api.v1alpha1.TopologySpec;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Keys;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.NodeSpec;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClassBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small builders for test fixtures: real Kubernetes objects, not YAML walls. */
public final class Testing {
    private Testing() {
    }

    /**
     * A node with {@code gpus} GPUs, 16 cores per GPU (at least 16), room for 110 pods (the kubelet's default)
     * and labels given as key, value, ...
     */
    public static Node node(String name, int gpus, String... labels) {
        Map<String, String> l = new LinkedHashMap<>();
        l.put(Keys.HOSTNAME_LABEL, name);
        for (int i = 0; i + 1 < labels.length; i += 2) {
            l.put(labels[i], labels[i + 1]);
        }
        Map<String, Quantity> alloc = new LinkedHashMap<>();
        alloc.put("cpu", new Quantity(String.valueOf(Math.max(16, 16 * gpus))));
        alloc.put("memory", new Quantity("512Gi"));
        alloc.put("pods", new Quantity("110"));
        if (gpus > 0) {
            alloc.put(Keys.GPU, new Quantity(String.valueOf(gpus)));
        }
        return new NodeBuilder().withNewMetadata().withName(name).withLabels(l).endMetadata()
                .withNewStatus().withAllocatable(alloc).endStatus().build();
    }

    /** A node-affinity requirement, e.g. {@code requirement("nvidia.com/gpu.product", "In", "NVIDIA-H100")}. */
    public static NodeSelectorRequirement requirement(String key, String operator, String... values) {
        return new NodeSelectorRequirementBuilder().withKey(key).withOperator(operator).withValues(values).build();
    }

    /** {@code node} with one more taint. */
    public static Node tainted(Node node, String key, String value, String effect) {
        if (node.getSpec() == null) {
            node.setSpec(new NodeSpec());
        }
        List<Taint> taints = new ArrayList<>(node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints());
        taints.add(new TaintBuilder().withKey(key).withValue(value).withEffect(effect).build());
        node.getSpec().setTaints(taints);
        return node;
    }

    public static Namespace namespace(String name, String... labels) {
        Map<String, String> l = new LinkedHashMap<>();
        for (int i = 0; i + 1 < labels.length; i += 2) {
            l.put(labels[i], labels[i + 1]);
        }
        return new NamespaceBuilder().withNewMetadata().withName(name).withLabels(l).endMetadata().build();
    }

    public static PriorityClass priorityClass(String name, int value) {
        return new PriorityClassBuilder().withNewMetadata().withName(name).endMetadata().withValue(value).build();
    }

    public static QueueFixture queue(String name) {
        return new QueueFixture(name);
    }

    public static PodFixture pod(String namespace, String name) {
        return new PodFixture(namespace, name);
    }

    public static PodGroupFixture podGroup(String namespace, String name, int minMember) {
        return new PodGroupFixture(namespace, name, minMember);
    }

    public static final class QueueFixture {
        private final Queue q = new Queue();

        QueueFixture(String name) {
            q.setMetadata(new ObjectMeta());
            q.getMetadata().setName(name);
            q.setSpec(new QueueSpec());
        }

        public QueueFixture parent(String parent) {
            q.getSpec().setParent(parent);
            return this;
        }

        public QueueFixture priority(int p) {
            q.getSpec().setPriority(p);
            return this;
        }

        public QueueFixture gpu(String quota, double weight, String limit) {
            return resource(Keys.GPU, quota, weight, limit);
        }

        public QueueFixture resource(String name, String quota, double weight, String limit) {
            q.getSpec().getResources().put(name, new QueueResource(quota == null ? null : new Quantity(quota), weight,
                    limit == null ? null : new Quantity(limit)));
            return this;
        }

        public QueueFixture minRuntimes(String preempt, String reclaim) {
            q.getSpec().setPreemptMinRuntime(preempt);
            q.getSpec().setReclaimMinRuntime(reclaim);
            return this;
        }

        public QueueFixture namespaceSelector(String key, String value) {
            LabelSelector s = new LabelSelector();
            s.setMatchLabels(Map.of(key, value));
            q.getSpec().setNamespaceSelector(s);
            return this;
        }

        public Queue build() {
            return q;
        }
    }

    public static final class PodGroupFixture {
        private final PodGroup g = new PodGroup();

        PodGroupFixture(String namespace, String name, Integer minMember) {
            g.setMetadata(new ObjectMeta());
            g.getMetadata().setName(name);
            g.getMetadata().setNamespace(namespace);
            g.setSpec(new PodGroupSpec());
            g.getSpec().setMinMember(minMember);
        }

        public PodGroupFixture queue(String q) {
            g.getSpec().setQueue(q);
            return this;
        }

        public PodGroupFixture required(String key) {
            topology().setRequired(key);
            return this;
        }

        public PodGroupFixture preferred(String key) {
            topology().setPreferred(key);
            return this;
        }

        public PodGroupFixture priorityClass(String name) {
            g.getSpec().setPriorityClassName(name);
            return this;
        }

        public PodGroupFixture preemptible(boolean p) {
            g.getSpec().setPreemptible(p);
            return this;
        }

        public PodGroupFixture submitAt(String d) {
            annotate(g, Keys.SIM_SUBMIT_AT, d);
            return this;
        }

        /** Segments of {@code size} pods, each inside one domain of {@code key}. */
        public PodGroupFixture segments(int size, String key) {
            topology().setSegmentSize(size);
            topology().setSegmentRequired(key);
            return this;
        }

        /** A subgroup: {@code minMember} for a leaf, else {@code minSubGroups} (null: all its children). */
        public PodGroupFixture subGroup(String name, String parent, Integer minMember, Integer minSubGroups, String required) {
            if (g.getSpec().getSubGroups() == null) {
                g.getSpec().setSubGroups(new java.util.ArrayList<>());
            }
            g.getSpec().getSubGroups().add(new dev.phalanx.api.v1alpha1.SubGroupSpec(name, parent, minMember, minSubGroups,
                    required == null ? null : new TopologySpec(required, null)));
            return this;
        }

        public PodGroupFixture minSubGroups(int n) {
            g.getSpec().setMinSubGroups(n);
            return this;
        }

        private TopologySpec topology() {
            if (g.getSpec().getTopology() == null) {
                g.getSpec().setTopology(new TopologySpec());
            }
            return g.getSpec().getTopology();
        }

        public PodGroup build() {
            return g;
        }
    }

    public static final class PodFixture {
        private final PodBuilder b;
        private final Map<String, Quantity> requests = new LinkedHashMap<>();
        private final Map<String, Quantity> limits = new LinkedHashMap<>();
        private final Map<String, String> labels = new LinkedHashMap<>();
        private final Map<String, String> annotations = new LinkedHashMap<>();
        private String scheduler = Keys.SCHEDULER_NAME;
        private String nodeName;
        private String priorityClass;
        private Map<String, String> nodeSelector;
        private final List<NodeSelectorTerm> affinityTerms = new ArrayList<>();
        private final List<io.fabric8.kubernetes.api.model.Toleration> tolerations = new ArrayList<>();
        private final List<io.fabric8.kubernetes.api.model.PodResourceClaim> claims = new ArrayList<>();
        private final List<String> gates = new ArrayList<>();
        private final List<io.fabric8.kubernetes.api.model.PodAffinityTerm> affinity = new ArrayList<>();
        private final List<io.fabric8.kubernetes.api.model.PodAffinityTerm> antiAffinity = new ArrayList<>();
        private final List<io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm> preferredAffinity = new ArrayList<>();
        private final List<io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm> preferredAntiAffinity = new ArrayList<>();
        private final List<io.fabric8.kubernetes.api.model.TopologySpreadConstraint> spread = new ArrayList<>();
        private final List<io.fabric8.kubernetes.api.model.ContainerPort> ports = new ArrayList<>();
        private final List<io.fabric8.kubernetes.api.model.Volume> volumes = new ArrayList<>();

        PodFixture(String namespace, String name) {
            b = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata();
            requests.put("cpu", new Quantity("1"));
        }

        public PodFixture gpus(int n) {
            limits.put(Keys.GPU, new Quantity(String.valueOf(n)));
            return this;
        }

        public PodFixture gpuFraction(String f) {
            annotations.put(Keys.GPU_FRACTION_ANNOTATION, f);
            return this;
        }

        public PodFixture cpu(String c) {
            requests.put("cpu", new Quantity(c));
            return this;
        }

        public PodFixture group(String g) {
            labels.put(Keys.POD_GROUP_LABEL, g);
            return this;
        }

        public PodFixture queue(String q) {
            labels.put(Keys.QUEUE_LABEL, q);
            return this;
        }

        public PodFixture submitAt(String d) {
            annotations.put(Keys.SIM_SUBMIT_AT, d);
            return this;
        }

        public PodFixture runFor(String d) {
            annotations.put(Keys.SIM_RUN_FOR, d);
            return this;
        }

        public PodFixture scheduler(String s) {
            scheduler = s;
            return this;
        }

        public PodFixture onNode(String node) {
            nodeName = node;
            return this;
        }

        public PodFixture priorityClass(String pc) {
            priorityClass = pc;
            return this;
        }

        public PodFixture nodeSelector(String key, String value) {
            nodeSelector = Map.of(key, value);
            return this;
        }

        /** One more required node-affinity term (terms are ORed); its requirements are ANDed. */
        public PodFixture affinityTerm(NodeSelectorRequirement... requirements) {
            affinityTerms.add(new NodeSelectorTermBuilder().withMatchExpressions(requirements).build());
            return this;
        }

        public PodFixture tolerate(String key, String value, String effect) {
            tolerations.add(new TolerationBuilder().withKey(key).withOperator("Equal").withValue(value).withEffect(effect).build());
            return this;
        }

        /** A ResourceClaim made for the pod from {@code template}, used by its container as {@code name}. */
        public PodFixture claimFromTemplate(String name, String template) {
            claims.add(new io.fabric8.kubernetes.api.model.PodResourceClaimBuilder().withName(name)
                    .withResourceClaimTemplateName(template).build());
            return this;
        }

        /** The ResourceClaim {@code claim}, used by its container as {@code name}. */
        public PodFixture claim(String name, String claim) {
            claims.add(new io.fabric8.kubernetes.api.model.PodResourceClaimBuilder().withName(name)
                    .withResourceClaimName(claim).build());
            return this;
        }

        /** Volume {@code volume} of the pod: PersistentVolumeClaim {@code claim}. */
        public PodFixture volumeClaim(String volume, String claim) {
            volumes.add(new io.fabric8.kubernetes.api.model.VolumeBuilder().withName(volume).withNewPersistentVolumeClaim()
                    .withClaimName(claim).endPersistentVolumeClaim().build());
            return this;
        }

        /** An ephemeral volume {@code volume}: a claim of {@code size} of StorageClass {@code storageClass} made for the pod. */
        public PodFixture ephemeralVolume(String volume, String storageClass, String size) {
            volumes.add(new io.fabric8.kubernetes.api.model.VolumeBuilder().withName(volume).withNewEphemeral()
                    .withNewVolumeClaimTemplate().withNewSpec().withStorageClassName(storageClass)
                    .withAccessModes("ReadWriteOnce").withNewResources().addToRequests("storage", new Quantity(size)).endResources()
                    .endSpec().endVolumeClaimTemplate().endEphemeral().build());
            return this;
        }

        public PodFixture gate(String name) {
            gates.add(name);
            return this;
        }

        /** One more label on the pod. */
        public PodFixture label(String key, String value) {
            labels.put(key, value);
            return this;
        }

        /** A required pod affinity term: pods labelled {@code key=value} in the same {@code topologyKey} domain. */
        public PodFixture affinity(String topologyKey, String key, String value) {
            affinity.add(term(topologyKey, key, value));
            return this;
        }

        /** A required pod anti-affinity term: no pod labelled {@code key=value} in the same {@code topologyKey} domain. */
        public PodFixture antiAffinity(String topologyKey, String key, String value) {
            antiAffinity.add(term(topologyKey, key, value));
            return this;
        }

        /** A required pod affinity term as given. */
        public PodFixture affinity(io.fabric8.kubernetes.api.model.PodAffinityTerm term) {
            affinity.add(term);
            return this;
        }

        /** A required pod anti-affinity term as given. */
        public PodFixture antiAffinity(io.fabric8.kubernetes.api.model.PodAffinityTerm term) {
            antiAffinity.add(term);
            return this;
        }

        public PodFixture preferAffinity(int weight, String topologyKey, String key, String value) {
            preferredAffinity.add(new io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm(term(topologyKey, key, value), weight));
            return this;
        }

        public PodFixture preferAntiAffinity(int weight, String topologyKey, String key, String value) {
            preferredAntiAffinity.add(new io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm(term(topologyKey, key, value), weight));
            return this;
        }

        /** A topology spread constraint over pods labelled {@code key=value}; {@code hard}: DoNotSchedule. */
        public PodFixture spread(int maxSkew, String topologyKey, boolean hard, String key, String value) {
            return spread(new io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder().withMaxSkew(maxSkew)
                    .withTopologyKey(topologyKey).withWhenUnsatisfiable(hard ? "DoNotSchedule" : "ScheduleAnyway")
                    .withNewLabelSelector().addToMatchLabels(key, value).endLabelSelector().build());
        }

        public PodFixture spread(io.fabric8.kubernetes.api.model.TopologySpreadConstraint c) {
            spread.add(c);
            return this;
        }

        /** A host port of the main container ({@code hostIP} null: every address). */
        public PodFixture hostPort(int port, String protocol, String hostIP) {
            ports.add(new io.fabric8.kubernetes.api.model.ContainerPortBuilder().withContainerPort(port).withHostPort(port)
                    .withProtocol(protocol).withHostIP(hostIP).build());
            return this;
        }

        /** {@code cpu} and {@code memory} asked for; nothing else. */
        public PodFixture memory(String m) {
            requests.put("memory", new Quantity(m));
            return this;
        }

        public Pod build() {
            Affinity affinity = affinityTerms.isEmpty() ? null : new AffinityBuilder().withNewNodeAffinity()
                    .withNewRequiredDuringSchedulingIgnoredDuringExecution().withNodeSelectorTerms(affinityTerms)
                    .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().build();
            if (!this.affinity.isEmpty() || !preferredAffinity.isEmpty()) {
                affinity = affinity == null ? new Affinity() : affinity;
                affinity.setPodAffinity(new io.fabric8.kubernetes.api.model.PodAffinity(preferredAffinity,
                        this.affinity.isEmpty() ? null : this.affinity));
            }
            if (!antiAffinity.isEmpty() || !preferredAntiAffinity.isEmpty()) {
                affinity = affinity == null ? new Affinity() : affinity;
                affinity.setPodAntiAffinity(new io.fabric8.kubernetes.api.model.PodAntiAffinity(preferredAntiAffinity,
                        antiAffinity.isEmpty() ? null : antiAffinity));
            }
            return b.editMetadata().withLabels(labels).withAnnotations(annotations).endMetadata()
                    .withNewSpec().withSchedulerName(scheduler).withNodeName(nodeName).withPriorityClassName(priorityClass)
                    .withNodeSelector(nodeSelector).withAffinity(affinity).withTolerations(tolerations)
                    .withResourceClaims(claims)
                    .withSchedulingGates(gates.stream().map(g -> new io.fabric8.kubernetes.api.model.PodSchedulingGate(g)).toList())
                    .withTopologySpreadConstraints(spread)
                    .withVolumes(volumes)
                    .addNewContainer().withName("main").withImage("busybox").withPorts(ports).withNewResources()
                    .withRequests(requests).withLimits(limits)
                    .withClaims(claims.stream().map(c -> new io.fabric8.kubernetes.api.model.ResourceClaimBuilder()
                            .withName(c.getName()).build()).toList())
                    .endResources().endContainer()
                    .endSpec().build();
        }
    }

    /** A ReadWriteOnce PersistentVolumeClaim of {@code size} of StorageClass {@code storageClass} (null: none named). */
    public static io.fabric8.kubernetes.api.model.PersistentVolumeClaim pvc(String namespace, String name, String storageClass,
                                                                            String size) {
        return new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder().withNewMetadata().withName(name)
                .withNamespace(namespace).endMetadata().withNewSpec().withStorageClassName(storageClass)
                .withAccessModes("ReadWriteOnce").withNewResources().addToRequests("storage", new Quantity(size)).endResources()
                .endSpec().build();
    }

    /**
     * A ReadWriteOnce PersistentVolume of {@code size} of StorageClass {@code storageClass}, reachable only from the nodes
     * whose {@code key} label is one of {@code values} (no node affinity when {@code key} is null), attached by CSI
     * driver {@code driver} (none when null).
     */
    public static io.fabric8.kubernetes.api.model.PersistentVolume pv(String name, String storageClass, String size, String driver,
                                                                      String key, String... values) {
        var spec = new io.fabric8.kubernetes.api.model.PersistentVolumeSpecBuilder().withStorageClassName(storageClass)
                .withAccessModes("ReadWriteOnce").addToCapacity("storage", new Quantity(size));
        if (key != null) {
            spec.withNewNodeAffinity().withNewRequired().addNewNodeSelectorTerm().addNewMatchExpression().withKey(key)
                    .withOperator("In").withValues(values).endMatchExpression().endNodeSelectorTerm().endRequired().endNodeAffinity();
        }
        if (driver != null) {
            spec.withNewCsi().withDriver(driver).withVolumeHandle(name).endCsi();
        } else {
            spec.withNewLocal().withPath("/mnt/" + name).endLocal();
        }
        return new io.fabric8.kubernetes.api.model.PersistentVolumeBuilder().withNewMetadata().withName(name).endMetadata()
                .withSpec(spec.build()).build();
    }

    /**
     * A StorageClass of {@code provisioner}, binding its claims when their first pod is scheduled ({@code waitForFirstConsumer})
     * or at once, its volumes allowed only where label {@code key} is one of {@code values} (anywhere when {@code key} is null).
     */
    public static io.fabric8.kubernetes.api.model.storage.StorageClass storageClass(String name, String provisioner,
                                                                                    boolean waitForFirstConsumer, String key,
                                                                                    String... values) {
        var b = new io.fabric8.kubernetes.api.model.storage.StorageClassBuilder().withNewMetadata().withName(name).endMetadata()
                .withProvisioner(provisioner).withVolumeBindingMode(waitForFirstConsumer ? "WaitForFirstConsumer" : "Immediate");
        if (key != null) {
            b.addToAllowedTopologies(new io.fabric8.kubernetes.api.model.TopologySelectorTermBuilder().addNewMatchLabelExpression()
                    .withKey(key).withValues(values).endMatchLabelExpression().build());
        }
        return b.build();
    }

    /** The CSINode of {@code node}: CSI driver {@code driver} attaches at most {@code count} volumes there. */
    public static io.fabric8.kubernetes.api.model.storage.CSINode csiNode(String node, String driver, int count) {
        return new io.fabric8.kubernetes.api.model.storage.CSINodeBuilder().withNewMetadata().withName(node).endMetadata()
                .withNewSpec().addNewDriver().withName(driver).withNodeID(node).withNewAllocatable().withCount(count)
                .endAllocatable().endDriver().endSpec().build();
    }

    /** A pod affinity term over pods labelled {@code key=value} in the pod's namespace, per {@code topologyKey}. */
    public static io.fabric8.kubernetes.api.model.PodAffinityTerm term(String topologyKey, String key, String value) {
        return new io.fabric8.kubernetes.api.model.PodAffinityTermBuilder().withTopologyKey(topologyKey)
                .withNewLabelSelector().addToMatchLabels(key, value).endLabelSelector().build();
    }

    private static void annotate(HasMetadata o, String key, String value) {
        if (o.getMetadata().getAnnotations() == null) {
            o.getMetadata().setAnnotations(new LinkedHashMap<>());
        }
        o.getMetadata().getAnnotations().put(key, value);
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));

    /** Objects as one multi-document YAML, as a user would write them. */
    public static String yaml(List<? extends HasMetadata> objects) {
        StringBuilder sb = new StringBuilder();
        for (HasMetadata o : objects) {
            try {
                sb.append("---\n").append(YAML.writeValueAsString(o));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return sb.toString();
    }

    /** Domain conversions with no PriorityClasses and creation at time 0. */
    public static dev.phalanx.core.model.PodInfo podInfo(Pod p) {
        return KubeObjects.pod(p, n -> 0, 0);
    }
}
