package dev.phalanx.scheduler.cli;

import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.inspect.ClusterObjects;
import dev.phalanx.scheduler.inspect.GpuTop;
import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code kubectl phalanx top}: GPUs in use by queue and by NVLink domain. */
@Command(name = "top", mixinStandardHelpOptions = true,
        description = {"GPUs in use now: by queue (what its bound pods request, next to its fair share, quota and limit),",
                "and by NVLink domain or another node label (what the nodes can allocate, what is in use, what is free)."})
public final class TopCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    KubeOptions kube;

    @Option(names = "--label", paramLabel = "KEY", defaultValue = Keys.CLIQUE_LABEL,
            description = "the node label whose values are the domains (default ${DEFAULT-VALUE}); e.g. topology.kubernetes.io/rack")
    String label;

    @Option(names = "--scheduler-name", paramLabel = "NAME", defaultValue = Keys.SCHEDULER_NAME,
            description = "the schedulerName Phalanx runs as (default ${DEFAULT-VALUE})")
    String schedulerName;

    @Override
    public Integer call() {
        try (KubernetesClient client = kube.connect()) {
            ClusterObjects cluster = ClusterObjects.list(client,
                    w -> spec.commandLine().getErr().println("phalanx top: warning: " + w));
            spec.commandLine().getOut().print(GpuTop.render(cluster, schedulerName, label, Clock.SYSTEM.now()));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
