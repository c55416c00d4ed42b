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
 * No kubelet, controller manager or scheduler runs: see {@link TestingKubelet}.
 */
public final class TestControlPlane {
    private static TestControlPlane instance;

    private final KubeAPIServer server;
    private volatile String kubeconfigYaml;
    private final Path kubeconfigFile;
    private boolean stopped;

    private TestControlPlane() throws Exception {
        String dir = ensureBinaries();
        server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(dir).withOfflineMode(true).withUpdateKubeConfig(false).build());
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

    /** Runs the idempotent build script; returns the KUBE_API_TEST_DIR it prints last. */
    private static String ensureBinaries() throws IOException, InterruptedException {
        Path script = repoRoot().resolve("tools/control-plane/build.sh");
        Process p = new ProcessBuilder("bash", script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
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
