package dev.phalanx.scheduler.cli;

import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.inspect.ClusterObjects;
import dev.phalanx.scheduler.inspect.QueueTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kubectl phalanx queues}: the queue tree, its shares and its waiting gangs. */
@Command(name = "queues", mixinStandardHelpOptions = true,
        description = {"The queue tree: per queue its quota and limit, fair share, allocation and request of one resource,",
                "how much of its fair share it uses, and how many of its gangs wait."})
public final class QueuesCommand extends ClusterReportCommand {
    @Option(names = "--resource", paramLabel = "NAME", defaultValue = Keys.GPU,
            description = "the resource shown (default ${DEFAULT-VALUE}); e.g. cpu, memory")
    String resource;

    @Override
    String render(ClusterObjects cluster, long now) {
        return QueueTable.render(cluster, schedulerName, resource, now);
    }
}
