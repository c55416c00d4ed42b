package dev.phalanx.scheduler.live;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.cycle.CyclePolicies;
import dev.phalanx.core.cycle.CycleResult;
import dev.phalanx.core.cycle.CycleRunner;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Keys;
import dev.phalanx.queue.grouping.GroupAssignments;
import dev.phalanx.queue.grouping.PodGroupingReconciler;
import dev.phalanx.queue.reconcile.PodGroupReconciler;
import dev.phalanx.queue.reconcile.QueueReconciler;
import dev.phalanx.queue.status.StatusBoard;
import dev.phalanx.queue.status.StatusReporter;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.metrics.SchedulerMetrics;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClass;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimTemplate;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The live scheduler: fabric8 informers feed the {@link ClusterCache}; one thread runs a cycle when
 * something changed (after a short debounce) and at least once per period, through the same
 * {@link CycleRunner} the simulator uses, with the cache as its source and the {@link KubeCommitter} as its
 * commit port.
 *
 * <p>With leader election on, every replica keeps its informers warm, but only the holder of the Lease
 * runs cycles, binds, records events and writes status (the reconcilers start only on the leader). A new
 * leader first waits until its cache shows every pod the API server has bound as bound, so it never
 * offers a bound pod's room again. A leader that loses the Lease stops scheduling at once and does not
 * rejoin: {@link #terminated()} completes, and the process is expected to exit and restart, as
 * kube-scheduler does. On {@link #close()} a leader finishes its cycle, then releases the Lease, so a
 * standby takes over within one retry period.
 */
public final class SchedulerService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerService.class);
    private static final long CATCH_UP_MILLIS = 30_000;

    private enum State { NEW, FOLLOWING, LEADING, STOPPED }

    private final KubernetesClient client;
    private final PhalanxConfig config;
    private final Clock clock;
    private final SchedulerMetrics metrics;
    private final ClusterCache cache;
    private final GroupAssignments assignments;
    private final EventRecorder events;
    private final KubeBinder binder;
    private final CycleRunner runner;
    private final StatusWriter status;
    private final PodConditions podConditions;
    private final StatusBoard board = new StatusBoard();
    private final Operator operator;
    private final String identity;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final Object signal = new Object();
    private final Object lifecycle = new Object();
    private final CompletableFuture<String> terminated = new CompletableFuture<>();
    private volatile State state = State.NEW;
    private volatile boolean dirty = true;
    private volatile boolean running;
    private volatile boolean closing;
    private volatile long cycles;
    private volatile long lastCycleEndMillis;
    private volatile String leader;
    private boolean operatorStarted;
    private CompletableFuture<?> election;
    private Thread loop;
    private volatile boolean nativeGangs;

    public SchedulerService(KubernetesClient client, PhalanxConfig config, CyclePolicies policies, Clock clock) {
        this(client, config, policies, clock, new SchedulerMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)));
    }

    /**
     * @param policies build them with {@code Policies.live(metrics)} to have the fair-share and placement
     *                 steps timed; the stale gang grace period comes from {@code config}
     * @param metrics  where the service reports (see {@link dev.phalanx.scheduler.metrics.Metrics})
     */
    public SchedulerService(KubernetesClient client, PhalanxConfig config, CyclePolicies policies, Clock clock,
                            SchedulerMetrics metrics) {
        this.client = client;
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        this.identity = newIdentity();
        this.assignments = new GroupAssignments();
        this.cache = new ClusterCache(config.schedulerName(), clock, assignments);
        cache.deviceClassResources(config.deviceClassResources());
        this.events = new EventRecorder(client, clock);
        this.binder = new KubeBinder(client, cache, events, config.bindParallelism(), metrics);
        KubeEvictor evictor = new KubeEvictor(client, cache, events, metrics, config.evictionFallbackToDelete());
        this.podConditions = new PodConditions(client, clock);
        this.status = new StatusWriter(board, cache, events, podConditions, clock, config.statusPeriodMillis());
        this.runner = new CycleRunner(new SchedulingCycle(policies.withStaleGangGrace(config.staleGangGraceMillis())),
                new StatusReporter(), cache, new KubeCommitter(evictor, binder, status, metrics), clock,
                config.commitsInFlight());
        this.operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false)
                .withStopOnInformerErrorDuringStartup(true));
        operator.register(new QueueReconciler(board, clock));
        operator.register(new PodGroupReconciler(board));
        operator.register(new PodGroupingReconciler(assignments, config.schedulerName(), clock, g -> events.record(
                EventRecorder.ref(g.owner().apiVersion(), g.owner().kind(), g.namespace(), g.owner().name(), g.owner().uid()),
                false, Keys.POD_GROUP_ASSIGNED_REASON, "its pods start together as PodGroup " + g.name() + " (minMember "
                        + g.minMember() + ": " + g.derivation() + ")")));
        cache.onChange(this::wake);
    }

    /** $POD_NAME (else the host name) plus a random suffix: two processes never share an identity. */
    private static String newIdentity() {
        String name = System.getenv("POD_NAME");
        if (name == null || name.isBlank()) {
            try {
                name = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                name = "phalanx";
            }
        }
        return name + "_" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** True when the API server serves native PodGroups and this scheduler watches them. */
    public boolean nativeGangs() {
        return nativeGangs;
    }

    public ClusterCache cache() {
        return cache;
    }

    public long cycles() {
        return cycles;
    }

    public SchedulerMetrics metrics() {
        return metrics;
    }

    /** This replica's identity in the leader election. */
    public String identity() {
        return identity;
    }

    /** The identity of the leader as last observed (this replica's own when it leads). */
    public String leader() {
        return leader;
    }

    public boolean isLeader() {
        return state == State.LEADING;
    }

    /**
     * Completes, with the reason, when this replica stops for good while it was meant to go on: it lost
     * the leader lease, or could not start scheduling once it led. It does not rejoin by itself.
     */
    public CompletableFuture<String> terminated() {
        return terminated;
    }

    /**
     * Starts the informers and waits until they have listed everything; then leads at once (leader
     * election off) or joins the election.
     */
    public SchedulerService start() {
        watch(client.nodes().inform(handler(cache::put, cache::remove), 0));
        watch(client.namespaces().inform(handler(cache::put, cache::remove), 0));
        watch(client.scheduling().v1().priorityClasses().inform(handler(cache::put, cache::remove), 0));
        watch(client.resources(Queue.class).inform(handler(cache::put, cache::remove), 0));
        watch(client.resources(PodGroup.class).inAnyNamespace().inform(handler(cache::put, cache::remove), 0));
        watch(client.pods().inAnyNamespace().inform(handler(cache::put, cache::remove), 0));
        nativeGangs = servesNativePodGroups();
        if (nativeGangs) {
            watch(client.genericKubernetesResources(KubeObjects.NATIVE_POD_GROUP_API, "PodGroup").inAnyNamespace()
                    .inform(handler(cache::putNative, cache::removeNative), 0));
        } else {
            LOG.info("the API server does not serve {} PodGroups (Kubernetes 1.37 or later with the GenericWorkload "
                    + "feature gate): native gangs are off; Phalanx PodGroups and workloads' gangs work as ever",
                    KubeObjects.NATIVE_POD_GROUP_API);
        }
        watch(client.persistentVolumeClaims().inAnyNamespace().inform(handler(cache::put, cache::remove), 0));
        watch(client.persistentVolumes().inform(handler(cache::put, cache::remove), 0));
        watch(client.storage().v1().storageClasses().inform(handler(cache::put, cache::remove), 0));
        watch(client.storage().v1().csiNodes().inform(handler(cache::put, cache::remove), 0));
        if (servesDra()) {
            watch(client.resources(ResourceSlice.class).inform(handler(cache::put, cache::remove), 0));
            watch(client.resources(DeviceClass.class).inform(handler(cache::put, cache::remove), 0));
            watch(client.resources(ResourceClaim.class).inAnyNamespace().inform(handler(cache::put, cache::remove), 0));
            watch(client.resources(ResourceClaimTemplate.class).inAnyNamespace().inform(handler(cache::put, cache::remove), 0));
        } else {
            LOG.info("the API server does not serve resource.k8s.io/v1 (Kubernetes 1.34 or later): pods asking for devices "
                    + "through ResourceClaims wait, saying their claims do not exist");
        }
        informers.forEach(i -> {
            try {
                i.start().toCompletableFuture().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("informer for " + i.getApiTypeClass().getSimpleName() + " did not sync: " + e.getMessage(), e);
            }
        });
        state = State.FOLLOWING;
        PhalanxConfig.LeaderElection le = config.leaderElection();
        if (!le.enabled()) {
            leader = identity;
            startLeading();
        } else {
            String ns = leaseNamespace(le);
            LOG.info("{} joins the leader election on Lease {}/{}", identity, ns, le.leaseName());
            election = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                    .withName(le.leaseName())
                    .withLock(new LeaseLock(ns, le.leaseName(), identity))
                    .withLeaseDuration(Duration.ofMillis(le.leaseDurationMillis()))
                    .withRenewDeadline(Duration.ofMillis(le.renewDeadlineMillis()))
                    .withRetryPeriod(Duration.ofMillis(le.retryPeriodMillis()))
                    .withReleaseOnCancel(true)
                    .withLeaderCallbacks(new LeaderCallbacks(
                            // not on the elector's thread: catching up may take a while and renewals must go on
                            () -> Thread.ofPlatform().name("phalanx-start-leading").start(this::startLeading),
                            this::stopLeading,
                            id -> {
                                leader = id;
                                LOG.info("the leader is now {}", id);
                            }))
                    .build()).build().start();
        }
        return this;
    }

    /** True when the API server lists the native PodGroup resource. */
    private boolean servesDra() {
        try {
            var resources = client.getApiResources("resource.k8s.io/v1");
            return resources != null && resources.getResources().stream().anyMatch(r -> "resourceclaims".equals(r.getName()));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private boolean servesNativePodGroups() {
        try {
            var resources = client.getApiResources(KubeObjects.NATIVE_POD_GROUP_API);
            return resources != null && resources.getResources().stream().anyMatch(r -> "podgroups".equals(r.getName()));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private String leaseNamespace(PhalanxConfig.LeaderElection le) {
        if (le.leaseNamespace() != null && !le.leaseNamespace().isBlank()) {
            return le.leaseNamespace();
        }
        String pod = System.getenv("POD_NAMESPACE");
        if (pod != null && !pod.isBlank()) {
            return pod;
        }
        return client.getNamespace() != null ? client.getNamespace() : "default";
    }

    private void startLeading() {
        synchronized (lifecycle) {
            if (state != State.FOLLOWING) {
                return;
            }
            state = State.LEADING;
        }
        metrics.leader(true);
        LOG.info("{} leads: catching up, then scheduling pods of schedulerName {}", identity, config.schedulerName());
        awaitBoundPodsInCache();
        synchronized (lifecycle) {
            if (state != State.LEADING) {
                return; // lost it while catching up
            }
            try {
                operator.start();
            } catch (RuntimeException e) {
                LOG.error("{} leads but could not start the status reconcilers; stepping down", identity, e);
                state = State.STOPPED;
                metrics.leader(false);
                if (election != null) {
                    election.cancel(true);
                }
                terminated.complete("could not start the status reconcilers: " + e.getMessage());
                return;
            }
            operatorStarted = true;
            running = true;
            dirty = true;
            loop = new Thread(this::runLoop, "phalanx-cycle");
            loop.start();
        }
    }

    /**
     * Waits until the cache shows as bound every pod of ours that the API server shows bound: bindings a
     * previous leader made just before it left may not have reached our informer yet.
     */
    private void awaitBoundPodsInCache() {
        List<String> bound;
        try {
            bound = client.pods().inAnyNamespace().withField("spec.schedulerName", config.schedulerName()).list().getItems()
                    .stream().filter(p -> p.getSpec().getNodeName() != null && !p.getSpec().getNodeName().isEmpty())
                    .map(ClusterCache::key).toList();
        } catch (RuntimeException e) {
            LOG.warn("could not list bound pods to catch up with ({}); relying on the informers", e.getMessage());
            return;
        }
        long deadline = clock.now() + CATCH_UP_MILLIS;
        while (state == State.LEADING) {
            List<String> behind = bound.stream().filter(cache::seesPending).toList();
            if (behind.isEmpty()) {
                return;
            }
            if (clock.now() > deadline) {
                LOG.warn("the informer still shows {} bound pods as pending, e.g. {}; scheduling anyway", behind.size(), behind.get(0));
                return;
            }
            sleep(50);
        }
    }

    private void stopLeading() {
        Thread cycleThread;
        boolean lost;
        synchronized (lifecycle) {
            if (state != State.LEADING) {
                return;
            }
            lost = !closing;
            state = State.STOPPED;
            running = false;
            cycleThread = loop;
        }
        metrics.leader(false);
        wake();
        if (cycleThread != null && cycleThread != Thread.currentThread()) {
            join(cycleThread);
            runner.awaitCommits(); // what was sent is written before anyone else may lead
        }
        stopOperator();
        if (lost) {
            LOG.error("{} lost the leader lease; it stopped scheduling and will not rejoin", identity);
            terminated.complete("lost the leader lease");
        }
    }

    private void watch(SharedIndexInformer<?> informer) {
        informers.add(informer);
    }

    private static <T extends HasMetadata> ResourceEventHandler<T> handler(Consumer<T> put, Consumer<T> remove) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                put.accept(obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                put.accept(newObj);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                remove.accept(obj);
            }
        };
    }

    private void wake() {
        dirty = true;
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    private void runLoop() {
        while (running) {
            try {
                synchronized (signal) {
                    if (!dirty && running) {
                        // a status left for later is written after one status period, else a cycle per period
                        signal.wait(status.deferred() ? config.statusPeriodMillis() : config.cyclePeriodMillis());
                    }
                }
                if (!running) {
                    break;
                }
                Thread.sleep(config.debounceMillis()); // let a burst of changes land in one cycle
                if (!running) {
                    break;
                }
                dirty = false;
                runCycle();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                LOG.error("scheduling cycle failed; the next one starts over from a fresh snapshot", e);
            }
        }
    }

    /** One cycle: decide on a snapshot, commit gang by gang, report. Only the leader may run one. */
    public CycleResult runCycle() {
        if (state != State.LEADING) {
            throw new IllegalStateException(identity + " does not lead (the leader is " + leader + "); only the leader schedules");
        }
        metrics.takeFairShareNanos();
        CycleRunner.Outcome o = runner.runOnce();
        long fairShare = metrics.takeFairShareNanos();
        metrics.step("snapshot", o.snapshotNanos());
        if (fairShare > 0) {
            metrics.step("fair_share", fairShare);
        }
        metrics.step("admission_placement", o.decideNanos() - fairShare);
        metrics.step("commit", o.commitNanos());
        metrics.step("report", o.reportNanos());
        lastCycleEndMillis = clock.now();
        metrics.cycle(o.totalNanos(), lastCycleEndMillis);
        cycles++;
        CycleResult result = o.result();
        if (LOG.isDebugEnabled()) {
            LOG.debug("cycle {}: {} decisions, {} gangs placed: {}", cycles, result.decisions().size(), result.placed().size(),
                    result.decisions().stream().map(d -> d.gangKey() + "=" + d.outcome()
                            + (d.reason() == null ? "" : " (" + d.message() + ")")).toList());
        }
        return result;
    }

    /** Liveness: null when healthy, else what is wrong. A replica that lost the lease is unhealthy (restart to rejoin). */
    public String health() {
        if (terminated.isDone()) {
            return terminated.join() + "; restart to rejoin";
        }
        if (state == State.STOPPED) {
            return "stopped";
        }
        Thread t = loop;
        if (state == State.LEADING && t != null && !t.isAlive()) {
            return "leading, but the cycle thread has died";
        }
        return null;
    }

    /**
     * Readiness: null when every informer has synced and, if this replica leads, its cycles run (one
     * ended within three cycle periods plus a minute); else what is missing.
     */
    public String readiness() {
        String unhealthy = health();
        if (unhealthy != null) {
            return unhealthy;
        }
        if (state == State.NEW) {
            return "informers are still listing the cluster";
        }
        for (SharedIndexInformer<?> i : informers) {
            if (!i.hasSynced()) {
                return "the " + i.getApiTypeClass().getSimpleName() + " informer has not synced";
            }
        }
        if (state == State.LEADING) {
            Thread t = loop;
            if (t == null) {
                return "leading; catching up before the first cycle";
            }
            long last = lastCycleEndMillis;
            if (last == 0) {
                return "leading; the first cycle has not finished yet";
            }
            long ago = clock.now() - last;
            if (ago > 3 * config.cyclePeriodMillis() + 60_000) {
                return "leading, but the last cycle ended " + ago / 1000 + "s ago";
            }
        }
        return null;
    }

    @Override
    public void close() {
        Thread cycleThread;
        synchronized (lifecycle) {
            closing = true;
            state = State.STOPPED;
            running = false;
            cycleThread = loop;
        }
        wake();
        if (cycleThread != null) {
            join(cycleThread); // the cycle in flight finishes, and its bindings are written, before anyone else may lead
            runner.awaitCommits();
        }
        stopOperator();
        if (election != null) {
            election.cancel(true); // releases the Lease: a standby takes over at its next retry
        }
        metrics.leader(false);
        informers.forEach(SharedIndexInformer::close);
        binder.close();
        events.close();
        podConditions.close();
    }

    private void stopOperator() {
        synchronized (lifecycle) {
            if (!operatorStarted) {
                return;
            }
            operatorStarted = false;
        }
        operator.stop();
    }

    private static void join(Thread t) {
        try {
            t.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
