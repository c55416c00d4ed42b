package dev.phalanx.core.kube;

/** Input that cannot be read at all; the message names the file and the object. */
public class ManifestException extends RuntimeException {
    public ManifestException(String message) {
        super(message);
    }

    public ManifestException(String message, Throwable cause) {
        super(message, cause);
    }
}
