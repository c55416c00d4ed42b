package dev.phalanx.bench.trace;

/** A trace or data file that cannot be used as written; the message names the file and the line. */
public final class TraceFormatException extends RuntimeException {
    public TraceFormatException(String message) {
        super(message);
    }
}
