package dev.phalanx.bench;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.kube.TestControlPlane;
import dev.phalanx.scheduler.kube.TestingKubelet;
import dev.phalanx.scheduler.live.SchedulerService;
import dev.phalanx.scheduler.metrics.Metrics;
import dev.phalanx.scheduler.metrics.SchedulerMetrics;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.micrometer.core.instrument.Timer;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;

/**
 * Pods bound per second and gang latency on a real kube-apiserver and etcd ({@link TestControlPlane}):
 * {@code nodes} Node objects of 8 GPUs in NVLink domains of 8 nodes, then a burst of gangs (PodGroups of
 * 1 to 16 one-GPU pods, 80% of the cluster's GPUs) created at once by {@value #CREATORS} client threads
 * while Phalanx runs, in the same JVM, with the given binding parallelism.
 *
 * <p>The baseline of each round, measured in the same run on the same objects, is the API server's own
 * ceiling: the same pods created the same way with no scheduler, then bound by the benchmark itself with
 * the writes Phalanx makes per pod (the GPU-devices annotation, then the binding), as many in flight as
 * Phalanx is allowed, to nodes known in advance. What Phalanx loses against it is the cost of scheduling;
 * what both lose is the API server's. CPU time of kube-apiserver, etcd and this JVM is read per round, to
 * say which of them the two cores spent on.
 */
public final class ApiServerThroughput {
    static final int GPUS_PER_NODE = 8;
    static final int NODES_PER_CLIQUE = 8;
    static final int CREATORS = 32;
    static final int TEAMS = 4;
    static final int[] GANG_SIZES = {1, 2, 4, 8, 16};

    /** One round: who bound the pods, with how many bindings in flight, and what it took. */
    public record Round(String binder, int parallelism, int nodes, int pods, int gangs, double createSeconds,
                        double endToEndPodsPerSecond, double bindPodsPerSecond, double gangLatencyP50Seconds,
                        double gangLatencyP99Seconds, long cycles, double cycleSeconds, double commitSeconds,
                        double apiServerCpuSeconds, double etcdCpuSeconds, double jvmCpuSeconds, double wallSeconds) {
    }

    private record Gang(String namespace, String name, List<String> pods) {
    }

    private final TestControlPlane controlPlane;
    private final KubernetesClient client;
    private final PrintStream progress;
    private final int nodes;
    private int round;

    private ApiServerThroughput(TestControlPlane controlPlane, int nodes, PrintStream progress) {
        this.controlPlane = controlPlane;
        this.client = newClient(controlPlane);
        this.nodes = nodes;
        this.progress = progress;
    }

    /**
     * Starts a control plane of its own, creates {@code nodes} nodes, and runs for each parallelism one
     * round with the baseline binder and one with Phalanx; stops the control plane at the end.
     */
    public static List<Round> run(int nodes, List<Integer> parallelisms, PrintStream progress) throws Exception {
        TestControlPlane cp = TestControlPlane.separate();
        try {
            ApiServerThroughput bench = new ApiServerThroughput(cp, nodes, progress);
            try {
                bench.setUpCluster();
                List<Round> rounds = new ArrayList<>();
                for (int p : parallelisms) {
                    rounds.add(bench.round("baseline", p));
                    rounds.add(bench.round("phalanx", p));
                }
                return rounds;
            } finally {
                bench.client.close();
            }
        } finally {
            cp.stop();
        }
    }

