package dev.phalanx.core.model;

import java.util.List;

/** A pod toleration, with Kubernetes' matching rules. */
public record Toleration(String key, String operator, String value, String effect) {
    public boolean tolerates(Taint taint) {
        if (effect != null && !effect.isEmpty() && !effect.equals(taint.effect())) {
            return false;
        }
        if (key == null || key.isEmpty()) {
            return "Exists".equals(operator); // empty key with Exists tolerates everything
        }
        if (!key.equals(taint.key())) {
            return false;
        }
        if ("Exists".equals(operator)) {
            return true;
        }
        return java.util.Objects.equals(value == null ? "" : value, taint.value() == null ? "" : taint.value());
    }

    public static boolean toleratesAll(List<Toleration> tolerations, List<Taint> taints) {
        for (Taint t : taints) {
            if (t.repels() && tolerations.stream().noneMatch(tol -> tol.tolerates(t))) {
                return false;
            }
        }
        return true;
    }
}
