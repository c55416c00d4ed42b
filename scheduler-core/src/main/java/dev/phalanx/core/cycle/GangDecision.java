package dev.phalanx.core.cycle;

import java.util.List;

/**
 * What one cycle decided for one gang. PLACED carries the bindings; WAITING and INVALID carry a
 * reason a user can act on, prefixed by a short machine-readable code (e.g. "QueueOverLimit").
 */
public record GangDecision(String gangKey, String queue, Outcome outcome, List<Binding> bindings, String reasonCode,
                           String reason) {
    public enum Outcome { PLACED, WAITING, INVALID }

    public GangDecision {
        bindings = List.copyOf(bindings);
    }

    public static GangDecision placed(String gangKey, String queue, List<Binding> bindings) {
        return new GangDecision(gangKey, queue, Outcome.PLACED, bindings, "Scheduled", null);
    }

    public static GangDecision waiting(String gangKey, String queue, String code, String reason) {
        return new GangDecision(gangKey, queue, Outcome.WAITING, List.of(), code, reason);
    }

    public static GangDecision invalid(String gangKey, String queue, String reason) {
        return new GangDecision(gangKey, queue, Outcome.INVALID, List.of(), "Invalid", reason);
    }

    /** "Code: reason", as shown to users. */
    public String message() {
        return reason == null ? null : reasonCode + ": " + reason;
    }
}
