package dev.phalanx.scheduler.cli;

/**
 * A failure a person can act on, said in their words; the CLI prints the message after the command's name and
 * exits with {@link #exitCode()}; the stack trace only with {@code --verbose}.
 */
public final class CliException extends RuntimeException {
    /** Bad input: a flag, a file, an object that does not exist. */
    public static final int USAGE = 2;
    /** The cluster could not be reached or refused the request. */
    public static final int CLUSTER = 1;

    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
