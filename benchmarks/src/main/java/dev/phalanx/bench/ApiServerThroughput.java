package dev.phalanx.bench;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.kube.TestControlPlane;
import dev.phalanx.scheduler.kube.TestingKubelet;
import dev.phalanx.testing.Dra;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim;
import dev.phalanx.scheduler.metrics.Metrics;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;

/**
 * Pods bound per second, gang latency and the API server's load, per scheduler, on one real kube-apiserver
 * and etcd ({@link TestControlPlane}): {@code nodes} Node objects of 8 GPUs in NVLink domains of 8 nodes, then
 * per round a burst of gangs (1 to 16 one-GPU pods, 80% of the cluster's GPUs) created at once by
 * {@value #CREATORS} client threads while one scheduler runs. The contenders, each in a round of its own on
 * the same objects:
 * <ul>
 *   <li><b>ceiling</b>: no scheduler; the benchmark binds every pod to a node known in advance, one Binding per
 *   pod and nothing else, {@value #CEILING_IN_FLIGHT} in flight: what the API server can do at most;</li>
 *   <li><b>phalanx</b>: the scheduler as it ships, {@code phalanx run} with the default configuration in a JVM of its
 *   own, with Phalanx PodGroups (gangs of 4 or more prefer one NVLink domain);</li>
 *   <li><b>kube-scheduler</b>: kube-scheduler of the same Kubernetes version, default profile, pods without gangs;</li>
 *   <li><b>kube-scheduler-gang</b>: the same with its native gang scheduling (feature gate GenericWorkload):
 *   {@code scheduling.k8s.io/v1beta1} PodGroups with {@code gang.minCount}, pods pointing at them;</li>
 *   <li><b>coscheduling</b>: scheduler-plugins' kube-scheduler with the Coscheduling plugin and its own
 *   PodGroups ({@code scheduling.x-k8s.io}).</li>
 * </ul>
 * Per round: pods per second end to end, gang latency (the gang's creation to its last member bound, as a
 * watch sees it), how long gangs are partly bound (first to last member bound), the share of gangs of 4 or
 * more inside one NVLink domain, the CPU seconds of kube-apiserver, etcd and the scheduler, and the API
 * server's writes per pod from its own request counters, with those the workload itself makes (creating
 * pods and gangs) taken out. A round also checks its outcome: every pod bound, no node over-committed. Before it
 * is measured, each contender binds the same burst once and sees it deleted (a warm-up, the same for all), so the
 * figures are those of a scheduler that has been running, not of its first seconds.
 */
public final class ApiServerThroughput {
    static final int GPUS_PER_NODE = 8;
    static final int NODES_PER_CLIQUE = 8;
    static final int CREATORS = 32;
    static final int TEAMS = 4;
    static final int[] GANG_SIZES = {1, 2, 4, 8, 16};
    static final int CEILING_IN_FLIGHT = 64;
    private static final String COSCHEDULING = "coscheduling";
    private static final String X_K8S_GROUP_LABEL = "scheduling.x-k8s.io/pod-group";

    /** Who binds the pods of a round. */
    public enum Contender {
        CEILING("ceiling"), PHALANX("phalanx"), KUBE_SCHEDULER("kube-scheduler"), KUBE_SCHEDULER_GANG("kube-scheduler-gang"),
        COSCHEDULING_PLUGIN("coscheduling"),
        /** The DRA variant: each pod's GPU comes through a ResourceClaim of its own, allocated by the binder. */
        CEILING_DRA("ceiling-dra"), PHALANX_DRA("phalanx-dra"), KUBE_SCHEDULER_DRA("kube-scheduler-dra");

        private final String label;

