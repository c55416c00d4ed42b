package dev.phalanx.scheduler.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code phalanx bench}: benchmarks that replay real traces through Phalanx's policies and baselines in one run. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Replay real traces through Phalanx and baseline policies, in the same run.",
        subcommands = {FragmentationBenchCommand.class, LocalityBenchCommand.class, FairnessBenchCommand.class,
                CommandLine.HelpCommand.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }
}
