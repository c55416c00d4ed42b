package dev.phalanx.scheduler.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code phalanx}: the gang-aware batch scheduler for Kubernetes GPU clusters. */
@Command(name = "phalanx", mixinStandardHelpOptions = true, versionProvider = PhalanxCli.Version.class,
        description = "Gang-aware batch scheduler for Kubernetes GPU clusters.",
        subcommands = {SimulateCommand.class, RunCommand.class, CommandLine.HelpCommand.class})
public final class PhalanxCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new PhalanxCli());
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            line.getErr().println("phalanx " + line.getCommandName() + ": " + ex.getMessage());
            return 2;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(commandLine().execute(args));
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = PhalanxCli.class.getPackage().getImplementationVersion();
            return new String[]{"phalanx " + (v == null ? "dev" : v)};
        }
    }
}
