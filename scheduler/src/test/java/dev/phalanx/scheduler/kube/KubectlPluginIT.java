package dev.phalanx.scheduler.kube;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.cli.PhalanxCli;
import dev.phalanx.scheduler.live.SchedulerService;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.priorityClass;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code kubectl phalanx} as a user runs it: the real kubectl finds the launcher bin/kubectl-phalanx on the PATH
 * and passes it the flags as typed; the launcher runs the CLI jar, which reads the cluster the scheduler (running
 * in this JVM) has been working on, and says why pods and gangs wait, how the queues stand and where the GPUs are.
 */
@Tag("kube")
class KubectlPluginIT {
    private static final String NS = "plugin";
    @TempDir
    Path dir;
    private KubernetesClient client;
    private SchedulerService scheduler;
    private Path bin;
    private Path jar;

    @BeforeEach
    void setUp() throws Exception {
        client = TestControlPlane.get().newClient();
        KubeTests.cleanCluster(client);
        if (client.namespaces().withName(NS).get() == null) {
            KubeTests.teamNamespace(client, NS, "team");
        }
        KubeTests.createIfAbsent(client, priorityClass("plugin-high", 100));
        // the launcher, linked onto a PATH of its own as a user links it
        bin = Files.createDirectories(dir.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("kubectl-phalanx"), TestControlPlane.repoRoot().resolve("bin/kubectl-phalanx"));
        jar = cliJar(dir.resolve("phalanx.jar"));
    }

    @AfterEach
    void tearDown() throws Exception {
        Files.deleteIfExists(bin.resolve("kubectl-phalanx")); // a link out of the temporary directory
        if (scheduler != null) {
            scheduler.close();
        }
        client.close();
    }

