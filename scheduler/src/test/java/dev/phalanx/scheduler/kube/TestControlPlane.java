package dev.phalanx.scheduler.kube;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.Queue;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real kube-apiserver and etcd for the tests of one JVM, started by fabric8's kube-api-test from
 * binaries built here ({@code tools/control-plane/build.sh}, cached in the user's cache directory and
 * built only when missing), never downloaded. The CRDs from {@code crds/} are applied and Established.
 * It serves the {@code scheduling.k8s.io/v1beta1} Workload and PodGroup API (feature gates
 * {@value #FEATURE_GATES}). No kubelet runs ({@link TestingKubelet} plays its part where a test needs it);
 * a test that needs a controller or another scheduler starts the real one with {@link #start}.
 */
public final class TestControlPlane {
    /** The API server's feature gates, and those of the components started beside it. */
    public static final String FEATURE_GATES = "GenericWorkload=true,TopologyAwareWorkloadScheduling=true";
    private static TestControlPlane instance;

    private final KubeAPIServer server;
    private final Path binaries;
    private volatile String kubeconfigYaml;
    private final Path kubeconfigFile;
    private boolean stopped;

    private TestControlPlane() throws Exception {
        this(true);
    }

    /** {@code nativeGangs} false: an API server as before 1.37, serving no scheduling.k8s.io Workload/PodGroup. */
    private TestControlPlane(boolean nativeGangs) throws Exception {
        String dir = ensureBinaries();
        this.binaries = Path.of(dir);
        KubeAPIServerConfigBuilder config = KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(dir).withOfflineMode(true).withUpdateKubeConfig(false);
        if (nativeGangs) {
            config.withApiServerFlag("--feature-gates", FEATURE_GATES)
                    .withApiServerFlag("--runtime-config", "scheduling.k8s.io/v1beta1=true");
        }
        server = new KubeAPIServer(config.build());
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "kube-api-test-stop"));
        kubeconfigYaml = server.getKubeConfigYaml();
        kubeconfigFile = Files.createTempFile("phalanx-kubeconfig", ".yaml");
        Files.writeString(kubeconfigFile, kubeconfigYaml);
        kubeconfigFile.toFile().deleteOnExit();
        try (KubernetesClient client = newClient()) {
            applyCrds(client);
        }
    }

    public static synchronized TestControlPlane get() {
        if (instance == null) {
            try {
                instance = new TestControlPlane();
            } catch (Exception e) {
                throw new IllegalStateException("the test control plane did not start: " + e.getMessage(), e);
            }
        }
        return instance;
    }

    /** A control plane of its own, for a test that must restart it; {@link #stop} it when done. */
    public static TestControlPlane separate() throws Exception {
        return new TestControlPlane();
    }

    /** A control plane of its own that serves no native gang API, as clusters before 1.37 do; {@link #stop} it. */
    public static TestControlPlane withoutNativeGangs() throws Exception {
        return new TestControlPlane(false);
    }

    public synchronized void stop() {
        if (!stopped) {
            stopped = true;
            server.stop();
        }
    }

    /**
     * Stops the kube-apiserver and starts it again on the same etcd, as after a crash or an upgrade: the
     * data stays, the address changes (kube-api-test picks a free port). kube-api-test has no call for
     * this, so its process objects are reached by reflection.
     */
    public void restartApiServer() throws Exception {
        Object process = field(server, "kubeApiServerProcess");
        Process running = (Process) field(process, "apiServerProcess");
        int oldPort = (int) process.getClass().getMethod("getApiServerPort").invoke(process);
        // its command line names the etcd it uses
        String cmdline = Files.readString(Path.of("/proc/" + running.pid() + "/cmdline"));
        List<String> args = List.of(cmdline.split("\0"));
        int at = args.indexOf("--etcd-servers");
        if (at < 0 || at + 1 >= args.size()) {
            throw new IllegalStateException("no --etcd-servers in " + args);
        }
        String etcd = args.get(at + 1);
        int etcdPort = Integer.parseInt(etcd.substring(etcd.lastIndexOf(':') + 1));
        process.getClass().getMethod("stopApiServer").invoke(process);
        process.getClass().getMethod("startApiServer", int.class).invoke(process, etcdPort);
        process.getClass().getMethod("waitUntilReady").invoke(process);
        int newPort = (int) process.getClass().getMethod("getApiServerPort").invoke(process);
        kubeconfigYaml = kubeconfigYaml.replace(":" + oldPort, ":" + newPort);
    }

    private static Object field(Object o, String name) throws ReflectiveOperationException {
        java.lang.reflect.Field f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
    }

    public KubernetesClient newClient() {
        return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfigYaml)).build();
    }

    public String kubeconfigYaml() {
        return kubeconfigYaml;
    }

    public Path kubeconfigFile() {
        return kubeconfigFile;
    }

    /**
     * Starts a Kubernetes component of the same version beside this API server: {@code kube-scheduler},
     * {@code kube-controller-manager}, or {@code scheduler-plugins} (that project's kube-scheduler); or a
     * workload operator ({@value #JOBSET_CONTROLLER}, {@value #TRAINING_OPERATOR}, see {@link #startOperator}).
     * Each is built when missing. It talks to the API server with the admin kubeconfig; {@code args} are its
     * flags. Close it to stop it. Its output goes to a file named in {@link Component#log}.
     */
    public Component start(String component, List<String> args) throws IOException, InterruptedException {
        if (OPERATORS.containsKey(component)) {
            return startOperator(component, args);
        }
        ensureBinaries(component);
        Path binary;
        if (component.equals("scheduler-plugins")) {
            binary = schedulerPlugins().resolve("kube-scheduler");
        } else {
            try (var versions = Files.list(binaries.resolve("k8s"))) {
                binary = versions.filter(d -> Files.isExecutable(d.resolve(component))).sorted().reduce((a, b) -> b)
                        .orElseThrow(() -> new IllegalStateException("no " + component + " under " + binaries)).resolve(component);
            }
        }
        Path kubeconfig = Files.createTempFile("phalanx-" + component, ".kubeconfig");
        Files.writeString(kubeconfig, kubeconfigYaml);
        Path log = Files.createTempFile("phalanx-" + component, ".log");
        // no HTTPS endpoint of its own: a fixed port would collide with another instance
        java.util.List<String> cmd = new java.util.ArrayList<>(List.of(binary.toString(), "--kubeconfig=" + kubeconfig,
                "--secure-port=0"));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new Component(component, p, log, kubeconfig, () -> { }, () -> { });
    }

    /**
     * The folder of scheduler-plugins' newest version: its kube-scheduler and the PodGroup CRD its Coscheduling plugin
     * reads ({@code coscheduling-crd.yaml}), built when missing.
     */
    public Path schedulerPlugins() throws IOException, InterruptedException {
        ensureBinaries("scheduler-plugins");
        try (var versions = Files.list(binaries.resolve("scheduler-plugins"))) {
            return versions.sorted().reduce((a, b) -> b)
                    .orElseThrow(() -> new IllegalStateException("no scheduler-plugins under " + binaries));
        }
    }

    /** JobSet's controller manager (sigs.k8s.io/jobset), at the version of the JobSet CRD the tests install. */
    public static final String JOBSET_CONTROLLER = "jobset-controller";
    /** Kubeflow's training operator v1 (PyTorchJob and the other Kubeflow jobs), likewise. */
    public static final String TRAINING_OPERATOR = "training-operator";
    /** Each operator's folder under the binaries, as tools/control-plane/build.sh lays it out. */
    private static final java.util.Map<String, String> OPERATORS = java.util.Map.of(JOBSET_CONTROLLER, "jobset",
            TRAINING_OPERATOR, "training-operator");
    /** The namespace the training operator keeps its webhook certificate in: its default, MY_POD_NAMESPACE unset. */
    static final String TRAINING_OPERATOR_NAMESPACE = "kubeflow";

    private Path operatorDir(String operator) throws IOException, InterruptedException {
        ensureBinaries(operator);
        try (var versions = Files.list(binaries.resolve(OPERATORS.get(operator)))) {
            return versions.filter(d -> Files.isExecutable(d.resolve(operator))).sorted().reduce((a, b) -> b)
                    .orElseThrow(() -> new IllegalStateException("no " + operator + " under " + binaries));
        }
    }

    /**
     * Starts a workload operator out of cluster, as its Deployment would run it but against this API server:
     * the admin kubeconfig, no leader election, no metrics or health endpoint (address 0: no port of its own to
     * collide with another run), and its webhooks served on a free port with a certificate made here
     * ({@link WebhookCertificates}) and reached at 127.0.0.1 (JobSet's server listens there alone; the training
     * operator has no flag for the address it listens on). Once it serves them, its webhook configurations, as its release renders
     * them, are registered with the API server pointing at that port, so JobSets are defaulted and PyTorchJobs
     * validated as in a cluster; closing the component unregisters them before it stops the operator, so that no
     * request is refused by a webhook nobody serves.
     *
     * <p>The training operator serves the webhooks of the schemes it runs ({@code --enable-scheme}, all when not
     * given), so only those are registered. It keeps its certificate in a Secret, checked and rotated by
     * cert-controller, which waits for the files a kubelet would mount from it at a fixed
     * {@code /tmp/k8s-webhook-server/serving-certs}: the Secret is filled here with certificates that pass its
     * checks, its server reads them from its own {@code $TMPDIR}, and the fixed path only needs a file to exist.
     */
    private Component startOperator(String operator, List<String> args) throws IOException, InterruptedException {
        Path dir = operatorDir(operator);
        Path work = Files.createTempDirectory("phalanx-" + operator);
        Path kubeconfig = work.resolve("kubeconfig");
        Files.writeString(kubeconfig, kubeconfigYaml);
        Path log = Files.createTempFile("phalanx-" + operator, ".log");
        int port = freePort();
        List<String> cmd = new java.util.ArrayList<>(List.of(dir.resolve(operator).toString(), "--kubeconfig=" + kubeconfig,
                "--leader-elect=false", "--metrics-bind-address=0", "--health-probe-bind-address=0"));
        ProcessBuilder pb = new ProcessBuilder();
        java.util.Set<String> servedResources = null; // null: all its webhooks
        WebhookCertificates certs;
        if (operator.equals(JOBSET_CONTROLLER)) {
            certs = WebhookCertificates.issue("jobset-ca", List.of());
            Path config = work.resolve("config.yaml");
            // its Configuration is the only way to move the webhook server and to leave the certificates to us; it
            // says what the flags say too, since it is what the controller logs
            Files.writeString(config, """
                    apiVersion: config.jobset.x-k8s.io/v1alpha1
                    kind: Configuration
                    leaderElection:
                      leaderElect: false
                    metrics:
                      bindAddress: "0"
                    health:
                      healthProbeBindAddress: "0"
                    webhook:
                      host: 127.0.0.1
                      port: %d
                      certDir: %s
                    internalCertManagement:
                      enable: false
                    """.formatted(port, certs.writeTo(work.resolve("certs"))));
            cmd.add("--config=" + config);
        } else {
            certs = WebhookCertificates.issue("training-operator-ca",
                    List.of("training-operator." + TRAINING_OPERATOR_NAMESPACE + ".svc"));
            try (KubernetesClient client = newClient()) {
                client.resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                        .withName(TRAINING_OPERATOR_NAMESPACE).endMetadata().build()).serverSideApply();
                client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata()
                        .withName("training-operator-webhook-cert").withNamespace(TRAINING_OPERATOR_NAMESPACE).endMetadata()
                        .addToStringData("ca.crt", certs.caPem()).addToStringData("ca.key", certs.caKeyPem())
                        .addToStringData("tls.crt", certs.certPem()).addToStringData("tls.key", certs.keyPem()).build())
                        .forceConflicts().serverSideApply();
            }
            certs.writeTo(work.resolve("k8s-webhook-server/serving-certs"));
            pb.environment().put("TMPDIR", work.toString());
            // its Deployment's variables: the namespace of its Secret, and the one namespace it would watch alone
            pb.environment().remove("MY_POD_NAMESPACE");
            pb.environment().remove("KUBEFLOW_NAMESPACE");
            Path mounted = Path.of("/tmp/k8s-webhook-server/serving-certs/tls.crt");
            if (!Files.exists(mounted)) {
                Files.createDirectories(mounted.getParent());
                Files.writeString(mounted, certs.certPem());
            }
            cmd.add("--webhook-server-port=" + port); // on every address: it has no flag for the host
            servedResources = new java.util.HashSet<>();
            for (String a : args) {
                if (a.startsWith("--enable-scheme=")) {
                    servedResources.add(a.substring("--enable-scheme=".length()).toLowerCase(java.util.Locale.ROOT) + "s");
                }
            }
            if (servedResources.isEmpty()) {
                servedResources = null;
            }
        }
        cmd.addAll(args);
        List<HasMetadata> webhooks = webhookConfigurations(dir.resolve("webhooks.yaml"), port, certs, servedResources);
        Process p = pb.command(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Component component = new Component(operator, p, log, kubeconfig, () -> {
            try (KubernetesClient client = newClient()) {
                webhooks.forEach(w -> client.resource(w).delete());
            }
        }, () -> deleteTree(work));
        try {
            awaitServing(component, certs, webhooks);
            try (KubernetesClient client = newClient()) {
                for (HasMetadata w : webhooks) {
                    client.resource(w).forceConflicts().serverSideApply();
                }
            }
        } catch (RuntimeException e) {
            component.close();
            throw e;
        }
        return component;
    }

    /**
     * The operator's rendered webhook configurations, each webhook pointed at {@code https://127.0.0.1:port} and
     * trusting {@code certs}' CA; of the training operator's, those for {@code resources} (null: all).
     */
    private List<HasMetadata> webhookConfigurations(Path file, int port, WebhookCertificates certs,
                                                    java.util.Set<String> resources) throws IOException {
        List<HasMetadata> out = new java.util.ArrayList<>();
        try (KubernetesClient parser = newClient(); var in = Files.newInputStream(file)) {
            for (HasMetadata item : parser.load(in).items()) {
                if (item instanceof io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration m) {
                    m.getWebhooks().removeIf(w -> !serves(w.getRules(), resources));
                    m.getWebhooks().forEach(w -> w.setClientConfig(clientConfig(w.getClientConfig(), port, certs)));
                    out.add(m);
                } else if (item instanceof io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration v) {
                    v.getWebhooks().removeIf(w -> !serves(w.getRules(), resources));
                    v.getWebhooks().forEach(w -> w.setClientConfig(clientConfig(w.getClientConfig(), port, certs)));
                    out.add(v);
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no webhook configuration in " + file);
        }
        return out;
    }

    private static boolean serves(List<io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperations> rules,
                                  java.util.Set<String> resources) {
        return resources == null || rules.stream().flatMap(r -> r.getResources().stream()).anyMatch(resources::contains);
    }

    private static io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig clientConfig(
            io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig rendered, int port, WebhookCertificates certs) {
        String path = rendered.getService() == null ? "/" : rendered.getService().getPath();
        return new io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfigBuilder()
                .withUrl("https://127.0.0.1:" + port + path).withCaBundle(certs.caBundle()).build();
    }

    /**
     * Waits until the operator answers on every webhook path it is to serve: a path it does not serve yet is a
     * 404. Its handler refuses the empty probe (and logs an error "unknown content type" for it): that answer is
     * the sign it is there.
     */
    private static void awaitServing(Component operator, WebhookCertificates certs, List<HasMetadata> webhooks) {
        List<String> urls = new java.util.ArrayList<>();
        for (HasMetadata w : webhooks) {
            if (w instanceof io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration m) {
                m.getWebhooks().forEach(x -> urls.add(x.getClientConfig().getUrl()));
            } else if (w instanceof io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration v) {
                v.getWebhooks().forEach(x -> urls.add(x.getClientConfig().getUrl()));
            }
        }
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().sslContext(certs.trusting())
                .connectTimeout(java.time.Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        for (String url : urls) {
            while (true) {
                if (!operator.process().isAlive()) {
                    throw new IllegalStateException(operator.name() + " exited (" + operator.process().exitValue() + "):\n"
                            + operator.tail());
                }
                try {
                    var answer = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                            .timeout(java.time.Duration.ofSeconds(2)).build(), java.net.http.HttpResponse.BodyHandlers.discarding());
                    if (answer.statusCode() != 404) {
                        break;
                    }
                } catch (IOException e) {
                    // not listening yet
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(operator.name() + " does not serve " + url + " after 90 s:\n" + operator.tail());
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path dir) {
        try (var all = Files.walk(dir)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory
        }
    }

    /** A running Kubernetes component or operator; closing it stops it and undoes what starting it set up. */
    public record Component(String name, Process process, Path log, Path kubeconfig, Runnable beforeStop, Runnable afterStop)
            implements AutoCloseable {
        /** The last lines it wrote, to explain a failure. */
        public String tail() {
            try {
                List<String> lines = Files.readAllLines(log);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
            } catch (IOException e) {
                return "(no log: " + e.getMessage() + ")";
            }
        }

        @Override
        public void close() {
            beforeStop.run();
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                Files.deleteIfExists(kubeconfig);
            } catch (IOException ignored) {
                // a temporary file
            }
            afterStop.run();
        }
    }

    /** Runs the idempotent build script for {@code components}; returns the KUBE_API_TEST_DIR it prints last. */
    private static String ensureBinaries(String... components) throws IOException, InterruptedException {
        Path script = repoRoot().resolve("tools/control-plane/build.sh");
        java.util.List<String> cmd = new java.util.ArrayList<>(List.of("bash", script.toString()));
        cmd.addAll(List.of(components));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String last = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                last = line.trim();
            }
        }
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0 || last == null) {
            throw new IllegalStateException(script + " failed (exit " + p.exitValue() + "); see its output above");
        }
        return last;
    }

    static Path repoRoot() {
        Path at = Path.of("").toAbsolutePath();
        while (at != null && !Files.isDirectory(at.resolve("tools/control-plane"))) {
            at = at.getParent();
        }
        if (at == null) {
            throw new IllegalStateException("cannot find the repository root from " + Path.of("").toAbsolutePath());
        }
        return at;
    }

    private static void applyCrds(KubernetesClient client) throws IOException {
        try (var files = Files.list(repoRoot().resolve("crds"))) {
            for (Path f : files.filter(x -> x.toString().endsWith(".yml")).sorted().toList()) {
                try (var in = Files.newInputStream(f)) {
                    List<HasMetadata> items = client.load(in).items();
                    for (HasMetadata item : items) {
                        client.resource(item).forceConflicts().serverSideApply();
                    }
                }
            }
        }
        for (String name : List.of(crdName(Queue.class), crdName(PodGroup.class))) {
            client.apiextensions().v1().customResourceDefinitions().withName(name).waitUntilCondition(TestControlPlane::established,
                    60, TimeUnit.SECONDS);
        }
    }

    private static String crdName(Class<? extends HasMetadata> type) {
        return HasMetadata.getPlural(type) + "." + HasMetadata.getGroup(type);
    }

    private static boolean established(CustomResourceDefinition crd) {
        return crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null
                && crd.getStatus().getConditions().stream()
                .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}
