package dev.phalanx.scheduler.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code phalanx}: the gang-aware batch scheduler for Kubernetes GPU clusters. */
@Command(name = "phalanx", mixinStandardHelpOptions = true, versionProvider = PhalanxCli.Version.class,
        description = "Gang-aware batch scheduler for Kubernetes GPU clusters.",
        subcommands = {SimulateCommand.class, RunCommand.class, SnapshotCommand.class, WhyCommand.class, QueuesCommand.class,
                TopCommand.class, CommandLine.HelpCommand.class})
public final class PhalanxCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "On an error, print the stack trace too.")
    boolean verbose;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new PhalanxCli());
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            String command = line.getCommandSpec().qualifiedName(" ");
            if (ex instanceof CliException c) {
                line.getErr().println(command + ": " + c.getMessage());
            } else {
                line.getErr().println(command + ": " + KubeOptions.message(ex));
            }
            if (verbose(parsed)) {
                ex.printStackTrace(line.getErr());
            }
            line.getErr().flush();
            return ex instanceof CliException c ? c.exitCode() : 2;
        });
        return cl;
    }

    /** Whether --verbose was given, to this command or to any it runs. */
    private static boolean verbose(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
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
