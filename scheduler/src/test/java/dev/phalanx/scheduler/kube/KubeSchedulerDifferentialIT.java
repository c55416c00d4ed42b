package dev.phalanx.scheduler.kube;

import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.cycle.CycleResult;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.live.ClusterCache;
import dev.phalanx.testing.PropertySeeds;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinity;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodAffinityTermBuilder;
import io.fabric8.kubernetes.api.model.PodAntiAffinity;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.phalanx.testing.Testing.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Phalanx against kube-scheduler itself, on the real API server (invariant 9): random clusters (nodes with zones, racks,
 * taints, pod limits, some cordoned) and pods already bound to them through Binding, then random probe pods that use only
 * the constraints both schedulers honour (resources with init containers, sidecars and RuntimeClass overhead, host ports,
 * nodeSelector and node affinity, taints, inter-pod affinity and anti-affinity with namespaces and matchLabelKeys,
 * topology spread with its policies). For each probe, Phalanx decides one cycle on a snapshot of a {@link ClusterCache}
 * filled from the API server, and kube-scheduler is asked the same:
 * <ul>
 *   <li>a probe Phalanx places on node X is created for kube-scheduler asking for one unit of an extended resource only X
 *   offers ({@value #PIN}/X), which confines it to X without touching what affinity and spread count: kube-scheduler binds
 *   it iff its filters accept X;</li>
 *   <li>a probe Phalanx refuses is created unpinned: kube-scheduler must leave it Unschedulable;</li>
 *   <li>and, node by node: the probe pinned to a node Phalanx's view says it does not fit now (one such node, drawn at
 *   random) must be left Unschedulable by kube-scheduler too.</li>
 * </ul>
 * Each probe is deleted before the next. Seeds come from {@link PropertySeeds}; the agreement is printed at the end.
 */
@Tag("kube")
class KubeSchedulerDifferentialIT {
    /** The extended resources that pin a probe to one node: {@code PIN + "/" + node} is offered by that node alone. */
    static final String PIN = "pin.phalanx.dev";
    private static final int PROBES_PER_CLUSTER = 10;
    private static final List<String> NAMESPACES = List.of("diff-a", "diff-b");
    private static final String[] APPS = {"web", "db", "cache"};
    private static final String[] TIERS = {"gold", "iron"};
    private static final String[] KEYS = {Keys.HOSTNAME_LABEL, Keys.ZONE_LABEL, Keys.RACK_LABEL};

    private static KubernetesClient client;
    private static TestControlPlane.Component kubeScheduler;
    private static final SchedulingCycle CYCLE = Policies.defaultCycle();
    private static int placedAgreed, placedRefusedByKube, refusedAgreed, refusedPlacedByKube, nodeRefusalsAgreed,
            nodeRefusalsAcceptedByKube;
    private static final List<String> disagreements = new ArrayList<>();
    /** Probes with volume claims, and of those the ones Phalanx placed. */
    private static int withVolumes, withVolumesPlaced;
    /**
     * Claims (namespace/name) kube-scheduler has started binding: a volume reserved or a node selected for them. Probes
     * use fresh claims only, since kube-scheduler, finding a claim already on its way to a node, would wait for it to be
     * bound without a word.
     */
    private static final java.util.Set<String> touched = new java.util.HashSet<>();

    @BeforeAll
    static void startKubeScheduler() throws Exception {
        client = TestControlPlane.get().newClient();
        KubeTests.cleanCluster(client);
        for (String ns : NAMESPACES) {
            KubeTests.createIfAbsent(client, namespace(ns, Keys.QUEUE_LABEL, "diff", "team", ns.equals("diff-a") ? "x" : "y"));
            KubeTests.serviceAccount(client, ns);
        }
        Queue q = dev.phalanx.testing.Testing.queue("diff").build();
        client.resource(q).create();
        KubeTests.createIfAbsent(client, new RuntimeClassBuilder().withNewMetadata().withName("kata").endMetadata()
                .withHandler("kata").withNewOverhead().addToPodFixed("cpu", new Quantity("250m"))
                .addToPodFixed("memory", new Quantity("256Mi")).endOverhead().build());
        kubeScheduler = TestControlPlane.get().start("kube-scheduler", List.of("--leader-elect=false",
                "--feature-gates=" + TestControlPlane.FEATURE_GATES));
    }

    @AfterAll
    static void report() {
        if (kubeScheduler != null) {
            kubeScheduler.close();
        }
        int probes = placedAgreed + placedRefusedByKube + refusedAgreed + refusedPlacedByKube;
        System.out.printf(java.util.Locale.ROOT, "kube-scheduler differential: %d probes, %d agreed (%.1f%%): Phalanx placed %d "
                        + "(kube-scheduler's filters accepted %d), refused %d (kube-scheduler could not place %d)%n", probes,
                placedAgreed + refusedAgreed, probes == 0 ? 0.0 : 100.0 * (placedAgreed + refusedAgreed) / probes,
                placedAgreed + placedRefusedByKube, placedAgreed, refusedAgreed + refusedPlacedByKube, refusedAgreed);
        System.out.printf(java.util.Locale.ROOT, "  and node by node: of %d nodes Phalanx found the probe does not fit, kube-scheduler's "
                + "filters rejected %d%n", nodeRefusalsAgreed + nodeRefusalsAcceptedByKube, nodeRefusalsAgreed);
        System.out.printf(java.util.Locale.ROOT, "  %d probes had volume claims; Phalanx placed %d of them%n", withVolumes,
                withVolumesPlaced);
        disagreements.forEach(d -> System.out.println("  disagreement: " + d));
        if (client != null) {
            KubeTests.cleanCluster(client);
            client.resources(Queue.class).delete();
            client.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyNodePhalanxChoosesKubeSchedulerAcceptsAndEveryPodItRefusesKubeSchedulerCannotPlace() {
        return PropertySeeds.tests(8, this::cluster);
    }

    private void cluster(long seed) throws Exception {
        assertThat(kubeScheduler.process().isAlive()).as(kubeScheduler.tail()).isTrue();
        Random r = new Random(seed);
        clear();
        List<String> nodes = randomNodes(r, seed);
        bindRunningPods(r, seed, nodes);
        touched.clear();
        randomVolumes(r, nodes);
        Thread.sleep(1000); // kube-scheduler's informers see the cluster as Phalanx reads it
        List<String> mine = new ArrayList<>();
        for (int k = 0; k < PROBES_PER_CLUSTER; k++) {
            String d = probe(r, "p" + seed + "-" + k);
            if (d != null) {
                mine.add(d);
            }
        }
        assertThat(mine).as("seed %d: nodes Phalanx chose that kube-scheduler's filters reject, pods Phalanx refused that "
                + "kube-scheduler places", seed).isEmpty();
    }

    private static void clear() {
        for (String ns : NAMESPACES) {
            client.pods().inNamespace(ns).withGracePeriod(0).delete();
        }
        KubeTests.deleteVolumes(client);
        client.nodes().delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> client.nodes().list().getItems().isEmpty()
                && NAMESPACES.stream().allMatch(ns -> client.pods().inNamespace(ns).list().getItems().isEmpty()));
    }

    private static List<String> randomNodes(Random r, long seed) {
        int n = 4 + r.nextInt(6);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = "d" + seed + "-n" + i;
            names.add(name);
            Map<String, String> labels = new LinkedHashMap<>();
            labels.put(Keys.HOSTNAME_LABEL, name);
            labels.put(Keys.ZONE_LABEL, "z" + r.nextInt(3));
            if (r.nextInt(5) != 0) {
                labels.put(Keys.RACK_LABEL, "r" + r.nextInt(4));
            }
            labels.put("pool", "p" + r.nextInt(2));
            Map<String, Quantity> alloc = new LinkedHashMap<>();
            alloc.put("cpu", new Quantity(String.valueOf(2 + r.nextInt(7))));
            alloc.put("memory", new Quantity((8 + 8 * r.nextInt(4)) + "Gi"));
            alloc.put("pods", new Quantity(r.nextInt(3) == 0 ? String.valueOf(2 + r.nextInt(3)) : "110"));
            if (r.nextBoolean()) {
                alloc.put("ephemeral-storage", new Quantity("20Gi"));
            }
            alloc.put(PIN + "/" + name, new Quantity("1"));
            Node node = new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName(name).withLabels(labels)
                    .endMetadata().withNewStatus().withAllocatable(alloc).withCapacity(alloc).endStatus().build();
            client.resource(node).create();
        }
        TestingKubelet.readyNodes(client);
        for (String name : names) {
            int roll = r.nextInt(12);
            if (roll == 0 || roll == 1) {
                client.nodes().withName(name).edit(x -> {
                    x.getSpec().setTaints(List.of(new TaintBuilder().withKey("dedicated").withValue(roll == 0 ? "infra" : "gpu")
                            .withEffect("NoSchedule").build()));
                    return x;
                });
            } else if (roll == 2) {
                client.nodes().withName(name).edit(x -> {
                    x.getSpec().setUnschedulable(true);
                    return x;
                });
            }
        }
        return names;
    }

    private static final String LOCAL = "diff-local";
    private static final String ZONAL = "diff-zonal";
    private static final String IMMEDIATE = "diff-immediate";
    private static final int BOUND_CLAIMS = 4;
    private static final int UNBOUND_CLAIMS = 6;

    /**
     * The cluster's storage: a class of local volumes (no provisioner) and one provisioned in some zones only, both
     * binding when the first pod is scheduled, and one binding at once; local volumes of two sizes on random nodes; and
     * in each namespace claims bound to volumes reachable from one zone, one node or anywhere ({@code bound-k}), unbound
     * claims of each waiting class ({@code local-k}, {@code zonal-k}) and one unbound claim of the class binding at once.
     */
    private static void randomVolumes(Random r, List<String> nodes) {
        client.resource(dev.phalanx.testing.Testing.storageClass(LOCAL, "kubernetes.io/no-provisioner", true, null)).create();
        String[] zones = r.nextBoolean() ? new String[]{"z0"} : new String[]{"z0", "z1"};
        client.resource(dev.phalanx.testing.Testing.storageClass(ZONAL, "csi.diff.example", true, Keys.ZONE_LABEL, zones)).create();
        client.resource(dev.phalanx.testing.Testing.storageClass(IMMEDIATE, "csi.diff.example", false, null)).create();
        int locals = 2 + r.nextInt(nodes.size());
        for (int i = 0; i < locals; i++) {
            client.resource(dev.phalanx.testing.Testing.pv("local-" + i, LOCAL, r.nextBoolean() ? "50Gi" : "200Gi", null,
                    Keys.HOSTNAME_LABEL, nodes.get(r.nextInt(nodes.size())))).create();
            KubeTests.available(client, "local-" + i);
        }
        for (String ns : NAMESPACES) {
            for (int k = 0; k < BOUND_CLAIMS; k++) {
                String pv = "bound-" + ns + "-" + k;
                int reach = r.nextInt(3);
                var volume = reach == 0 ? dev.phalanx.testing.Testing.pv(pv, ZONAL, "10Gi", "csi.diff.example", Keys.ZONE_LABEL, "z" + r.nextInt(3))
                        : reach == 1 ? dev.phalanx.testing.Testing.pv(pv, ZONAL, "10Gi", "csi.diff.example", Keys.HOSTNAME_LABEL,
                        nodes.get(r.nextInt(nodes.size())))
                        : dev.phalanx.testing.Testing.pv(pv, ZONAL, "10Gi", "csi.diff.example", null);
                var claim = dev.phalanx.testing.Testing.pvc(ns, "bound-" + k, ZONAL, "10Gi");
                claim.getSpec().setVolumeName(pv);
                claim.getMetadata().setAnnotations(Map.of("pv.kubernetes.io/bind-completed", "yes"));
                var made = client.resource(claim).create();
                volume.getSpec().setClaimRef(new io.fabric8.kubernetes.api.model.ObjectReferenceBuilder().withKind("PersistentVolumeClaim")
                        .withNamespace(ns).withName("bound-" + k).withUid(made.getMetadata().getUid()).build());
                client.resource(volume).create();
            }
            for (int k = 0; k < UNBOUND_CLAIMS; k++) {
                client.resource(dev.phalanx.testing.Testing.pvc(ns, "local-" + k, LOCAL, r.nextBoolean() ? "40Gi" : "100Gi")).create();
                client.resource(dev.phalanx.testing.Testing.pvc(ns, "zonal-" + k, ZONAL, "10Gi")).create();
            }
            client.resource(dev.phalanx.testing.Testing.pvc(ns, "immediate", IMMEDIATE, "10Gi")).create();
        }
    }

    /** Pods already running: created for no scheduler, then bound by a Binding as kube-scheduler would. */
    private static void bindRunningPods(Random r, long seed, List<String> nodes) {
        int count = nodes.size() + r.nextInt(2 * nodes.size() + 1);
        for (int k = 0; k < count; k++) {
            String ns = NAMESPACES.get(r.nextInt(2));
            String name = "run" + seed + "-" + k;
            PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace(ns)
                    .addToLabels("app", APPS[r.nextInt(2)]).addToLabels("tier", TIERS[r.nextInt(TIERS.length)])
                    .endMetadata().withNewSpec().withSchedulerName("nobody")
                    .addToContainers(container("main", (1 + r.nextInt(4)) * 250 + "m", (1 + r.nextInt(4)) + "Gi", r.nextInt(4) == 0 ? 9000 : 0,
                            r.nextBoolean() ? null : "10.0.0.1"))
                    .endSpec();
            Pod p = b.build();
            if (r.nextInt(4) == 0) {
                p.getSpec().setAffinity(new Affinity(null, null, new PodAntiAffinity(null,
                        List.of(term(r, KEYS[r.nextInt(KEYS.length)], false)))));
            }
            client.resource(p).create();
            client.bindings().inNamespace(ns).resource(new BindingBuilder().withNewMetadata().withName(name).endMetadata()
                    .withNewTarget().withKind("Node").withName(nodes.get(r.nextInt(nodes.size()))).endTarget().build()).create();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> NAMESPACES.stream().flatMap(ns -> client.pods().inNamespace(ns)
                .list().getItems().stream()).allMatch(p -> p.getSpec().getNodeName() != null));
    }

    private static Container container(String name, String cpu, String memory, int hostPort, String hostIP) {
        ContainerBuilder c = new ContainerBuilder().withName(name).withImage("busybox").withNewResources()
                .addToRequests("cpu", new Quantity(cpu)).addToRequests("memory", new Quantity(memory)).endResources();
        if (hostPort > 0) {
            c.addNewPort().withContainerPort(hostPort).withHostPort(hostPort).withProtocol("TCP").withHostIP(hostIP).endPort();
        }
        return c.build();
    }

    private static LabelSelector app(Random r) {
        return new LabelSelectorBuilder().addToMatchLabels("app", APPS[r.nextInt(APPS.length)]).build();
    }

    /** A pod affinity term over an app, maybe in other namespaces, maybe pinned to the pod's tier. */
    private static PodAffinityTerm term(Random r, String key, boolean labelKeys) {
        PodAffinityTermBuilder t = new PodAffinityTermBuilder().withTopologyKey(key).withLabelSelector(app(r));
        boolean onTier = r.nextInt(4) == 0;
        if (onTier) {
            t.withNewLabelSelector().addToMatchLabels("app", APPS[r.nextInt(2)]).addNewMatchExpression().withKey("tier")
                    .withOperator(r.nextBoolean() ? "In" : "NotIn").withValues(TIERS[r.nextInt(2)]).endMatchExpression().endLabelSelector();
        }
        switch (r.nextInt(5)) {
            case 0 -> t.withNamespaces(NAMESPACES);
            case 1 -> t.withNewNamespaceSelector().addToMatchLabels("team", "x").endNamespaceSelector();
            case 2 -> t.withNewNamespaceSelector().endNamespaceSelector();
            default -> { }
        }
        if (labelKeys && !onTier && r.nextInt(3) == 0) {
            if (r.nextBoolean()) {
                t.withMatchLabelKeys("tier");
            } else {
                t.withMismatchLabelKeys("tier");
            }
        }
        return t.build();
    }

    /**
     * A probe: one kind of constraint in focus (resources, host ports, node selection and taints, affinity,
     * anti-affinity, spread) so that it decides where the pod may go, and now and then others beside it.
     */
    private static Pod randomProbe(Random r, String name) {
        int focus = r.nextInt(8);
        String ns = NAMESPACES.get(r.nextInt(2));
        String cpu = (1 + r.nextInt(8)) * 250 + "m";
        Container main = container("main", cpu, (1 + r.nextInt(6)) + "Gi", focus == 1 || r.nextInt(10) == 0 ? 9000 : 0,
                r.nextBoolean() ? null : "10.0.0." + (1 + r.nextInt(2)));
        Pod p = new PodBuilder().withNewMetadata().withName(name).withNamespace(ns)
                .addToLabels("app", APPS[r.nextInt(APPS.length)]).addToLabels("tier", TIERS[r.nextInt(TIERS.length)])
                .endMetadata().withNewSpec().withSchedulerName(Keys.SCHEDULER_NAME).addToContainers(main).endSpec().build();
        if (focus == 0 || r.nextInt(10) == 0) { // what Kubernetes counts as a pod's requests
            if (r.nextInt(3) == 0) {
                main.getResources().getRequests().put("ephemeral-storage", new Quantity("5Gi"));
            }
            List<Container> init = new ArrayList<>();
            if (r.nextBoolean()) {
                init.add(container("setup", (2 + r.nextInt(6)) + "", "1Gi", 0, null));
            }
            if (r.nextBoolean()) {
                Container sidecar = container("proxy", (1 + r.nextInt(4)) * 500 + "m", "512Mi", 0, null);
                sidecar.setRestartPolicy("Always");
                init.add(sidecar);
            }
            p.getSpec().setInitContainers(init);
            if (r.nextBoolean()) {
                p.getSpec().setRuntimeClassName("kata");
            }
        }
        if (focus == 2 || r.nextInt(10) == 0) { // node selection and taints
            switch (r.nextInt(3)) {
                case 0 -> p.getSpec().setNodeSelector(Map.of(Keys.ZONE_LABEL, "z" + r.nextInt(3)));
                case 1 -> p.getSpec().setAffinity(new Affinity(new NodeAffinity(null, new NodeSelector(List.of(
                        new NodeSelectorTermBuilder().withMatchExpressions(new NodeSelectorRequirementBuilder().withKey("pool")
                                .withOperator("In").withValues("p0").build()).build()))), null, null));
                default -> { }
            }
            if (r.nextBoolean()) {
                p.getSpec().setTolerations(List.of(new TolerationBuilder().withKey("dedicated").withOperator("Equal")
                        .withValue(r.nextBoolean() ? "infra" : "gpu").withEffect("NoSchedule").build()));
            }
        }
        Affinity a = p.getSpec().getAffinity() == null ? new Affinity() : p.getSpec().getAffinity();
        if (focus == 3 || r.nextInt(10) == 0) {
            List<PodAffinityTerm> required = r.nextInt(4) == 0 ? null : List.of(term(r, KEYS[r.nextInt(KEYS.length)], true));
            List<WeightedPodAffinityTerm> preferred = r.nextBoolean() ? null
                    : List.of(new WeightedPodAffinityTerm(term(r, KEYS[r.nextInt(KEYS.length)], true), 1 + r.nextInt(100)));
            a.setPodAffinity(new PodAffinity(preferred, required));
        }
        if (focus == 4 || r.nextInt(10) == 0) {
            List<PodAffinityTerm> required = r.nextInt(4) == 0 ? null : List.of(term(r, KEYS[r.nextInt(KEYS.length)], true));
            List<WeightedPodAffinityTerm> preferred = r.nextBoolean() ? null
                    : List.of(new WeightedPodAffinityTerm(term(r, KEYS[r.nextInt(KEYS.length)], true), 1 + r.nextInt(100)));
            a.setPodAntiAffinity(new PodAntiAffinity(preferred, required));
        }
        if (a.getNodeAffinity() != null || a.getPodAffinity() != null || a.getPodAntiAffinity() != null) {
            p.getSpec().setAffinity(a);
        }
        if (focus == 7 || r.nextInt(10) == 0) { // volumes: bound, waiting for this pod, missing, binding at once
            List<io.fabric8.kubernetes.api.model.Volume> volumes = new ArrayList<>();
            for (int v = 0; v < 1 + r.nextInt(2); v++) {
                int kind = r.nextInt(10);
                String claim = kind < 3 ? "bound-" + r.nextInt(BOUND_CLAIMS) : kind < 6 ? "local-" + r.nextInt(UNBOUND_CLAIMS)
                        : kind < 9 ? "zonal-" + r.nextInt(UNBOUND_CLAIMS) : r.nextBoolean() ? "immediate" : "missing";
                if (touched.contains(ns + "/" + claim)) {
                    continue;
                }
                if (volumes.stream().noneMatch(x -> x.getPersistentVolumeClaim().getClaimName().equals(claim))) {
                    volumes.add(new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("v" + v).withNewPersistentVolumeClaim()
                            .withClaimName(claim).endPersistentVolumeClaim().build());
                }
            }
            p.getSpec().setVolumes(volumes);
        }
        if (focus == 5 || focus == 6 || r.nextInt(10) == 0) {
            List<TopologySpreadConstraint> spread = new ArrayList<>();
            List<String> keys = new ArrayList<>(List.of(KEYS));
            java.util.Collections.shuffle(keys, r);
            for (int c = 0; c < 1 + (r.nextInt(4) == 0 ? 1 : 0); c++) {
                boolean hard = r.nextInt(6) != 0;
                TopologySpreadConstraintBuilder b = new TopologySpreadConstraintBuilder().withMaxSkew(r.nextInt(3) == 0 ? 2 : 1)
                        .withTopologyKey(keys.get(c)).withWhenUnsatisfiable(hard ? "DoNotSchedule" : "ScheduleAnyway")
                        .withNewLabelSelector().addToMatchLabels("app", APPS[r.nextInt(2)]).endLabelSelector();
                if (hard && r.nextInt(4) == 0) {
                    b.withMinDomains(2 + r.nextInt(4));
                }
                if (r.nextInt(4) == 0) {
                    b.withNodeAffinityPolicy("Ignore");
                }
                if (r.nextInt(4) == 0) {
                    b.withNodeTaintsPolicy("Honor");
                }
                if (r.nextInt(5) == 0) {
                    b.withMatchLabelKeys("tier");
                }
                spread.add(b.build());
            }
            p.getSpec().setTopologySpreadConstraints(spread);
            if (focus == 6) { // spread over the nodes a selector leaves, under the policies
                p.getSpec().setNodeSelector(Map.of("pool", "p" + r.nextInt(2)));
                p.getSpec().setTolerations(List.of(new TolerationBuilder().withKey("dedicated").withOperator("Exists").build()));
            }
        }
        return p;
    }

    /**
     * One probe: Phalanx's decision on the cluster as the API server holds it, then kube-scheduler's on the same pod;
     * null when they agree, else what they disagree on.
     */
    private static String probe(Random r, String name) throws Exception {
        Pod spec = randomProbe(r, name);
        // created as Phalanx's (nobody runs it here), and read back as the API server stored it: overhead filled in from
        // the RuntimeClass, matchLabelKeys folded into the selectors
        Pod stored = client.resource(spec).create();
        String chosen;
        String why;
        String rejected;
        String rejectedWhy;
        try {
            ClusterCache cache = new ClusterCache(Keys.SCHEDULER_NAME, Clock.SYSTEM);
            client.nodes().list().getItems().forEach(cache::put);
            client.namespaces().list().getItems().forEach(cache::put);
            client.resources(Queue.class).list().getItems().forEach(cache::put);
            for (String ns : NAMESPACES) {
                client.pods().inNamespace(ns).list().getItems().forEach(cache::put);
                client.persistentVolumeClaims().inNamespace(ns).list().getItems().forEach(cache::put);
            }
            client.persistentVolumes().list().getItems().forEach(cache::put);
            client.storage().v1().storageClasses().list().getItems().forEach(cache::put);
            var snapshot = cache.snapshot(System.currentTimeMillis());
            var view = new dev.phalanx.core.cycle.CapacityView(snapshot);
            var info = snapshot.pods().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
            // a node it does not fit, one kept out by the pods around it when there is one (the others, by the node alone)
            List<String> notFitting = new ArrayList<>();
            List<String> byNeighbours = new ArrayList<>();
            for (int i = 0; i < view.size(); i++) {
                if (!view.fits(info, i)) {
                    notFitting.add(view.node(i).name());
                    if (!dev.phalanx.core.cycle.CapacityView.isStatic(view.whyNot(info, i))) {
                        byNeighbours.add(view.node(i).name());
                    }
                }
            }
            List<String> pick = byNeighbours.isEmpty() ? notFitting : byNeighbours;
            rejected = pick.isEmpty() ? null : pick.get(r.nextInt(pick.size()));
            rejectedWhy = rejected == null ? null : view.whyNot(info, view.indexOf(rejected));
            CycleResult result = CYCLE.decide(snapshot);
            GangDecision d = result.decisions().stream().filter(x -> x.gangKey().equals(stored.getMetadata().getNamespace() + "/" + name))
                    .findFirst().orElseThrow();
            assertThat(d.outcome()).as(d.message()).isNotEqualTo(GangDecision.Outcome.INVALID);
            chosen = d.outcome() == GangDecision.Outcome.PLACED ? d.bindings().get(0).node() : null;
            why = d.message();
            if (spec.getSpec().getVolumes() != null && !spec.getSpec().getVolumes().isEmpty()) {
                withVolumes++;
                withVolumesPlaced += chosen == null ? 0 : 1;
            }
        } finally {
            delete(stored);
        }
        String disagreement = null;
        if (rejected != null) {
            String[] there = kubeScheduler(spec, name + "-x", rejected);
            if (there[0] == null) {
                nodeRefusalsAgreed++;
            } else {
                nodeRefusalsAcceptedByKube++;
                disagreement = "Phalanx found " + name + " does not fit " + rejected + " (" + rejectedWhy
                        + "); kube-scheduler's filters accept it there";
            }
        }
        String[] outcome = kubeScheduler(spec, name + "-k", chosen);
        String before = disagreement == null ? "" : disagreement + "; ";
        if (chosen != null && outcome[0] != null) {
            placedAgreed++;
        } else if (chosen != null) {
            placedRefusedByKube++;
            disagreement = before + "Phalanx placed " + name + " on " + chosen + "; kube-scheduler's filters reject it there: " + outcome[1];
        } else if (outcome[0] == null) {
            refusedAgreed++;
        } else {
            refusedPlacedByKube++;
            disagreement = before + "Phalanx refused " + name + " (" + why + "); kube-scheduler placed it on " + outcome[0];
        }
        if (disagreement != null) {
            disagreement += "\n" + Serialization.asYaml(stored.getSpec());
            disagreements.add(disagreement);
        }
        return disagreement;
    }

    /**
     * The same pod for kube-scheduler, named {@code name}, confined to {@code node} when one is given: the node it binds
     * it to, or kube-scheduler's message when it leaves it Unschedulable. Deleted afterwards.
     */
    private static String[] kubeScheduler(Pod spec, String name, String node) {
        Pod forKube = new PodBuilder(spec).editMetadata().withName(name).withResourceVersion(null).endMetadata()
                .editSpec().withSchedulerName("default-scheduler").endSpec().build();
        if (node != null) {
            forKube.getSpec().getContainers().get(0).getResources().getRequests().put(PIN + "/" + node, new Quantity("1"));
            forKube.getSpec().getContainers().get(0).getResources().setLimits(Map.of(PIN + "/" + node, new Quantity("1")));
        }
        Pod created = client.resource(forKube).create();
        try {
            String[] outcome = new String[2];
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
                Pod p = client.pods().inNamespace(created.getMetadata().getNamespace()).withName(created.getMetadata().getName()).get();
                if (p.getSpec().getNodeName() != null) {
                    outcome[0] = p.getSpec().getNodeName();
                    return true;
                }
                String binding = bindingVolumesOn(p);
                if (binding != null) {
                    outcome[0] = binding;
                    return true;
                }
                PodCondition c = p.getStatus() == null || p.getStatus().getConditions() == null ? null
                        : p.getStatus().getConditions().stream().filter(x -> "PodScheduled".equals(x.getType())).findFirst().orElse(null);
                if (c != null && "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason())) {
                    outcome[1] = c.getMessage();
                    return true;
                }
                return false;
            });
            return outcome;
        } finally {
            delete(created);
            for (var v : created.getSpec().getVolumes() == null ? List.<io.fabric8.kubernetes.api.model.Volume>of()
                    : created.getSpec().getVolumes()) {
                String claim = v.getPersistentVolumeClaim().getClaimName();
                if (bindingVolumesOn(created.getMetadata().getNamespace(), claim) != null) {
                    touched.add(created.getMetadata().getNamespace() + "/" + claim);
                }
            }
            if (node != null) {
                sleep(200); // a pod bound and deleted: kube-scheduler's cache lets go of it before the next probe
            }
        }
    }

    /**
     * The node kube-scheduler is binding the pod's volumes for, once it is: past its filters, it reserves a local volume
     * for a claim (the volume's claimRef) or asks for one on the node (the claim's selected-node annotation), and then
     * waits for a volume controller this API server does not run. Null while it is not.
     */
    private static String bindingVolumesOn(Pod p) {
        for (var v : p.getSpec().getVolumes() == null ? List.<io.fabric8.kubernetes.api.model.Volume>of() : p.getSpec().getVolumes()) {
            String node = bindingVolumesOn(p.getMetadata().getNamespace(), v.getPersistentVolumeClaim().getClaimName());
            if (node != null) {
                return node;
            }
        }
        return null;
    }

    /** The node kube-scheduler is binding claim {@code namespace/name} for, or null. */
    private static String bindingVolumesOn(String namespace, String name) {
        var claim = client.persistentVolumeClaims().inNamespace(namespace).withName(name).get();
        if (claim == null || claim.getSpec().getVolumeName() != null) {
            return null;
        }
        String selected = claim.getMetadata().getAnnotations() == null ? null
                : claim.getMetadata().getAnnotations().get("volume.kubernetes.io/selected-node");
        if (selected != null) {
            return selected;
        }
        for (var pv : client.persistentVolumes().list().getItems()) {
            var ref = pv.getSpec().getClaimRef();
            if (ref != null && ref.getName().equals(name) && ref.getNamespace().equals(namespace)) {
                return pv.getSpec().getNodeAffinity().getRequired().getNodeSelectorTerms().get(0).getMatchExpressions().get(0)
                        .getValues().get(0);
            }
        }
        return null;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void delete(Pod p) {
        var res = client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName());
        res.withGracePeriod(0).delete();
        res.waitUntilCondition(java.util.Objects::isNull, 30, TimeUnit.SECONDS);
    }
}
