package dev.phalanx.core.model;

/** A node taint; only NoSchedule and NoExecute keep pods away. */
public record Taint(String key, String value, String effect) {
    public boolean repels() {
        return "NoSchedule".equals(effect) || "NoExecute".equals(effect);
    }
}
