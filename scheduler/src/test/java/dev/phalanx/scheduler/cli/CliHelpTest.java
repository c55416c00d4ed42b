package dev.phalanx.scheduler.cli;

import dev.phalanx.core.kube.ManifestReader;
import dev.phalanx.core.kube.Manifests;
import dev.phalanx.core.model.Keys;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The help a person reads says what the code does, agrees with the README, and renders without warnings. */
class CliHelpTest {
    /** Commands whose README usage line must name every option they have (the bench commands document theirs in benchmarks/). */
    private static final Set<String> FULLY_DOCUMENTED = Set.of("run", "simulate", "snapshot", "why", "queues", "top");

    private static Path readme() {
        Path at = Path.of("").toAbsolutePath();
        while (!Files.exists(at.resolve("README.md")) || !Files.isDirectory(at.resolve("charts"))) {
            at = at.getParent();
        }
        return at.resolve("README.md");
    }

    @Test
    void everyCommandsHelpRendersWithoutPicocliWarnings() throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), HelpOfEveryCommand.class.getName());
        Path err = Files.createTempFile("phalanx-help", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
            assertThat(p.exitValue()).isZero();
            assertThat(out).contains("=== phalanx simulate", "=== phalanx run", "=== phalanx why");
            assertThat(Files.readString(err)).isEmpty();
        } finally {
            Files.deleteIfExists(err);
        }
    }

    @Test
    void simulatesHelpDescribesTheBundledExampleAsItIs() throws Exception {
        Manifests m;
        try (InputStream in = SimulateCommand.class.getResourceAsStream(SimulateCommand.EXAMPLE_RESOURCE)) {
            m = new ManifestReader().read(in, "example").manifests();
        }
        Set<String> gpusPerNode = new TreeSet<>();
        Set<String> racks = new TreeSet<>();
        Set<String> cliques = new TreeSet<>();
        for (var n : m.nodes()) {
            gpusPerNode.add(n.object().getStatus().getAllocatable().get(Keys.GPU).toString());
            racks.add(n.object().getMetadata().getLabels().get(Keys.RACK_LABEL));
            cliques.add(n.object().getMetadata().getLabels().get(Keys.CLIQUE_LABEL));
        }
        assertThat(gpusPerNode).hasSize(1);
        assertThat(cliques).hasSameSizeAs(racks);
        String help = PhalanxCli.commandLine().getSubcommands().get("simulate").getUsageMessage().replaceAll("\\s+", " ");
        assertThat(help).contains(m.nodes().size() + " " + gpusPerNode.iterator().next() + "-GPU nodes in " + racks.size()
                + " racks, each rack one NVLink domain");
        List<String> queues = new ArrayList<>();
        for (var q : m.queues()) {
            String parent = q.object().getSpec().getParent();
            queues.add(q.object().getMetadata().getName() + (parent == null ? "" : " under " + parent));
        }
        assertThat(queues).containsExactly("training", "llm under training", "vision under training", "batch");
        assertThat(help).contains("queues llm and vision under training, and batch");
        String readme = Files.readString(readme()).replaceAll("\\s+", " ");
        assertThat(readme).contains(m.nodes().size() + " " + gpusPerNode.iterator().next() + "-GPU nodes in four racks")
                .contains("a day on a " + m.nodes().size() * Integer.parseInt(gpusPerNode.iterator().next()) + "-GPU cluster");
    }

    @Test
    void theReadmesUsageLinesNameOptionsTheCommandsHave() throws Exception {
        CommandLine root = PhalanxCli.commandLine();
        Matcher usage = Pattern.compile("(?m)^(?:\\./phalanx|kubectl phalanx) ([a-z]+(?: [a-z]+)?)( .*)?$")
                .matcher(Files.readString(readme()));
        Set<String> seen = new TreeSet<>();
        while (usage.find()) {
            if (usage.group(1).startsWith("bench")) {
                continue; // the benchmarks' own jar (benchmarks/), which phalanx runs for `phalanx bench`
            }
            CommandLine cl = root;
            for (String word : usage.group(1).split(" ")) {
                if (cl.getSubcommands().containsKey(word)) {
                    cl = cl.getSubcommands().get(word);
                }
            }
            assertThat(cl).as(usage.group()).isNotSameAs(root);
            String line = usage.group(2) == null ? "" : usage.group(2).replaceAll("#.*", "");
            Set<String> named = new TreeSet<>();
            Matcher option = Pattern.compile("(?<![\\w-])(--?[a-zA-Z][a-zA-Z-]*)").matcher(line);
            while (option.find()) {
                named.add(option.group(1));
            }
            for (String o : named) {
                assertThat(cl.getCommandSpec().findOption(o)).as("%s: %s", usage.group(), o).isNotNull();
            }
            String name = cl.getCommandName();
            seen.add(name);
            if (FULLY_DOCUMENTED.contains(name) && line.contains("[")) {
                for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
                    if (o.usageHelp() || o.versionHelp() || o.longestName().equals("--verbose")) {
                        continue;
                    }
                    assertThat(named).as("%s documents %s", usage.group(), o.longestName())
                            .containsAnyElementsOf(List.of(o.names()));
                }
            }
        }
        assertThat(seen).contains("run", "simulate");
    }
}
