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
     * {@code kube-controller-manager}, or {@code scheduler-plugins} (that project's kube-scheduler), built
     * when missing. It talks to the API server with the admin kubeconfig; {@code args} are its flags. Close
     * it to stop it. Its output goes to a file named in {@link Component#log}.
     */
    public Component start(String component, List<String> args) throws IOException, InterruptedException {
        ensureBinaries(component);
        Path binary;
        if (component.equals("scheduler-plugins")) {
            try (var versions = Files.list(binaries.resolve("scheduler-plugins"))) {
                binary = versions.sorted().reduce((a, b) -> b).orElseThrow().resolve("kube-scheduler");
            }
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
        return new Component(component, p, log, kubeconfig);
    }

    /** A running Kubernetes component; closing it stops it. */
    public record Component(String name, Process process, Path log, Path kubeconfig) implements AutoCloseable {
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
