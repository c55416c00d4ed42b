package dev.phalanx.scheduler.cli;

import dev.phalanx.core.cycle.Clock;
import dev.phalanx.scheduler.PhalanxConfig;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.live.SchedulerService;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code phalanx run}: schedule the pods of a real cluster. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the scheduler against a Kubernetes cluster: pods with spec.schedulerName phalanx-scheduler",
                "are placed gang by gang; PodGroup and Queue status and Events say what happened and why."})
public final class RunCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "kubeconfig to use; default: in-cluster service account, else $KUBECONFIG, else ~/.kube/config")
    Path kubeconfig;

    @Option(names = "--config", paramLabel = "FILE", description = "scheduler configuration (YAML)")
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
        Config kube;
        if (kubeconfig != null) {
            if (!Files.isReadable(kubeconfig)) {
                spec.commandLine().getErr().println("phalanx run: --kubeconfig " + kubeconfig + ": no such readable file");
                return 2;
            }
            kube = Config.fromKubeconfig(Files.readString(kubeconfig));
        } else {
            kube = Config.autoConfigure(null);
        }
        CountDownLatch stop = new CountDownLatch(1);
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(kube).build();
             SchedulerService service = new SchedulerService(client, config, Policies.defaultCycle(), Clock.SYSTEM)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "phalanx-shutdown"));
            service.start();
            spec.commandLine().getErr().println("phalanx: scheduling pods with schedulerName " + config.schedulerName()
                    + " on " + client.getMasterUrl());
            stop.await();
        }
        return 0;
    }
}
