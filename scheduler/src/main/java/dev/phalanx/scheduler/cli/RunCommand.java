package dev.phalanx.scheduler.cli;

import dev.phalanx.core.cycle.Clock;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.live.SchedulerService;
import dev.phalanx.scheduler.metrics.OpsHttpServer;
import dev.phalanx.scheduler.metrics.SchedulerMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/** {@code phalanx run}: schedule the pods of a real cluster. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the scheduler against a Kubernetes cluster.",
                "Pods whose spec.schedulerName is the configured one (phalanx-scheduler) are placed gang by gang;",
                "PodGroup and Queue status, pods' PodScheduled conditions and Events say what happened and why."})
public final class RunCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    KubeOptions kube;

    @Option(names = "--config", paramLabel = "FILE", description = "scheduler configuration (YAML; see the README); default: every default")
    Path configFile;

    @Override
    public Integer call() throws Exception {
        PhalanxConfig config;
        try {
            config = configFile == null ? PhalanxConfig.defaults() : PhalanxConfig.load(configFile);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("phalanx run: --config " + e.getMessage());
            return 2;
        }
        var registry = SchedulerMetrics.prometheusRegistry();
        SchedulerMetrics metrics = new SchedulerMetrics(registry);
        CompletableFuture<String> stop = new CompletableFuture<>();
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        try (KubernetesClient client = kube.connect();
             SchedulerService service = new SchedulerService(client, config, Policies.live(config, metrics), Clock.SYSTEM,
                     metrics);
             OpsHttpServer http = config.metricsPort() == 0 ? null
                     : new OpsHttpServer(config.metricsPort(), registry, service::health, service::readiness)) {
            // on SIGTERM: finish the cycle in flight and release the lease before the JVM goes
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop.complete(null);
                stopped.join();
            }, "phalanx-shutdown"));
            service.terminated().thenAccept(stop::complete);
            spec.commandLine().getErr().println("phalanx: " + service.identity() + " watching " + client.getMasterUrl()
                    + (http == null ? "" : "; /metrics, /healthz and /readyz on port " + http.port())
                    + (config.leaderElection().enabled() ? "; schedules when it holds the leader lease" : ""));
            service.start();
            String why = stop.join();
            if (why != null) {
                spec.commandLine().getErr().println("phalanx: " + why + "; exiting, so that a restart rejoins");
                return 1;
            }
            return 0;
        } finally {
            stopped.complete(null);
        }
    }
}
