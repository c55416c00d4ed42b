package dev.phalanx.scheduler.cli;

import dev.phalanx.core.cycle.Clock;
import dev.phalanx.core.model.Keys;
import dev.phalanx.scheduler.inspect.ClusterObjects;
import dev.phalanx.scheduler.inspect.WhyReport;
import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code kubectl phalanx why POD|PODGROUP}: why it waits, where it stands in its queue, and what would start it. */
@Command(name = "why", mixinStandardHelpOptions = true,
        description = {"Why a pod or a PodGroup waits: the reason the scheduler wrote on it, its gang, its queue's quota,",
                "limit, fair share and allocation, its place among the queue's waiting gangs (in the order admission",
                "serves them: priority, then creation time), what it waits for, and what would make it start."})
public final class WhyCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    KubeOptions kube;

    @Parameters(paramLabel = "POD|PODGROUP",
            description = "a PodGroup's or a pod's name (a PodGroup first); pod/NAME or podgroup/NAME to say which")
    String target;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "its namespace; default: the kubeconfig context's")
    String namespace;

    @Option(names = "--scheduler-name", paramLabel = "NAME", defaultValue = Keys.SCHEDULER_NAME,
            description = "the schedulerName Phalanx runs as (default ${DEFAULT-VALUE})")
    String schedulerName;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try (KubernetesClient client = kube.connect()) {
            String ns = namespace != null ? namespace : client.getNamespace() != null ? client.getNamespace() : "default";
            ClusterObjects cluster = ClusterObjects.list(client, w -> err.println("phalanx why: warning: " + w));
            spec.commandLine().getOut().print(WhyReport.render(cluster, schedulerName, ns, target, Clock.SYSTEM.now()));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
