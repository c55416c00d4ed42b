package dev.phalanx.scheduler.cli;

import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.inspect.ClusterObjects;
import dev.phalanx.scheduler.inspect.GpuTop;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kubectl phalanx top}: GPUs in use by queue and by NVLink domain. */
@Command(name = "top", mixinStandardHelpOptions = true,
        description = {"GPUs in use now: by queue (what its bound pods request, next to its fair share, quota and limit),",
                "and by NVLink domain or another node label (what the nodes can allocate, what is in use, what is free)."})
public final class TopCommand extends ClusterReportCommand {
    @Option(names = "--label", paramLabel = "KEY", defaultValue = Keys.CLIQUE_LABEL,
            description = "the node label whose values are the domains (default ${DEFAULT-VALUE}); e.g. topology.kubernetes.io/rack")
    String label;

    @Override
    String render(ClusterObjects cluster, long now) {
        return GpuTop.render(cluster, schedulerName, label, now);
    }
}
