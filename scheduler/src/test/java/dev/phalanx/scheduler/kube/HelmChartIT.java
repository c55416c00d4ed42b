package dev.phalanx.scheduler.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.live.SchedulerService;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Helm chart, rendered by a real Helm (built by tools/helm/build.sh) and applied to the real API
 * server; then the scheduler runs with exactly the chart's RBAC, by impersonating its ServiceAccount,
 * and schedules, writes status and records events, while everything else stays forbidden.
 */
@Tag("kube")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HelmChartIT {
    private static final Path CHART = TestControlPlane.repoRoot().resolve("charts/phalanx");
    private static final String NS = "phalanx-system";
    private static final String RELEASE = "phalanx";
    private static final String SA = "system:serviceaccount:" + NS + ":" + RELEASE;
    private String helm;
    private KubernetesClient admin;

    @BeforeAll
    void buildHelmAndMakeTheReleaseNamespace() throws Exception {
        helm = KubeTests.tool("tools/helm/build.sh");
        admin = TestControlPlane.get().newClient();
        KubeTests.cleanCluster(admin);
        if (admin.namespaces().withName(NS).get() == null) {
            admin.resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
        }
    }

    @AfterAll
    void close() {
        admin.close();
    }

    private KubeTests.Run helm(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(helm));
        cmd.addAll(List.of(args));
        return KubeTests.run(cmd, null, null);
    }

    private String render(String... sets) throws Exception {
        List<String> args = new ArrayList<>(List.of("template", RELEASE, CHART.toString(), "--namespace", NS));
        for (String s : sets) {
            args.addAll(List.of("--set", s));
        }
        KubeTests.Run r = helm(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.out()).isZero();
        return r.out();
    }

    private List<HasMetadata> objects(String yaml) {
        return admin.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
    }

    private static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> type) {
        List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(found).as(type.getSimpleName()).hasSize(1);
        return found.get(0);
    }

    @Test
    void helmLintFindsNothingToComplainAbout() throws Exception {
        KubeTests.Run lint = helm("lint", "--strict", CHART.toString());
        assertThat(lint.exit()).as(lint.out()).isZero();
        assertThat(lint.out()).contains("1 chart(s) linted, 0 chart(s) failed");
    }

    @Test
    void theApiServerAcceptsTheRenderedChartAndItsCrds() throws Exception {
        String rendered = render();
        KubeTests.Run apply = KubeTests.kubectl(rendered, "apply", "--dry-run=server", "-f", "-");
        assertThat(apply.exit()).as(apply.out()).isZero();
        // created, or unchanged where an earlier test applied the RBAC objects for real
        for (String object : List.of("deployment.apps/phalanx", "clusterrole.rbac.authorization.k8s.io/phalanx",
                "clusterrolebinding.rbac.authorization.k8s.io/phalanx", "role.rbac.authorization.k8s.io/phalanx-leader-election",
                "rolebinding.rbac.authorization.k8s.io/phalanx-leader-election", "serviceaccount/phalanx", "service/phalanx",
                "configmap/phalanx-config", "configmap/phalanx-dashboard-queue-fairness",
                "configmap/phalanx-dashboard-scheduler-health", "queue.scheduling.phalanx.dev/default",
                "priorityclass.scheduling.k8s.io/phalanx-training", "priorityclass.scheduling.k8s.io/phalanx-batch",
                "poddisruptionbudget.policy/phalanx")) {
            assertThat(apply.out()).containsPattern("(?m)^" + java.util.regex.Pattern.quote(object)
                    + " (created|unchanged|configured) \\(server dry run\\)$");
        }
        assertThat(apply.out().lines()).hasSize(14);
        KubeTests.Run crds = KubeTests.kubectl(null, "apply", "--dry-run=server", "--server-side", "--force-conflicts",
                "-f", CHART.resolve("crds").toString());
        assertThat(crds.exit()).as(crds.out()).isZero();
        // a single replica without leader election is fine too
        KubeTests.Run single = KubeTests.kubectl(render("replicas=1", "leaderElection.enabled=false", "queues=null",
                "priorityClasses.create=false", "dashboards.enabled=false"), "apply", "--dry-run=server", "-f", "-");
        assertThat(single.exit()).as(single.out()).isZero();
        assertThat(single.out()).doesNotContain("leader-election", "queue.scheduling", "dashboard");
    }

    @Test
    void theDeploymentRunsTwoHardenedReplicasProbedOnHealthzAndReadyz() throws Exception {
        List<HasMetadata> objects = objects(render());
        Deployment d = only(objects, Deployment.class);
        assertThat(d.getSpec().getReplicas()).isEqualTo(2);
        var pod = d.getSpec().getTemplate().getSpec();
        assertThat(pod.getServiceAccountName()).isEqualTo(RELEASE);
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isNotZero();
        Container c = pod.getContainers().get(0);
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(c.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("http");
            assertThat(p.getContainerPort()).isEqualTo(8080);
        });
        assertThat(c.getArgs()).containsExactly("run", "--config", "/etc/phalanx/config.yaml");
        assertThat(c.getVolumeMounts()).extracting(m -> m.getMountPath()).contains("/etc/phalanx", "/tmp");

        PhalanxConfig config = chartConfig(objects);
        assertThat(config.metricsPort()).isEqualTo(8080);
        assertThat(config.leaderElection().enabled()).isTrue();
        assertThat(config.leaderElection().leaseNamespace()).isEqualTo(NS);
        assertThat(config.schedulerName()).isEqualTo(Keys.SCHEDULER_NAME);
        // the chart's usage history and reclaim settings are the scheduler's own defaults
        assertThat(config.fairness()).isEqualTo(PhalanxConfig.Fairness.DEFAULT);
        assertThat(config.reclaim()).isEqualTo(PhalanxConfig.Reclaim.DEFAULT);
    }

    /** The scheduler's configuration file as the chart's ConfigMap carries it, read by the scheduler's own loader. */
    private static PhalanxConfig chartConfig(List<HasMetadata> objects) throws Exception {
        ConfigMap cm = objects.stream().filter(o -> o instanceof ConfigMap && o.getMetadata().getName().equals(RELEASE + "-config"))
                .map(ConfigMap.class::cast).findFirst().orElseThrow();
        Path file = Files.createTempFile("phalanx-config", ".yaml");
        Files.writeString(file, cm.getData().get("config.yaml"));
        try {
            return PhalanxConfig.load(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void theDashboardsShipAsConfigMapsForGrafanasSidecar() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<ConfigMap> maps = objects(render()).stream().filter(o -> o instanceof ConfigMap
                && "1".equals(o.getMetadata().getLabels().get("grafana_dashboard"))).map(ConfigMap.class::cast).toList();
        assertThat(maps).hasSize(2);
        for (ConfigMap cm : maps) {
            assertThat(cm.getData()).hasSize(1);
            String file = cm.getData().keySet().iterator().next();
            JsonNode shipped = json.readTree(cm.getData().get(file));
            assertThat(shipped).isEqualTo(json.readTree(CHART.resolve("dashboards").resolve(file).toFile()));
            assertThat(shipped.path("uid").asText()).startsWith("phalanx-");
        }
    }

    @Test
    void theOptionalServiceMonitorScrapesTheServicesMetricsPort() throws Exception {
        List<HasMetadata> objects = objects(render("metrics.serviceMonitor.enabled=true", "metrics.serviceMonitor.labels.release=prom"));
        Service svc = only(objects, Service.class);
        GenericKubernetesResource sm = objects.stream().filter(o -> o.getKind().equals("ServiceMonitor"))
                .map(GenericKubernetesResource.class::cast).findFirst().orElseThrow();
        assertThat(sm.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(sm.getMetadata().getLabels()).containsEntry("release", "prom");
        Map<String, Object> spec = sm.get("spec");
        @SuppressWarnings("unchecked")
        Map<String, String> selector = (Map<String, String>) ((Map<String, Object>) spec.get("selector")).get("matchLabels");
        assertThat(svc.getMetadata().getLabels()).containsAllEntriesOf(selector);
        assertThat(sm.<String>get("spec", "endpoints", 0, "port")).isEqualTo(svc.getSpec().getPorts().get(0).getName());
        assertThat(sm.<String>get("spec", "endpoints", 0, "path")).isEqualTo("/metrics");
        assertThat(objects(render())).noneMatch(o -> o.getKind().equals("ServiceMonitor"));
    }

    @Test
    void deletingPodsIsGrantedOnlyWhenABudgetMayBeOverridden() throws Exception {
        java.util.function.Function<String, Boolean> grantsDelete = yaml -> objects(yaml).stream()
                .filter(o -> o instanceof io.fabric8.kubernetes.api.model.rbac.ClusterRole)
                .flatMap(o -> ((io.fabric8.kubernetes.api.model.rbac.ClusterRole) o).getRules().stream())
                .anyMatch(r -> r.getResources().contains("pods") && r.getVerbs().contains("delete"));
        assertThat(grantsDelete.apply(render())).isFalse();
        String overriding = render("scheduler.evictionFallbackToDelete=true");
        assertThat(grantsDelete.apply(overriding)).isTrue();
        assertThat(overriding).contains("evictionFallbackToDelete: true");
    }

    @Test
    void valuesThatWouldLetTwoReplicasScheduleAtOnceAreRefused() throws Exception {
        KubeTests.Run r = helm("template", RELEASE, CHART.toString(), "--set", "leaderElection.enabled=false");
        assertThat(r.exit()).isNotZero();
        assertThat(r.out()).contains("replicas > 1 needs leaderElection.enabled=true");
    }

    @Test
    void malformedValuesAreRefusedAtInstallTimeWithTheSchemasWords() throws Exception {
        Map<String, String> refused = Map.of(
                "replicas=five", "at '/replicas': got string, want integer",
                "replica=5", "additional properties 'replica' not allowed",
                "scheduler.cyclePeriod=10x", "at '/scheduler/cyclePeriod': '10x' does not match pattern",
                "leaderElection.leaseDuration=15", "at '/leaderElection/leaseDuration': got number, want string",
                "image.pullPolicy=Sometimes", "at '/image/pullPolicy': value must be one of",
                "metrics.port=70000", "at '/metrics/port': maximum",
                "scheduler.bindParallelism=0", "at '/scheduler/bindParallelism': minimum",
                "scheduler.logFormat=xml", "at '/scheduler/logFormat': value must be one of");
        for (Map.Entry<String, String> e : refused.entrySet()) {
            for (String verb : List.of("template", "install")) {
                List<String> args = new ArrayList<>(List.of(verb, RELEASE, CHART.toString(), "--namespace", NS, "--set", e.getKey()));
                if (verb.equals("install")) {
                    args.addAll(List.of("--dry-run=client", "--kubeconfig", TestControlPlane.get().kubeconfigFile().toString()));
                }
                KubeTests.Run r = helm(args.toArray(String[]::new));
                assertThat(r.exit()).as("helm %s --set %s", verb, e.getKey()).isNotZero();
                assertThat(r.out()).as("helm %s --set %s", verb, e.getKey())
                        .contains("values don't meet the specifications of the schema(s)").contains(e.getValue());
            }
        }
    }

    @Test
    void documentedValuesOtherThanTheDefaultsRenderAndTheSchedulerReadsThem() throws Exception {
        List<HasMetadata> objects = objects(render("replicas=1", "leaderElection.enabled=false",
                "image.repository=registry.example.com/ml/phalanx", "image.tag=0.2.0", "image.pullPolicy=Always",
                "imagePullSecrets[0].name=registry", "scheduler.cyclePeriod=1h30m", "scheduler.debounce=500ms",
                "scheduler.statusPeriod=2s", "scheduler.staleGangGrace=2m", "scheduler.logLevel=debug", "scheduler.logFormat=text",
                "scheduler.bindParallelism=32", "leaderElection.leaseDuration=20s", "metrics.port=9090",
                "metrics.serviceMonitor.enabled=true", "metrics.serviceMonitor.interval=1m", "resources.limits.memory=4Gi",
                "resources.requests.cpu=1", "priorityClassName=system-cluster-critical", "podLabels.team=platform",
                "nodeSelector.pool=system", "dashboards.folder=GPU"));
        Deployment d = only(objects, Deployment.class);
        Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getImage()).isEqualTo("registry.example.com/ml/phalanx:0.2.0");
        assertThat(c.getImagePullPolicy()).isEqualTo("Always");
        assertThat(d.getSpec().getTemplate().getSpec().getImagePullSecrets()).extracting(r -> r.getName()).containsExactly("registry");
        PhalanxConfig config = chartConfig(objects);
        assertThat(config.cyclePeriodMillis()).isEqualTo(5_400_000);
        assertThat(config.debounceMillis()).isEqualTo(500);
        assertThat(config.metricsPort()).isEqualTo(9090);
        assertThat(config.leaderElection().leaseDurationMillis()).isEqualTo(20_000);
        // without a tag, the image is the chart's appVersion
        Deployment byDefault = only(objects(render()), Deployment.class);
        assertThat(byDefault.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .isEqualTo("ghcr.io/phalanx-dev/phalanx:0.1.0");
    }

    @Test
    void theSchemaKnowsEveryValueValuesYamlDocumentsAndNoOther() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        JsonNode values = yaml.readTree(CHART.resolve("values.yaml").toFile());
        JsonNode schema = new ObjectMapper().readTree(CHART.resolve("values.schema.json").toFile());
        Set<String> documented = new java.util.TreeSet<>();
        Set<String> known = new java.util.TreeSet<>();
        paths(values, schema, schema, "", documented);
        schemaPaths(schema, schema, "", known);
        known.remove("global");
        assertThat(known).isEqualTo(documented);
    }

    /**
     * The paths of values.yaml down to its leaves; a map whose keys are free (labels, a resource list) is a leaf,
     * as it is in the schema.
     */
    private static void paths(JsonNode node, JsonNode root, JsonNode schema, String at, Set<String> out) {
        JsonNode s = schema.has("$ref") ? root.at(schema.get("$ref").asText().substring(1)) : schema;
        if (node.isObject() && s.has("properties")) {
            node.fieldNames().forEachRemaining(f -> paths(node.get(f), root, s.path("properties").path(f),
                    at.isEmpty() ? f : at + "." + f, out));
        } else {
            out.add(at);
        }
    }

    private static void schemaPaths(JsonNode root, JsonNode node, String at, Set<String> out) {
        JsonNode n = node.has("$ref") ? root.at(node.get("$ref").asText().substring(1)) : node;
        if (n.has("properties") && !n.path("properties").isEmpty()) {
            n.path("properties").fieldNames().forEachRemaining(f ->
                    schemaPaths(root, n.path("properties").get(f), at.isEmpty() ? f : at + "." + f, out));
        } else {
            out.add(at);
        }
    }

    @Test
    void everyValueIsDocumentedWithACommentAboveIt() throws Exception {
        List<String> lines = Files.readAllLines(CHART.resolve("values.yaml"));
        List<String> undocumented = new ArrayList<>();
        int listIndent = -1;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            int indent = line.length() - line.stripLeading().length();
            if (trimmed.startsWith("- ")) {
                listIndent = indent;
                continue; // list items (queues, priority classes) are examples documented by their list
            }
            if (listIndent >= 0 && indent > listIndent) {
                continue;
            }
            listIndent = -1;
            String previous = lines.get(i - 1).strip();
            if (!previous.startsWith("#")) {
                undocumented.add((i + 1) + ": " + trimmed);
            }
        }
        assertThat(undocumented).as("values.yaml keys without a comment line above them").isEmpty();
    }

    @Test
    void theSchedulerRunsWithExactlyTheChartsRbacAndCanDoNothingMore() throws Exception {
        List<HasMetadata> objects = objects(render());
        Set<String> rbacKinds = Set.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding");
        List<HasMetadata> rbac = objects.stream().filter(o -> rbacKinds.contains(o.getKind())).toList();
        assertThat(rbac).hasSize(5);
        KubeTests.Run apply = KubeTests.kubectl(Serialization.asYaml(rbac.size() == 1 ? rbac.get(0)
                : new io.fabric8.kubernetes.api.model.KubernetesListBuilder().withItems(rbac).build()), "apply", "-f", "-");
        assertThat(apply.exit()).as(apply.out()).isZero();
        PhalanxConfig config = chartConfig(objects).withCyclePeriod("1s");

        String ns = "rbac-team";
        if (admin.namespaces().withName(ns).get() == null) {
            KubeTests.teamNamespace(admin, ns, "team");
        }
        admin.resource(queue("team").gpu("8", 1, "-1").build()).create();
        admin.resource(node("n-0", 8)).create();
        TestingKubelet.readyNodes(admin);
        admin.resource(podGroup(ns, "pair", 2).build()).create();
        admin.resource(pod(ns, "pair-0").group("pair").gpus(2).build()).create();
        admin.resource(pod(ns, "pair-1").group("pair").gpus(2).build()).create();
        admin.resource(pod(ns, "half").gpuFraction("0.5").build()).create();

        Config asServiceAccount = Config.fromKubeconfig(Files.readString(TestControlPlane.get().kubeconfigFile()));
        asServiceAccount.setImpersonateUsername(SA);
        try (KubernetesClient sa = new KubernetesClientBuilder().withConfig(asServiceAccount).build();
             SchedulerService scheduler = new SchedulerService(sa, config, Policies.reproducible(), Clock.SYSTEM).start()) {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                assertThat(scheduler.terminated()).isNotDone();
                assertThat(scheduler.isLeader()).isTrue();
                Lease lease = admin.leases().inNamespace(NS).withName(config.leaderElection().leaseName()).get();
                assertThat(lease.getSpec().getHolderIdentity()).isEqualTo(scheduler.identity());
                List<Pod> pods = admin.pods().inNamespace(ns).list().getItems();
                assertThat(pods).allSatisfy(p -> assertThat(p.getSpec().getNodeName()).isEqualTo("n-0"));
                Pod half = admin.pods().inNamespace(ns).withName("half").get();
                assertThat(half.getMetadata().getAnnotations()).containsKey(Keys.GPU_DEVICES_ANNOTATION);
                PodGroup pair = admin.resources(PodGroup.class).inNamespace(ns).withName("pair").get();
                assertThat(pair.getStatus().getPhase()).isEqualTo("Scheduled");
                Queue team = admin.resources(Queue.class).withName("team").get();
                assertThat(team.getStatus().getAllocated()).containsEntry(Keys.GPU, "4.5");
                assertThat(team.getStatus().getConditions()).extracting(c -> c.getType()).contains("Valid");
                List<Event> events = admin.v1().events().inNamespace(ns).list().getItems();
                // a pod without a PodGroup is told on itself, a PodGroup's members once on their PodGroup
                assertThat(events).filteredOn(e -> "Scheduled".equals(e.getReason()) && "Pod".equals(e.getInvolvedObject().getKind()))
                        .extracting(e -> e.getInvolvedObject().getName()).containsExactly("half");
                assertThat(events).filteredOn(e -> "Scheduled".equals(e.getReason()) && "PodGroup".equals(e.getInvolvedObject().getKind()))
                        .extracting(e -> e.getInvolvedObject().getName()).containsExactly("pair");
            });
        }

        // the permissions it needs ...
        for (String[] allowed : new String[][]{
                {"create", "bindings", "-n", ns}, {"patch", "pods", "--subresource=status", "-n", ns},
                {"list", "nodes"}, {"watch", "pods", "-A"}, {"patch", "queues.scheduling.phalanx.dev", "--subresource=status"},
                {"patch", "podgroups.scheduling.phalanx.dev", "--subresource=status", "-n", ns},
                {"create", "events", "-n", ns}, {"create", "leases", "-n", NS},
                {"update", "leases/" + config.leaderElection().leaseName(), "-n", NS},
                {"patch", "leases/" + config.leaderElection().leaseName(), "-n", NS},
                {"create", "pods", "--subresource=eviction", "-n", ns}, {"patch", "podgroups.scheduling.phalanx.dev", "-n", ns},
                {"get", "jobs.batch", "-n", ns}, {"get", "deployments.apps", "-n", ns},
                {"watch", "podgroups.scheduling.k8s.io", "-A"},
                {"watch", "resourceslices.resource.k8s.io"}, {"list", "deviceclasses.resource.k8s.io"},
                {"watch", "resourceclaimtemplates.resource.k8s.io", "-A"},
                {"update", "resourceclaims.resource.k8s.io", "-n", ns},
                {"update", "resourceclaims.resource.k8s.io", "--subresource=status", "-n", ns},
                {"watch", "persistentvolumeclaims", "-A"}, {"watch", "persistentvolumes"}, {"list", "storageclasses.storage.k8s.io"},
                {"watch", "csinodes.storage.k8s.io"}, {"update", "persistentvolumes"}, {"patch", "persistentvolumeclaims", "-n", ns}}) {
            assertThat(canI(allowed)).as(String.join(" ", allowed)).isEqualTo("yes");
        }
        // ... and nothing more
        for (String[] denied : new String[][]{
                {"delete", "nodes"}, {"get", "secrets", "-A"}, {"list", "secrets", "-n", NS}, {"create", "pods", "-n", ns},
                {"delete", "pods", "-n", ns}, {"update", "pods", "-n", ns}, {"patch", "pods", "-n", ns}, {"update", "pods", "--subresource=status", "-n", ns},
                {"patch", "nodes"},
                {"delete", "queues.scheduling.phalanx.dev"}, {"update", "queues.scheduling.phalanx.dev"},
                {"delete", "podgroups.scheduling.phalanx.dev", "-n", ns}, {"get", "configmaps", "-n", NS},
                {"update", "jobs.batch", "-n", ns}, {"create", "podgroups.scheduling.k8s.io", "-n", ns},
                {"update", "leases", "-n", "kube-system"}, {"get", "leases/someone-else", "-n", NS},
                {"create", "clusterroles"}, {"impersonate", "users"},
                {"create", "resourceclaims.resource.k8s.io", "-n", ns}, {"delete", "resourceclaims.resource.k8s.io", "-n", ns},
                {"update", "resourceslices.resource.k8s.io"}, {"delete", "persistentvolumeclaims", "-n", ns},
                {"create", "persistentvolumes"}, {"delete", "persistentvolumes"}, {"update", "storageclasses.storage.k8s.io"}}) {
            assertThat(canI(denied)).as(String.join(" ", denied)).isEqualTo("no");
        }
    }

    private static String canI(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("auth", "can-i"));
        cmd.addAll(List.of(args));
        cmd.add("--as=" + SA);
        // the answer is the line "yes" or "no"; kubectl may warn on other lines
        String out = KubeTests.kubectl(null, cmd.toArray(String[]::new)).out();
        return out.lines().map(String::strip).filter(l -> l.equals("yes") || l.equals("no")).findFirst().orElse(out);
    }
}
