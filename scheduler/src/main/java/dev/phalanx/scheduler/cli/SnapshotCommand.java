package dev.phalanx.scheduler.cli;

import dev.phalanx.scheduler.inspect.ClusterObjects;
import dev.phalanx.scheduler.inspect.ClusterSnapshot;
import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;

/** {@code phalanx snapshot}: a live cluster written as the simulator reads it, to replay it with another policy or quota. */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = {"Write what the simulator needs from a live cluster as one multi-document YAML: Namespaces,",
                "PriorityClasses, Queues, Nodes, PodGroups and Pods, with bound pods on their nodes and without what",
                "the simulator ignores (managedFields, most status). Replay it with: phalanx simulate -f FILE"})
public final class SnapshotCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    KubeOptions kube;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write to FILE instead of standard output")
    Path output;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        try (KubernetesClient client = kube.connect()) {
            ClusterObjects cluster = ClusterObjects.list(client, w -> err.println("phalanx snapshot: warning: " + w));
            String header = "phalanx snapshot of " + client.getMasterUrl() + " at " + Instant.now().truncatedTo(ChronoUnit.SECONDS)
                    + ": " + cluster.nodes().size() + " nodes, " + cluster.pods().size() + " pods, " + cluster.queues().size()
                    + " queues, " + cluster.podGroups().size() + " pod groups\nreplay: phalanx simulate -f "
                    + (output == null ? "FILE" : output.getFileName());
            if (output == null) {
                ClusterSnapshot.write(cluster, header, spec.commandLine().getOut());
            } else {
                // written beside and moved into place, so a failed run never leaves half a snapshot
                Path dir = output.toAbsolutePath().getParent();
                Path tmp = Files.createTempFile(dir, ".phalanx-snapshot", ".yaml");
                try {
                    try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                        ClusterSnapshot.write(cluster, header, w);
                    }
                    Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Files.deleteIfExists(tmp);
                }
                err.println("phalanx snapshot: wrote " + cluster.nodes().size() + " nodes, " + cluster.pods().size() + " pods, "
                        + cluster.queues().size() + " queues and " + cluster.podGroups().size() + " pod groups to " + output);
            }
            return 0;
        }
    }
}
