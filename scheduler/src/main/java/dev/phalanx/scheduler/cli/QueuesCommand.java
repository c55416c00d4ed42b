package dev.phalanx.scheduler.cli;

import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.inspect.ClusterObjects;
import dev.phalanx.scheduler.inspect.QueueTable;
import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code kubectl phalanx queues}: the queue tree, its shares and its waiting gangs. */
@Command(name = "queues", mixinStandardHelpOptions = true,
        description = {"The queue tree: per queue its quota and limit, fair share, allocation and request of one resource,",
                "how much of its fair share it uses, and how many of its gangs wait."})
public final class QueuesCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    KubeOptions kube;

    @Option(names = "--resource", paramLabel = "NAME", defaultValue = Keys.GPU,
            description = "the resource shown (default ${DEFAULT-VALUE}); e.g. cpu, memory")
    String resource;

    @Option(names = "--scheduler-name", paramLabel = "NAME", defaultValue = Keys.SCHEDULER_NAME,
            description = "the schedulerName Phalanx runs as (default ${DEFAULT-VALUE})")
    String schedulerName;

    @Override
    public Integer call() {
        try (KubernetesClient client = kube.connect()) {
            ClusterObjects cluster = ClusterObjects.list(client,
                    w -> spec.commandLine().getErr().println("phalanx queues: warning: " + w));
            spec.commandLine().getOut().print(QueueTable.render(cluster, schedulerName, resource, Clock.SYSTEM.now()));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
