package dev.phalanx.scheduler.cli;

import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.inspect.ClusterObjects;
import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/**
 * A {@code kubectl phalanx} report drawn from the cluster as it is now: connects, lists what the report reads
 * (warnings on standard error, naming the command), prints the report.
 */
abstract class ClusterReportCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    KubeOptions kube;

    @Option(names = "--scheduler-name", paramLabel = "NAME", defaultValue = Keys.SCHEDULER_NAME,
            description = "the schedulerName Phalanx runs as (default ${DEFAULT-VALUE})")
    String schedulerName;

    /** The report on {@code cluster} at {@code now}. */
    abstract String render(ClusterObjects cluster, long now);

    @Override
    public final Integer call() {
        try (KubernetesClient client = kube.connect()) {
            ClusterObjects cluster = ClusterObjects.list(client,
                    w -> spec.commandLine().getErr().println("phalanx " + spec.name() + ": warning: " + w));
            spec.commandLine().getOut().print(render(cluster, Clock.SYSTEM.now()));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
