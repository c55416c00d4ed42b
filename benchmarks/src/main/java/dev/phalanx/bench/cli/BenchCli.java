package dev.phalanx.bench.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code phalanx bench}: benchmarks that replay real traces through Phalanx's policies and baselines in one
 * run. The {@code ./phalanx} launcher hands {@code bench ...} to this entry point in the benchmarks jar, so
 * the scheduler's own jar holds only the service ({@code run}, {@code simulate}).
 */
@Command(name = "phalanx bench", mixinStandardHelpOptions = true,
        description = "Replay real traces through Phalanx and baseline policies, in the same run.",
        subcommands = {FragmentationBenchCommand.class, LocalityBenchCommand.class, FairnessBenchCommand.class,
                CommandLine.HelpCommand.class})
public final class BenchCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new BenchCli());
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            line.getErr().println("phalanx bench " + line.getCommandName() + ": " + ex.getMessage());
            return 2;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(commandLine().execute(args));
    }
}
