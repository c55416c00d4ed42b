package dev.phalanx.scheduler.cli;

import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.kube.Durations;
import dev.phalanx.core.kube.ManifestException;
import dev.phalanx.core.kube.ManifestReader;
import dev.phalanx.core.kube.Manifests;
import dev.phalanx.core.sim.Simulation;
import dev.phalanx.core.sim.SimulationOptions;
import dev.phalanx.core.sim.SimulationResult;
import dev.phalanx.scheduler.Policies;
import dev.phalanx.scheduler.report.MarkdownReport;
import dev.phalanx.scheduler.report.SimulationJson;
import dev.phalanx.scheduler.report.TextReport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code phalanx simulate}: replays Kubernetes YAML through the real scheduling cycle on a simulated clock. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Replay a cluster (Nodes, Queues, PodGroups, Pods, ...) through the scheduler on a simulated clock.",
                "With no -f it replays the bundled example (examples/gpu-cluster-day.yaml): 20 8-GPU nodes in 4 racks, each",
                "rack one NVLink domain; queues llm and vision under training, and batch; a day of gangs and single pods.",
                "Pods and PodGroups may carry sim.phalanx.dev/submit-at (when they are created) and pods",
                "sim.phalanx.dev/run-for (how long they run once bound); durations take ms, s, m, h, d."})
public final class SimulateCommand implements Callable<Integer> {
    public static final String EXAMPLE_RESOURCE = "/examples/gpu-cluster-day.yaml";
    /** {@code -f -}: read standard input, as kubectl does. */
    static final String STDIN = "-";

    /** Where {@code -f -} reads from. */
    InputStream stdin = System.in;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--filename"}, paramLabel = "FILE_OR_DIR", arity = "1..*",
            description = {"YAML files or directories (multi-document or kind: List), or - for standard input, as",
                    "'kubectl get ... -o yaml' prints them. Kinds the simulator does not model are skipped with a warning.",
                    "Default: the bundled example."})
    List<Path> files = new ArrayList<>();

    @Option(names = "--until", paramLabel = "DURATION",
            description = "Stop at this simulated time (e.g. 24h). Default: when nothing more can change.")
    String until;

    /** What {@code --output} prints. */
    enum Output { text, json }

    @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text",
            description = "text (default) or json: exactly one JSON object on stdout.")
    Output output;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for every random choice (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--report", paramLabel = "DIR", description = "Also write a Markdown report with PNG charts into DIR.")
    Path reportDir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long untilMillis = Long.MAX_VALUE;
        if (until != null) {
            try {
                untilMillis = Durations.parseMillis(until);
            } catch (IllegalArgumentException e) {
                err.println("phalanx simulate: --until: " + e.getMessage());
                return 2;
            }
        }
        Manifests manifests;
        String source;
        ManifestReader reader = new ManifestReader();
        try {
            if (files.isEmpty()) {
                source = "bundled example (" + EXAMPLE_RESOURCE.substring(1) + ")";
                try (InputStream in = SimulateCommand.class.getResourceAsStream(EXAMPLE_RESOURCE)) {
                    reader.read(in, EXAMPLE_RESOURCE.substring(1));
                }
            } else {
                source = String.join(", ", files.stream().map(f -> f.toString().equals(STDIN) ? "stdin" : f.toString()).toList());
                for (Path f : files) {
                    if (f.toString().equals(STDIN)) {
                        reader.read(stdin, "stdin");
                    } else {
                        reader.readPaths(List.of(f));
                    }
                }
            }
            manifests = reader.manifests();
        } catch (ManifestException e) {
            err.println("phalanx simulate: " + e.getMessage());
            return 2;
        }
        for (ManifestReader.Skipped s : reader.skipped()) {
            err.println("phalanx simulate: warning: " + s.describe());
        }
        Simulation sim = new Simulation(manifests, new SchedulingCycle(Policies.reproducible(seed, true)), Policies.reporter(),
                SimulationOptions.until(untilMillis));
        ProgressLine progress = ProgressLine.forTerminal(err);
        sim.onProgress(progress::update);
        SimulationResult result = sim.run();
        progress.clear();

        if (output == Output.json) {
            out.println(SimulationJson.write(result));
        } else {
            out.print(TextReport.render(result, source));
        }
        out.flush();
        if (reportDir != null) {
            Path written = MarkdownReport.write(result, source, reportDir);
            err.println("report written to " + written);
        }
        return 0;
    }
}