    /**
     * The CLI as a jar: the manifest names the main class and, as the built jar names its lib/ directory, a class
     * path, here this JVM's (so the jar runs exactly the code under test, without a second build).
     */
    private static Path cliJar(Path at) throws Exception {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, PhalanxCli.class.getName());
        List<String> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            urls.add(Path.of(entry).toUri().toString());
        }
        m.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", urls));
        try (OutputStream out = Files.newOutputStream(at); JarOutputStream j = new JarOutputStream(out, m)) {
            j.flush();
        }
        return at;
    }

    /** {@code kubectl ARGS} with the launcher on the PATH; {@code env} adds to the environment (KUBECONFIG, say). */
    private KubeTests.Run kubectl(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("kubectl"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("KUBECONFIG");
        pb.environment().put("PATH", bin + File.pathSeparator + System.getenv("PATH"));
        pb.environment().put("PHALANX_JAR", jar.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("kubectl %s finished", args).isTrue();
        return new KubeTests.Run(p.exitValue(), out);
    }

    private static String kubeconfig() {
        return TestControlPlane.get().kubeconfigFile().toString();
    }

    private static String podReason(Pod p) {
        PodCondition c = p.getStatus() == null || p.getStatus().getConditions() == null ? null
                : p.getStatus().getConditions().stream().filter(x -> "PodScheduled".equals(x.getType())).findFirst().orElse(null);
        return c == null ? null : c.getStatus() + " " + c.getReason();
    }

    @Test
    void whyQueuesAndTopAnswerThroughKubectlFromWhatTheSchedulerWrote() throws Exception {
        client.resource(node("plugin-a", 8, Keys.CLIQUE_LABEL, "nvl-a")).create();
        client.resource(node("plugin-b", 8, Keys.CLIQUE_LABEL, "nvl-b")).create();
        client.resource(queue("team").gpu("8", 1, "-1").build()).create();
        client.resource(queue("capped").gpu("0", 1, "2").build()).create();
        // two gangs wait in queue team for room: "second" first, by its priority; preemption only runs downhill,
        // so it may not take the room of the two that run, which have its priority
        client.resource(pod(NS, "first").gpus(8).priorityClass("plugin-high").build()).create();
        client.resource(pod(NS, "runner").gpus(6).priorityClass("plugin-high").build()).create();
        client.resource(pod(NS, "second").gpus(4).priorityClass("plugin-high").build()).create();
        client.resource(podGroup(NS, "pair", 2).build()).create();
        client.resource(pod(NS, "pair-0").group("pair").gpus(4).build()).create();
        client.resource(pod(NS, "pair-1").group("pair").gpus(4).build()).create();
        client.resource(pod(NS, "capped").gpus(4).queue("capped").build()).create();
        client.resource(podGroup(NS, "short", 3).build()).create();
        client.resource(pod(NS, "short-0").group("short").gpus(1).build()).create();
        TestingKubelet.readyNodes(client);
        scheduler = new SchedulerService(client, PhalanxConfig.defaults().withCyclePeriod("1s").withStatusPeriod("200ms"),
                Policies.reproducible(), Clock.SYSTEM).start();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(client.pods().inNamespace(NS).withName("first").get().getSpec().getNodeName()).isNotNull();
            assertThat(client.pods().inNamespace(NS).withName("runner").get().getSpec().getNodeName()).isNotNull();
            assertThat(podReason(client.pods().inNamespace(NS).withName("capped").get())).isEqualTo("False QueueOverLimit");
            assertThat(podReason(client.pods().inNamespace(NS).withName("second").get())).isEqualTo("False Unschedulable");
            assertThat(podReason(client.pods().inNamespace(NS).withName("pair-0").get())).isEqualTo("False Unschedulable");
            assertThat(podReason(client.pods().inNamespace(NS).withName("short-0").get())).isEqualTo("False WaitingForMembers");
            var queue = client.resources(dev.phalanx.api.v1alpha1.Queue.class).withName("capped").get();
            assertThat(queue.getStatus()).isNotNull();
            assertThat(queue.getStatus().getRequested()).containsEntry(Keys.GPU, "4");
        });

        KubeTests.Run capped = kubectl(Map.of(), "phalanx", "why", "capped", "-n", NS, "--kubeconfig", kubeconfig());
        assertThat(capped.exit()).as(capped.out()).isZero();
        assertThat(capped.out())
                .contains("PodScheduled=False QueueOverLimit: needs 4 nvidia.com/gpu, queue capped has 0 of its limit 2 in use")
                .contains("nvidia.com/gpu: quota 0, limit 2, fair share ")
                .contains("1 gang of this queue waits in line, served by priority, then creation time; this one is 1st")
                .contains("What would start it: raising queue capped's spec.resources[nvidia.com/gpu].limit from 2 to 4 (2 more)");

        // a gang's place in its queue, by priority, then creation time
        KubeTests.Run pair = kubectl(Map.of("KUBECONFIG", kubeconfig()), "phalanx", "why", "pair", "--namespace", NS);
        assertThat(pair.exit()).as(pair.out()).isZero();
        assertThat(pair.out()).containsPattern("PodGroup plugin/pair: phase \\w+, 0 of minMember 2 bound")
                .contains("Scheduled=False InsufficientResources: ")
                .contains("2 gangs of this queue wait in line, served by priority, then creation time; this one is 2nd")
                .containsPattern("(?m)^\\s+1\\s+plugin/second\\s+100\\s")
                .containsPattern("(?m)^\\s+>\\s+2\\s+plugin/pair\\s+0\\s")
                .contains("It waits for 8 nvidia.com/gpu free for its 2 pods");

        KubeTests.Run member = kubectl(Map.of(), "phalanx", "why", "pod/short-0", "-n", NS, "--kubeconfig", kubeconfig());
        assertThat(member.out()).contains("Pod plugin/short-0 (PodGroup short)")
                .contains("It waits for 2 more pods: minMember is 3 and 1 exists.")
                .contains("What would start it: creating 2 more pods labelled scheduling.phalanx.dev/pod-group=short");

        KubeTests.Run queues = kubectl(Map.of(), "phalanx", "queues", "--kubeconfig", kubeconfig());
        assertThat(queues.exit()).as(queues.out()).isZero();
        assertThat(queues.out()).containsPattern("(?m)^QUEUE\\s+QUOTA\\s+LIMIT\\s+FAIR SHARE\\s+ALLOCATED\\s+REQUESTED\\s+USE\\s+WAITING$")
                .containsPattern("(?m)^capped\\s+0\\s+2\\s+\\S+\\s+0\\s+4\\s+\\S+\\s+1$")
                .containsPattern("(?m)^team\\s+8\\s+none\\s+\\S+\\s+14\\s+\\S+\\s+\\S+\\s+3$");

        KubeTests.Run top = kubectl(Map.of(), "phalanx", "top", "--kubeconfig", kubeconfig());
        assertThat(top.exit()).as(top.out()).isZero();
        assertThat(top.out()).containsPattern("(?m)^\\s+team\\s+14\\s+2\\s")
                .containsPattern("(?m)^\\s+nvl-a\\s+1\\s+8\\s+\\d+\\s+\\d+\\s+\\d+%$")
                .containsPattern("(?m)^\\s+total\\s+2\\s+16\\s+14\\s+2\\s+88%$");

        KubeTests.Run nope = kubectl(Map.of(), "phalanx", "why", "nope", "-n", NS, "--kubeconfig", kubeconfig());
        assertThat(nope.exit()).isEqualTo(2);
        assertThat(nope.out().strip()).isEqualTo("phalanx why: no pod or PodGroup \"nope\" in namespace " + NS);
    }

    @Test
    void theContextAndItsNamespaceComeFromTheKubeconfigAsKubectlPassesThem() throws Exception {
        client.resource(node("plugin-a", 8, Keys.CLIQUE_LABEL, "nvl-a")).create();
        client.resource(queue("team").gpu("8", 1, "-1").build()).create();
        client.resource(pod(NS, "lonely").gpus(16).build()).create();
        TestingKubelet.readyNodes(client);
        scheduler = new SchedulerService(client, PhalanxConfig.defaults().withCyclePeriod("1s").withStatusPeriod("200ms"),
                Policies.reproducible(), Clock.SYSTEM).start();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(podReason(client.pods().inNamespace(NS).withName("lonely").get())).isEqualTo("False Unschedulable"));

        // two contexts: the current one names a server that is not there, the other this API server and namespace
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        ObjectNode config = (ObjectNode) yaml.readTree(TestControlPlane.get().kubeconfigYaml());
        String cluster = config.path("clusters").get(0).path("name").asText();
        String user = config.path("users").get(0).path("name").asText();
        ObjectNode gone = ((ArrayNode) config.path("clusters")).addObject();
        gone.put("name", "gone").putObject("cluster").put("server", "https://127.0.0.1:" + port).put("insecure-skip-tls-verify", true);
        ArrayNode contexts = config.putArray("contexts");
        contexts.addObject().put("name", "test").putObject("context").put("cluster", cluster).put("user", user).put("namespace", NS);
        contexts.addObject().put("name", "elsewhere").putObject("context").put("cluster", "gone").put("user", user);
        config.put("current-context", "elsewhere");
        Path two = dir.resolve("two-contexts.yaml");
        Files.writeString(two, yaml.writeValueAsString(config));

        KubeTests.Run there = kubectl(Map.of("KUBECONFIG", two.toString()), "phalanx", "why", "lonely", "--context", "test");
        assertThat(there.exit()).as(there.out()).isZero();
        assertThat(there.out()).contains("Pod plugin/lonely").contains("PodScheduled=False Unschedulable: ")
                .contains("It waits for nothing that waiting can bring");
        KubeTests.Run notThere = kubectl(Map.of("KUBECONFIG", two.toString()), "phalanx", "why", "lonely");
        assertThat(notThere.exit()).isEqualTo(1);
        assertThat(notThere.out().strip()).isEqualTo("phalanx why: cannot reach the API server https://127.0.0.1:" + port
                + "/ (from $KUBECONFIG " + two + "): connection refused");
    }
}
