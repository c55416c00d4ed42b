package dev.phalanx.scheduler.live;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.cycle.CycleResult;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.scheduler.PhalanxConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import dev.phalanx.queue.reconcile.PodGroupReconciler;
import dev.phalanx.queue.reconcile.QueueReconciler;
import dev.phalanx.queue.status.StatusBoard;
import io.javaoperatorsdk.operator.Operator;
import java.util.Map;
import dev.phalanx.core.model.Planning;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The live scheduler: fabric8 informers feed the {@link ClusterCache}; one thread runs a cycle when
 * something changed (after a short debounce) and at least once per period, commits through the
 * {@link KubeBinder} and reports through the {@link StatusWriter}.
 */
public final class SchedulerService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerService.class);

    private final KubernetesClient client;
    private final PhalanxConfig config;
    private final SchedulingCycle cycle;
    private final Clock clock;
    private final ClusterCache cache;
    private final EventRecorder events;
    private final KubeBinder binder;
    private final StatusWriter status;
    private final StatusBoard board = new StatusBoard();
    private final Operator operator;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final Object signal = new Object();
    private volatile boolean dirty = true;
    private volatile boolean running;
    private volatile long cycles;
    private Map<String, List<String>> lastReservations = Map.of();
    private Thread loop;

    public SchedulerService(KubernetesClient client, PhalanxConfig config, SchedulingCycle cycle, Clock clock) {
        this.client = client;
        this.config = config;
        this.cycle = cycle;
        this.clock = clock;
        this.cache = new ClusterCache(config.schedulerName());
        this.events = new EventRecorder(client);
        this.binder = new KubeBinder(client, cache, events, config.bindParallelism());
        this.status = new StatusWriter(board, cache, events, config.statusPeriodMillis());
        this.operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false)
                .withStopOnInformerErrorDuringStartup(true));
        operator.register(new QueueReconciler(board));
        operator.register(new PodGroupReconciler(board));
        cache.onChange(this::wake);
    }

    public ClusterCache cache() {
        return cache;
    }

    public long cycles() {
        return cycles;
    }

    /** Starts the informers, waits until they have listed everything, and starts the cycle thread. */
    public SchedulerService start() {
        watch(client.nodes().inform(handler(cache::put, cache::remove), 0));
        watch(client.namespaces().inform(handler(cache::put, cache::remove), 0));
        watch(client.scheduling().v1().priorityClasses().inform(handler(cache::put, cache::remove), 0));
        watch(client.resources(Queue.class).inform(handler(cache::put, cache::remove), 0));
        watch(client.resources(PodGroup.class).inAnyNamespace().inform(handler(cache::put, cache::remove), 0));
        watch(client.pods().inAnyNamespace().inform(handler(cache::put, cache::remove), 0));
        for (SharedIndexInformer<?> i : informers) {
            i.hasSynced();
        }
        informers.forEach(i -> {
            try {
                i.start().toCompletableFuture().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("informer for " + i.getApiTypeClass().getSimpleName() + " did not sync: " + e.getMessage(), e);
            }
        });
        operator.start();
        running = true;
        loop = new Thread(this::runLoop, "phalanx-cycle");
        loop.start();
        LOG.info("scheduling pods of schedulerName {} ", config.schedulerName());
        return this;
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
                    if (!dirty) {
                        signal.wait(config.cyclePeriodMillis());
                    }
                }
                if (!running) {
                    break;
                }
                Thread.sleep(config.debounceMillis()); // let a burst of changes land in one cycle
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

    /** One cycle: decide on a snapshot, commit gang by gang, report. */
    public CycleResult runCycle() {
        Planning planning = new Planning(Map.of(), Map.of(), lastReservations);
        CycleResult result = cycle.decide(cache.snapshot(clock.now()).withPlanning(planning));
        lastReservations = result.reservations();
        for (GangDecision d : result.placed()) {
            binder.bind(d, d.bindings());
        }
        status.report(result, cache.snapshot(clock.now()));
        cycles++;
        if (LOG.isDebugEnabled()) {
            LOG.debug("cycle {}: {} decisions, {} gangs placed: {}", cycles, result.decisions().size(), result.placed().size(),
                    result.decisions().stream().map(d -> d.gangKey() + "=" + d.outcome()
                            + (d.reason() == null ? "" : " (" + d.message() + ")")).toList());
        }
        return result;
    }

    @Override
    public void close() {
        running = false;
        wake();
        if (loop != null) {
            try {
                loop.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        informers.forEach(SharedIndexInformer::close);
        operator.stop();
        binder.close();
        events.close();
    }
}
