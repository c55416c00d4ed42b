package dev.phalanx.core.model;

/** An object that cannot be honoured as declared, and why; reported on the object, never fatal to the rest. */
public record Problem(String kind, String namespace, String name, String reason) {
    public String describe() {
        return kind + " " + (namespace == null ? "" : namespace + "/") + name + ": " + reason;
    }
}