        Contender(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /** Whether its pods ask for their GPU through a ResourceClaim. */
        public boolean dra() {
            return label.endsWith("-dra");
        }

        /** The same contender without DRA (who binds). */
        Contender binder() {
            return switch (this) {
                case CEILING_DRA -> CEILING;
                case PHALANX_DRA -> PHALANX;
                case KUBE_SCHEDULER_DRA -> KUBE_SCHEDULER;
                default -> this;
            };
        }

        public static Contender of(String label) {
            for (Contender c : values()) {
                if (c.label.equals(label)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("unknown contender " + label + "; known: ceiling, phalanx, kube-scheduler, "
                    + "kube-scheduler-gang, coscheduling, ceiling-dra, phalanx-dra, kube-scheduler-dra");
        }
    }

    /** One round: who bound the pods and what it took. Times in seconds; writes and requests per pod. */
    public record Round(String contender, int nodes, int pods, int gangs, double createSeconds, double endToEndPodsPerSecond,
                        double gangLatencyP50Seconds, double gangLatencyP99Seconds, double partlyBoundP50Seconds,
                        double partlyBoundP99Seconds, double partlyBoundGangSeconds, double largeGangsInOneDomain,
                        double apiServerCpuSeconds, double etcdCpuSeconds, double schedulerCpuSeconds,
                        double schedulerWritesPerPod, double requestsPerPod, Map<String, Long> schedulerWrites,
                        long cycles, double cycleSeconds, double wallSeconds) {
        public double apiServerCpuMillisPerPod() {
            return apiServerCpuSeconds * 1000 / pods;
        }
    }

    private record Gang(String namespace, String name, List<String> pods) {
    }

    private final TestControlPlane controlPlane;
    private final KubernetesClient client;
    private final PrintStream progress;
    private final int nodes;
    private int round;
    private int warmUps = 1;

    private ApiServerThroughput(TestControlPlane controlPlane, int nodes, PrintStream progress) {
        this.controlPlane = controlPlane;
        this.client = newClient(controlPlane);
        this.nodes = nodes;
        this.progress = progress;
    }

    /** Starts a control plane of its own, creates {@code nodes} nodes, runs one round per contender, stops it. */
    public static List<Round> run(int nodes, List<Contender> contenders, PrintStream progress) throws Exception {
        return run(nodes, contenders, 1, progress);
    }

    /**
     * As {@link #run(int, List, PrintStream)}; each contender first binds the same burst {@code warmUps} times,
     * unmeasured, each then deleted: what is measured is a scheduler that has been running (a JVM's code compiled,
     * caches filled), as in production, for every contender alike. With none, each is measured from its start.
     */
    public static List<Round> run(int nodes, List<Contender> contenders, int warmUps, PrintStream progress) throws Exception {
        TestControlPlane cp = TestControlPlane.separate();
        try {
            ApiServerThroughput bench = new ApiServerThroughput(cp, nodes, progress);
            bench.warmUps = warmUps;
            try {
                bench.setUpCluster();
                List<Round> rounds = new ArrayList<>();
                for (Contender c : contenders) {
                    rounds.add(bench.round(c));
                }
                return rounds;
            } finally {
                bench.client.close();
            }
        } finally {
            cp.stop();
        }
    }

    /**
     * {@code ApiServerThroughput [--no-warm-up | --warm-up N] nodes contender...}: prints one line per round; one
     * warm-up burst per contender unless told otherwise.
     */
    public static void main(String[] args) throws Exception {
        int warmUps = 1;
        List<String> rest = Arrays.asList(args);
        if (!rest.isEmpty() && rest.get(0).equals("--no-warm-up")) {
            warmUps = 0;
            rest = rest.subList(1, rest.size());
        } else if (rest.size() > 1 && rest.get(0).equals("--warm-up")) {
            warmUps = Integer.parseInt(rest.get(1));
            rest = rest.subList(2, rest.size());
        }
        List<Contender> contenders = rest.stream().skip(1).map(Contender::of).toList();
        for (Round r : run(Integer.parseInt(rest.get(0)), contenders.isEmpty() ? List.of(Contender.values()) : contenders,
                warmUps, System.out)) {
            System.out.println(r);
        }
    }

    private static KubernetesClient newClient(TestControlPlane cp) {
        Config config = Config.fromKubeconfig(cp.kubeconfigYaml());
        config.setMaxConcurrentRequests(256);
        config.setMaxConcurrentRequestsPerHost(256);
        config.setRequestTimeout(60_000);
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    private int pods() {
        return nodes * GPUS_PER_NODE * 8 / 10;
    }

    private void setUpCluster() throws Exception {
        long t0 = System.nanoTime();
        parallel(CREATORS, nodes, i -> {
            String name = String.format("node-%05d", i);
            int clique = i / NODES_PER_CLIQUE;
            client.nodes().resource(node(name, GPUS_PER_NODE, Keys.CLIQUE_LABEL, String.format("clique-%04d", clique),
                    Keys.RACK_LABEL, String.format("rack-%03d", clique / 2))).create();
            TestingKubelet.readyNode(client, name); // the API server taints a new node not-ready until a kubelet reports
        });
        for (int t = 0; t < TEAMS; t++) {
            String team = "team-" + t;
            client.resource(queue(team).gpu(null, 1, null).build()).create();
            client.resource(namespace(team, Keys.QUEUE_LABEL, team)).create();
            client.serviceAccounts().inNamespace(team).resource(new ServiceAccountBuilder().withNewMetadata().withName("default")
                    .endMetadata().build()).create();
        }
        progress.printf("  api-server: %d nodes created in %.1f s%n", nodes, (System.nanoTime() - t0) / 1e9);
    }

    /** The gangs of a round: sizes cycling through {@link #GANG_SIZES}, teams in turn, until {@link #pods()}. */
    private List<Gang> workload(String prefix) {
        List<Gang> gangs = new ArrayList<>();
        int pods = 0;
        for (int g = 0; pods < pods(); g++) {
            int size = Math.min(GANG_SIZES[g % GANG_SIZES.length], pods() - pods);
            String name = prefix + "-" + g;
            List<String> members = new ArrayList<>();
            for (int m = 0; m < size; m++) {
                members.add(name + "-" + m);
            }
            gangs.add(new Gang("team-" + g % TEAMS, name, members));
            pods += size;
        }
        return gangs;
    }

    /** What the contender runs: its process (none for the ceiling), stopped at the end of the round. */
    private record Running(Process process, Path log, AutoCloseable stop, Integer metricsPort) implements AutoCloseable {
        boolean alive() {
            return process == null || process.isAlive();
        }

        String tail() {
            if (log == null) {
                return "";
            }
            try {
                List<String> lines = Files.readAllLines(log);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
            } catch (java.io.IOException e) {
                return "(no log: " + e.getMessage() + ")";
            }
        }

        @Override
        public void close() throws Exception {
            stop.close();
        }
    }

    private Running startContender(Contender c) throws Exception {
        return switch (c) {
            case CEILING -> new Running(null, null, () -> { }, null);
            case PHALANX -> startPhalanx();
            case KUBE_SCHEDULER -> component(controlPlane.start("kube-scheduler", List.of("--leader-elect=false")));
            case KUBE_SCHEDULER_GANG -> component(controlPlane.start("kube-scheduler", List.of("--leader-elect=false",
                    "--feature-gates=" + TestControlPlane.FEATURE_GATES)));
            case COSCHEDULING_PLUGIN -> {
                installCoschedulingCrd();
                Path config = Files.createTempFile("phalanx-coscheduling", ".yaml");
                Files.writeString(config, """
                        apiVersion: kubescheduler.config.k8s.io/v1
                        kind: KubeSchedulerConfiguration
                        leaderElection: {leaderElect: false}
                        clientConnection: {kubeconfig: "%s"}
                        profiles:
                        - schedulerName: %s
                          plugins:
                            multiPoint: {enabled: [{name: Coscheduling}]}
                            queueSort: {enabled: [{name: Coscheduling}], disabled: [{name: "*"}]}
                          pluginConfig:
                          - name: Coscheduling
                            args: {permitWaitingTimeSeconds: 60}
                        """.formatted(controlPlane.kubeconfigFile(), COSCHEDULING));
                yield component(controlPlane.start("scheduler-plugins", List.of("--config=" + config)));
            }
            default -> startContender(c.binder());
        };
    }

    private static Running component(TestControlPlane.Component c) {
        return new Running(c.process(), c.log(), c, null);
    }

    /**
     * {@code phalanx run} in a JVM of its own, as it ships, with its default configuration (metrics on a free
     * port): its CPU is its own, not the benchmark's.
     */
    private Running startPhalanx() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path config = Files.createTempFile("phalanx-config", ".yaml");
        Files.writeString(config, "metricsPort: " + port + "\n");
        Path log = Files.createTempFile("phalanx-run", ".log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g",
                "-cp", System.getProperty("java.class.path"), "dev.phalanx.scheduler.cli.PhalanxCli", "run",
                "--kubeconfig", controlPlane.kubeconfigFile().toString(), "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Running r = new Running(p, log, () -> {
            p.destroy(); // SIGTERM: it finishes its cycle and leaves
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }, port);
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        awaitCondition("phalanx to get ready", () -> {
            if (!p.isAlive()) {
                throw new IllegalStateException("phalanx run exited " + p.exitValue() + ":\n" + r.tail());
            }
            try {
                return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/readyz"))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
            } catch (java.io.IOException e) {
                return false;
            }
        });
        return r;
    }

    /** Phalanx's cycle count and seconds from its /metrics. */
    private static double[] cycles(Running r) throws Exception {
        if (r.metricsPort() == null) {
            return new double[]{0, 0};
        }
        String text = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + r.metricsPort() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        double count = 0, sum = 0;
        for (String line : text.lines().toList()) {
            if (line.startsWith(Metrics.CYCLE.prometheusName() + "_count ")) {
                count = Double.parseDouble(line.substring(line.indexOf(' ') + 1));
            } else if (line.startsWith(Metrics.CYCLE.prometheusName() + "_sum ")) {
                sum = Double.parseDouble(line.substring(line.indexOf(' ') + 1));
            }
        }
        return new double[]{count, sum};
    }

    /** scheduler-plugins' PodGroup CRD, as its module ships it (copied beside its binary by the build, built when missing). */
    private void installCoschedulingCrd() throws Exception {
        Path crd = controlPlane.schedulerPlugins().resolve("coscheduling-crd.yaml");
        try (var in = Files.newInputStream(crd)) {
            for (HasMetadata item : client.load(in).items()) {
                client.resource(item).forceConflicts().serverSideApply();
                if (item instanceof CustomResourceDefinition d) {
                    client.apiextensions().v1().customResourceDefinitions().withName(d.getMetadata().getName())
                            .waitUntilCondition(x -> x != null && x.getStatus() != null && x.getStatus().getConditions() != null
                                    && x.getStatus().getConditions().stream().anyMatch(cond -> "Established".equals(cond.getType())
                                    && "True".equals(cond.getStatus())), 60, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** The gang's object, if the contender has one: Phalanx's PodGroup, the native one, or scheduler-plugins'. */
    private HasMetadata groupObject(Contender contender, Gang g) {
        Contender c = contender.binder();
        int size = g.pods().size();
        return switch (c) {
            case PHALANX -> {
                var group = podGroup(g.namespace(), g.name(), size);
                yield (size >= 4 ? group.preferred(Keys.CLIQUE_LABEL) : group).build();
            }
            case KUBE_SCHEDULER_GANG -> new GenericKubernetesResourceBuilder().withApiVersion("scheduling.k8s.io/v1beta1")
                    .withKind("PodGroup").withNewMetadata().withName(g.name()).withNamespace(g.namespace()).endMetadata()
                    .addToAdditionalProperties("spec", Map.of("schedulingPolicy", Map.of("gang", Map.of("minCount", size))))
                    .build();
            case COSCHEDULING_PLUGIN -> new GenericKubernetesResourceBuilder().withApiVersion("scheduling.x-k8s.io/v1alpha1")
                    .withKind("PodGroup").withNewMetadata().withName(g.name()).withNamespace(g.namespace()).endMetadata()
                    .addToAdditionalProperties("spec", Map.of("minMember", size)).build();
            default -> null;
        };
    }

    private Pod member(Contender contender, Gang g, String name) {
        Contender c = contender.binder();
        if (contender.dra()) {
            // the claim a template would make for it: one GPU
            client.resource(Dra.claim(g.namespace(), name, Dra.gpus(1))).create();
            var p = pod(g.namespace(), name).claim("gpu", name);
            return switch (c) {
                case CEILING -> p.scheduler("none").build();
                case PHALANX -> p.group(g.name()).scheduler(Keys.SCHEDULER_NAME).build();
                default -> p.scheduler("default-scheduler").build();
            };
        }
        Pod p = switch (c) {
            case CEILING -> pod(g.namespace(), name).gpus(1).scheduler("none").build();
            case PHALANX -> pod(g.namespace(), name).gpus(1).group(g.name()).scheduler(Keys.SCHEDULER_NAME).build();
            case KUBE_SCHEDULER -> pod(g.namespace(), name).gpus(1).scheduler("default-scheduler").build();
            case KUBE_SCHEDULER_GANG -> {
                Pod x = pod(g.namespace(), name).gpus(1).scheduler("default-scheduler").build();
                x.getSpec().setAdditionalProperty("schedulingGroup", Map.of("podGroupName", g.name()));
                yield x;
            }
            case COSCHEDULING_PLUGIN -> {
                Pod x = pod(g.namespace(), name).gpus(1).scheduler(COSCHEDULING).build();
                x.getMetadata().getLabels().put(X_K8S_GROUP_LABEL, g.name());
                yield x;
            }
            default -> throw new IllegalStateException("no pods of their own: " + c);
        };
        return p;
    }

    private Round round(Contender contender) throws Exception {
        String prefix = "r" + round++;
        List<Gang> gangs = workload(prefix);
        int podCount = gangs.stream().mapToInt(g -> g.pods().size()).sum();
        Map<String, Long> boundAt = new ConcurrentHashMap<>();
        Map<String, String> nodeOf = new ConcurrentHashMap<>();
        Map<String, Long> createdAt = new ConcurrentHashMap<>();
        Map<String, Long> warmBound = new ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicReference<String> warmPrefix = new java.util.concurrent.atomic.AtomicReference<>(prefix + "w0");
        Watch watch = client.pods().inAnyNamespace().watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod p) {
                if (p.getSpec().getNodeName() == null) {
                    return;
                }
                String key = p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
                if (p.getMetadata().getName().startsWith(prefix + "-")) {
                    boundAt.putIfAbsent(key, System.nanoTime());
                    nodeOf.put(key, p.getSpec().getNodeName());
                } else if (p.getMetadata().getName().startsWith(warmPrefix.get() + "-")) {
                    warmBound.putIfAbsent(key, System.nanoTime());
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
        if (contender.dra()) {
            publishDevices();
        }
        Running running = startContender(contender.binder());
        try {
            for (int w = 0; w < warmUps; w++) {
                // the same burst, unmeasured, then gone: every contender is measured running, not starting
                warmPrefix.set(prefix + "w" + w);
                warmBound.clear();
                List<Gang> warm = workload(prefix + "w" + w);
                create(contender, warm, new ConcurrentHashMap<>());
                if (contender.binder() == Contender.CEILING) {
                    bindDirectly(warm, contender.dra());
                }
                awaitBound(contender, warmBound, podCount, running);
                deleteWorkload();
            }
            Cpu before = Cpu.now(running.process());
            double[] cyclesBefore = cycles(running);
            Map<String, Long> requestsBefore = requests();
            long t0 = System.nanoTime();
            create(contender, gangs, createdAt);
            long created = System.nanoTime();
            if (contender.binder() == Contender.CEILING) {
                bindDirectly(gangs, contender.dra());
            }
            awaitBound(contender, boundAt, podCount, running);
            long end = boundAt.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            Cpu after = Cpu.now(running.process());
            double[] cyclesAfter = cycles(running);
            double[] cycles = {cyclesAfter[0] - cyclesBefore[0], cyclesAfter[1] - cyclesBefore[1]};
            Map<String, Long> requestsAfter = requests();
            checkNoNodeOvercommitted(nodeOf);
            double[] latencies = new double[gangs.size()];
            double[] partly = new double[gangs.size()];
            double partlyTotal = 0;
            int large = 0, largeInOne = 0;
            for (int i = 0; i < gangs.size(); i++) {
                Gang g = gangs.get(i);
                long first = Long.MAX_VALUE, last = 0;
                java.util.Set<String> cliques = new java.util.HashSet<>();
                for (String p : g.pods()) {
                    long at = boundAt.get(g.namespace() + "/" + p);
                    first = Math.min(first, at);
                    last = Math.max(last, at);
                    cliques.add(cliqueOf(nodeOf.get(g.namespace() + "/" + p)));
                }
                latencies[i] = (last - createdAt.get(g.namespace() + "/" + g.name())) / 1e9;
                partly[i] = (last - first) / 1e9;
                partlyTotal += partly[i];
                if (g.pods().size() >= 4) {
                    large++;
                    largeInOne += cliques.size() == 1 ? 1 : 0;
                }
            }
            Arrays.sort(latencies);
            Arrays.sort(partly);
            Map<String, Long> writes = writesByResource(requestsBefore, requestsAfter, contender, gangs);
            long schedulerWrites = writes.values().stream().mapToLong(Long::longValue).sum();
            long allRequests = requestsAfter.values().stream().mapToLong(Long::longValue).sum()
                    - requestsBefore.values().stream().mapToLong(Long::longValue).sum();
            double schedulerCpu = after.scheduler - before.scheduler;
            Round r = new Round(contender.label(), nodes, podCount, gangs.size(), (created - t0) / 1e9,
                    podCount / ((end - t0) / 1e9), percentile(latencies, 0.50), percentile(latencies, 0.99),
                    percentile(partly, 0.50), percentile(partly, 0.99), partlyTotal,
                    large == 0 ? 1 : largeInOne / (double) large,
                    after.apiServer - before.apiServer, after.etcd - before.etcd, schedulerCpu,
                    schedulerWrites / (double) podCount, allRequests / (double) podCount, writes,
                    (long) cycles[0], cycles[1],
                    (end - t0) / 1e9);
            progress.printf("  api-server: %-19s %5d pods in %5.1f s: %6.0f pods/s, gang p50 %.2f s p99 %.2f s, partly bound p99 %.2f s, "
                            + "API server %.1f CPU-ms and %.2f writes per pod%n",
                    contender.label(), podCount, r.wallSeconds(), r.endToEndPodsPerSecond(), r.gangLatencyP50Seconds(),
                    r.gangLatencyP99Seconds(), r.partlyBoundP99Seconds(), r.apiServerCpuMillisPerPod(), r.schedulerWritesPerPod());
            return r;
        } finally {
            watch.close();
            running.close();
            cleanUp();
        }
    }

    /** Creates the gangs' groups and pods from {@value #CREATORS} threads, noting when each gang was created. */
    private void create(Contender contender, List<Gang> gangs, Map<String, Long> createdAt) throws Exception {
        parallel(CREATORS, gangs.size(), i -> {
            Gang g = gangs.get(i);
            createdAt.put(g.namespace() + "/" + g.name(), System.nanoTime());
            HasMetadata group = groupObject(contender, g);
            if (group != null) {
                client.resource(group).create();
            }
            for (String member : g.pods()) {
                client.resource(member(contender, g, member)).create();
            }
        });
    }

    /** Waits until {@code count} pods are seen bound, or fails after 15 minutes or when the contender exits. */
    private static void awaitBound(Contender contender, Map<String, Long> bound, int count, Running running) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
        while (bound.size() < count) {
            if (System.nanoTime() > deadline || !running.alive()) {
                throw new TimeoutException(contender.label() + " bound " + bound.size() + " of " + count
                        + " pods:\n" + running.tail());
            }
            Thread.sleep(20);
        }
    }

    private static String cliqueOf(String node) {
        int i = Integer.parseInt(node.substring("node-".length()));
        return "clique-" + i / NODES_PER_CLIQUE;
    }

    /** Every node holds at most its GPUs: each pod asks for one. */
    private static void checkNoNodeOvercommitted(Map<String, String> nodeOf) {
        Map<String, Integer> perNode = new HashMap<>();
        nodeOf.values().forEach(n -> perNode.merge(n, 1, Integer::sum));
        perNode.forEach((n, count) -> {
            if (count > GPUS_PER_NODE) {
                throw new IllegalStateException("node " + n + " got " + count + " one-GPU pods, more than its " + GPUS_PER_NODE);
            }
        });
    }

    /** DRA rounds: the GPU class, and each node's eight GPUs published as a DRA driver publishes them. */
    private void publishDevices() throws Exception {
        client.resource(Dra.gpuClass()).create();
        parallel(CREATORS, nodes, i -> client.resource(Dra.gpuSlice(String.format("node-%05d", i), GPUS_PER_NODE, "NVIDIA H100"))
                .create());
    }

    /**
     * The ceiling's binder: every pod to a node fixed in advance, one Binding each and nothing else; with {@code dra},
     * its claim allocated to a device of that node and reserved for it first, as any DRA binder must.
     */
    private void bindDirectly(List<Gang> gangs, boolean dra) throws Exception {
        List<String[]> pods = new ArrayList<>();
        for (Gang g : gangs) {
            for (String p : g.pods()) {
                pods.add(new String[]{g.namespace(), p});
            }
        }
        parallel(CEILING_IN_FLIGHT, pods.size(), i -> {
            String ns = pods.get(i)[0];
            String name = pods.get(i)[1];
            String nodeName = String.format("node-%05d", i / GPUS_PER_NODE);
            if (dra) {
                var claim = client.resources(ResourceClaim.class).inNamespace(ns).withName(name).get();
                var pod = client.pods().inNamespace(ns).withName(name).get();
                var result = new io.fabric8.kubernetes.api.model.resource.v1.DeviceRequestAllocationResult();
                result.setRequest("gpus");
                result.setDriver(Dra.GPU_DRIVER);
                result.setPool(nodeName);
                result.setDevice("gpu-" + i % GPUS_PER_NODE);
                var allocation = new io.fabric8.kubernetes.api.model.resource.v1.AllocationResult();
                allocation.setDevices(new io.fabric8.kubernetes.api.model.resource.v1.DeviceAllocationResult(List.of(), List.of(result)));
                allocation.setNodeSelector(new io.fabric8.kubernetes.api.model.NodeSelectorBuilder().addNewNodeSelectorTerm()
                        .addNewMatchField().withKey("metadata.name").withOperator("In").withValues(nodeName).endMatchField()
                        .endNodeSelectorTerm().build());
                var status = new io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimStatus();
                status.setAllocation(allocation);
                status.setReservedFor(List.of(new io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimConsumerReference(
                        "", name, "pods", pod.getMetadata().getUid())));
                claim.setStatus(status);
                client.resources(ResourceClaim.class).inNamespace(ns).resource(claim).updateStatus();
            }
            client.bindings().inNamespace(ns).resource(new BindingBuilder().withNewMetadata().withName(name).endMetadata()
                    .withNewTarget().withApiVersion("v1").withKind("Node").withName(nodeName).endTarget().build()).create();
        });
    }

    private static final Pattern REQUEST = Pattern.compile(
            "^apiserver_request_total\\{([^}]*)\\} ([0-9.e+]+)$", Pattern.MULTILINE);
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    /** The API server's own request counters, by "VERB resource[/subresource]". */
    private Map<String, Long> requests() {
        Map<String, Long> out = new TreeMap<>();
        Matcher m = REQUEST.matcher(client.raw("/metrics"));
        while (m.find()) {
            Map<String, String> labels = new HashMap<>();
            Matcher l = LABEL.matcher(m.group(1));
            while (l.find()) {
                labels.put(l.group(1), l.group(2));
            }
            String sub = labels.getOrDefault("subresource", "");
            String key = labels.get("verb") + " " + labels.get("resource") + (sub.isEmpty() ? "" : "/" + sub);
            out.merge(key, (long) Double.parseDouble(m.group(2)), Long::sum);
        }
        return out;
    }

    /** Writes made during the round, by "VERB resource", less those the workload made itself (creating its objects). */
    private static Map<String, Long> writesByResource(Map<String, Long> before, Map<String, Long> after, Contender c,
                                                      List<Gang> gangs) {
        Map<String, Long> out = new TreeMap<>();
        after.forEach((k, v) -> {
            String verb = k.substring(0, k.indexOf(' '));
            if (List.of("POST", "PUT", "PATCH", "DELETE", "APPLY").contains(verb)) {
                long d = v - before.getOrDefault(k, 0L);
                if (d > 0) {
                    out.put(k, d);
                }
            }
        });
        long pods = gangs.stream().mapToLong(g -> g.pods().size()).sum();
        out.computeIfPresent("POST pods", (k, v) -> v - pods > 0 ? v - pods : null);
        out.computeIfPresent("POST resourceclaims", (k, v) -> v - pods > 0 ? v - pods : null);
        if (c.binder() != Contender.CEILING && c.binder() != Contender.KUBE_SCHEDULER) {
            out.computeIfPresent("POST podgroups", (k, v) -> v - gangs.size() > 0 ? v - gangs.size() : null);
        }
        return out;
    }

    private void cleanUp() {
        deleteWorkload();
        client.v1().events().inAnyNamespace().delete();
        client.resources(io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice.class).delete();
        client.resources(io.fabric8.kubernetes.api.model.resource.v1.DeviceClass.class).delete();
        awaitCondition("the round's devices to be gone", () ->
                client.resources(io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice.class).list().getItems().isEmpty());
        if (client.resources(Queue.class).list().getItems().size() != TEAMS) {
            throw new IllegalStateException("the queues are gone");
        }
    }

    /** Deletes the pods, claims and groups of a burst and waits until they are gone; nodes, devices and queues stay. */
    private void deleteWorkload() {
        for (int t = 0; t < TEAMS; t++) {
            String ns = "team-" + t;
            client.pods().inNamespace(ns).withGracePeriod(0).delete();
            var claims = client.resources(ResourceClaim.class).inNamespace(ns);
            for (var c : claims.list().getItems()) {
                if (c.getMetadata().getFinalizers() != null && !c.getMetadata().getFinalizers().isEmpty()) {
                    try {
                        claims.withName(c.getMetadata().getName()).edit(x -> {
                            x.getMetadata().setFinalizers(List.of());
                            return x;
                        });
                    } catch (RuntimeException e) {
                        // gone or changed meanwhile: deleted below either way
                    }
                }
            }
            claims.delete();
            client.resources(PodGroup.class).inNamespace(ns).delete();
            for (String api : List.of("scheduling.k8s.io/v1beta1", "scheduling.x-k8s.io/v1alpha1")) {
                try {
                    client.genericKubernetesResources(api, "PodGroup").inNamespace(ns).delete();
                } catch (RuntimeException e) {
                    // that API is not served (the CRD is installed only for its round)
                }
            }
        }
        awaitCondition("the round's pods to be gone", () -> client.pods().inAnyNamespace().list().getItems().isEmpty()
                && client.resources(PodGroup.class).inAnyNamespace().list().getItems().isEmpty()
                && client.resources(ResourceClaim.class).inAnyNamespace().list().getItems().isEmpty());
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void awaitCondition(String what, Condition c) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        try {
            while (!c.holds()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out waiting for " + what);
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int at = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, at))];
    }

    private interface Task {
        void run(int i) throws Exception;
    }

    private static void parallel(int threads, int count, Task task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int at = i;
                futures.add(pool.submit(() -> {
                    task.run(at);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** CPU seconds used so far by kube-apiserver and etcd (children of this JVM) and by the scheduler's process. */
    private record Cpu(double apiServer, double etcd, double scheduler) {
        static Cpu now(Process scheduler) {
            double api = 0, etcd = 0;
            for (ProcessHandle p : ProcessHandle.current().descendants().toList()) {
                String cmd = p.info().command().orElse("");
                double s = p.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
                if (cmd.endsWith("kube-apiserver")) {
                    api += s;
                } else if (cmd.endsWith("etcd")) {
                    etcd += s;
                }
            }
            double own = scheduler == null ? 0
                    : scheduler.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
            return new Cpu(api, etcd, own);
        }
    }
}
