package dev.phalanx.scheduler.cli;

import picocli.CommandLine;

/** Prints the help of every phalanx command and subcommand, so a test can see what picocli says while it renders them. */
public final class HelpOfEveryCommand {
    private HelpOfEveryCommand() {
    }

    public static void main(String[] args) {
        print(PhalanxCli.commandLine());
        System.out.flush();
        System.err.flush();
    }

    private static void print(CommandLine cl) {
        System.out.println("=== " + cl.getCommandSpec().qualifiedName(" "));
        cl.usage(System.out);
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (!sub.getCommandName().equals("help")) {
                print(sub);
            }
        }
    }
}