    /** {@code ApiServerThroughput nodes parallelism...}: prints one line per round. */
    public static void main(String[] args) throws Exception {
        List<Integer> parallelisms = Arrays.stream(args).skip(1).map(Integer::valueOf).toList();
        for (Round r : run(Integer.parseInt(args[0]), parallelisms, System.out)) {
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

    private Round round(String binder, int parallelism) throws Exception {
        String prefix = "r" + round++;
        List<Gang> gangs = workload(prefix);
        int podCount = gangs.stream().mapToInt(g -> g.pods().size()).sum();
        Map<String, Long> boundAt = new ConcurrentHashMap<>();
        Map<String, Long> createdAt = new ConcurrentHashMap<>();
        Cpu before = Cpu.now();
        Watch watch = client.pods().inAnyNamespace().watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod p) {
                if (p.getSpec().getNodeName() != null && p.getMetadata().getName().startsWith(prefix + "-")) {
                    boundAt.putIfAbsent(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(), System.nanoTime());
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
        SchedulerService scheduler = null;
        SchedulerMetrics metrics = new SchedulerMetrics(SchedulerMetrics.prometheusRegistry());
        KubernetesClient schedulerClient = null;
        try {
            if (binder.equals("phalanx")) {
                schedulerClient = newClient(controlPlane);
                scheduler = new SchedulerService(schedulerClient, PhalanxConfig.defaults().withBindParallelism(parallelism)
                        .withMetricsPort(0), Policies.live(metrics), Clock.SYSTEM, metrics).start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (scheduler.readiness() != null) {
                    if (System.nanoTime() > deadline) {
                        throw new TimeoutException("the scheduler did not get ready: " + scheduler.readiness());
                    }
                    Thread.sleep(50);
                }
            }
            long t0 = System.nanoTime();
            String schedulerName = binder.equals("phalanx") ? Keys.SCHEDULER_NAME : "none";
            parallel(CREATORS, gangs.size(), i -> {
                Gang g = gangs.get(i);
                createdAt.put(g.namespace() + "/" + g.name(), System.nanoTime());
                var group = podGroup(g.namespace(), g.name(), g.pods().size());
                client.resource((g.pods().size() >= 4 ? group.preferred(Keys.CLIQUE_LABEL) : group).build()).create();
                for (String member : g.pods()) {
                    client.resource(pod(g.namespace(), member).gpus(1).group(g.name()).scheduler(schedulerName).build()).create();
                }
            });
            long created = System.nanoTime();
            if (binder.equals("baseline")) {
                bindDirectly(gangs, parallelism);
            }
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
            while (boundAt.size() < podCount) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException(binder + " bound " + boundAt.size() + " of " + podCount + " pods in 15 minutes");
                }
                Thread.sleep(20);
            }
            long end = boundAt.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            long firstBound = boundAt.values().stream().mapToLong(Long::longValue).min().orElseThrow();
            double[] latencies = new double[gangs.size()];
            for (int i = 0; i < gangs.size(); i++) {
                Gang g = gangs.get(i);
                long last = g.pods().stream().mapToLong(p -> boundAt.get(g.namespace() + "/" + p)).max().orElseThrow();
                latencies[i] = (last - createdAt.get(g.namespace() + "/" + g.name())) / 1e9;
            }
            Arrays.sort(latencies);
            Cpu after = Cpu.now();
            Timer cycle = metrics.registry().find(Metrics.CYCLE.name()).timer();
            Timer commit = metrics.registry().find(Metrics.CYCLE_STEP.name()).tag("step", "commit").timer();
            Round r = new Round(binder, parallelism, nodes, podCount, gangs.size(), (created - t0) / 1e9,
                    podCount / ((end - t0) / 1e9), podCount / Math.max(1e-9, (end - firstBound) / 1e9),
                    percentile(latencies, 0.50), percentile(latencies, 0.99), cycle == null ? 0 : cycle.count(),
                    cycle == null ? 0 : cycle.totalTime(TimeUnit.NANOSECONDS) / 1e9,
                    commit == null ? 0 : commit.totalTime(TimeUnit.NANOSECONDS) / 1e9,
                    after.apiServer - before.apiServer, after.etcd - before.etcd, after.jvm - before.jvm, (end - t0) / 1e9);
            progress.printf("  api-server: %-8s parallelism %3d: %5d pods in %4.1f s, %6.0f pods/s end to end, gang p50 %.2f s, p99 %.2f s%n",
                    binder, parallelism, podCount, r.wallSeconds(), r.endToEndPodsPerSecond(), r.gangLatencyP50Seconds(),
                    r.gangLatencyP99Seconds());
            return r;
        } finally {
            watch.close();
            if (scheduler != null) {
                scheduler.close();
            }
            if (schedulerClient != null) {
                schedulerClient.close();
            }
            cleanUp();
        }
    }

    /** The baseline binder: every pod to a node fixed in advance, one GPU device each, with the writes Phalanx makes. */
    private void bindDirectly(List<Gang> gangs, int parallelism) throws Exception {
        List<String[]> pods = new ArrayList<>();
        for (Gang g : gangs) {
            for (String p : g.pods()) {
                pods.add(new String[]{g.namespace(), p});
            }
        }
        parallel(parallelism, pods.size(), i -> {
            String ns = pods.get(i)[0];
            String name = pods.get(i)[1];
            String nodeName = String.format("node-%05d", i / GPUS_PER_NODE);
            client.pods().inNamespace(ns).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
                    "{\"metadata\":{\"annotations\":{\"" + Keys.GPU_DEVICES_ANNOTATION + "\":\"" + i % GPUS_PER_NODE + "\"}}}");
            client.bindings().inNamespace(ns).resource(new BindingBuilder().withNewMetadata().withName(name).endMetadata()
                    .withNewTarget().withApiVersion("v1").withKind("Node").withName(nodeName).endTarget().build()).create();
        });
    }

    private void cleanUp() {
        for (int t = 0; t < TEAMS; t++) {
            String ns = "team-" + t;
            client.pods().inNamespace(ns).withGracePeriod(0).delete();
            client.resources(PodGroup.class).inNamespace(ns).delete();
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!client.pods().inAnyNamespace().list().getItems().isEmpty()
                || !client.resources(PodGroup.class).inAnyNamespace().list().getItems().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("pods were still there 5 minutes after they were deleted");
            }
            sleep(Duration.ofMillis(200));
        }
        client.v1().events().inAnyNamespace().delete();
        if (client.resources(Queue.class).list().getItems().size() != TEAMS) {
            throw new IllegalStateException("the queues are gone");
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

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** CPU seconds used so far by kube-apiserver and etcd (children of this JVM) and by this JVM. */
    private record Cpu(double apiServer, double etcd, double jvm) {
        static Cpu now() {
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
            double jvm = ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
            return new Cpu(api, etcd, jvm);
        }
    }
}
