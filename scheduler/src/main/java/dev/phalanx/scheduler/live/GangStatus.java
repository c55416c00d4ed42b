package dev.phalanx.scheduler.live;

import dev.phalanx.api.v1alpha1.PodGroupStatus;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodPhase;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * A PodGroup's status from a snapshot's gang and the cycle's decision on it. The "Scheduled"
 * condition carries the reason a waiting gang gives its user.
 */
public final class GangStatus {
    public static final String SCHEDULED_CONDITION = "Scheduled";

    private GangStatus() {
    }

    /** The PodGroup phase of {@code gang}: Pending, Scheduled, Running, Succeeded or Failed. */
    public static String phase(Gang gang, Predicate<String> isRunning) {
        int bound = 0, running = 0, finished = 0;
        boolean failed = false;
        for (PodInfo p : gang.members()) {
            if (p.phase() == PodPhase.BOUND) {
                bound++;
                if (isRunning.test(p.key())) {
                    running++;
                }
            } else if (p.phase() != PodPhase.PENDING) {
                finished++;
                failed |= p.phase() == PodPhase.FAILED;
            }
        }
        String phase;
        if (!gang.members().isEmpty() && finished == gang.members().size() && finished >= gang.minMember()) {
            phase = failed ? "Failed" : "Succeeded";
        } else if (running + finished >= gang.minMember() && running > 0) {
            phase = "Running";
        } else if (bound + finished >= gang.minMember() && bound > 0) {
            phase = "Scheduled";
        } else {
            phase = "Pending";
        }
        return phase;
    }

    public static PodGroupStatus of(Gang gang, GangDecision decision, Predicate<String> isRunning,
                                    Map<String, NodeInfo> nodes, PodGroupStatus previous, String now) {
        int bound = 0, running = 0;
        for (PodInfo p : gang.members()) {
            if (p.phase() == PodPhase.BOUND) {
                bound++;
                running += isRunning.test(p.key()) ? 1 : 0;
            }
        }
        String phase = phase(gang, isRunning);
        PodGroupStatus s = new PodGroupStatus();
        s.setPhase(phase);
        s.setScheduled(bound);
        s.setRunning(running);
        boolean scheduled = !phase.equals("Pending");
        String reason;
        String message;
        if (scheduled) {
            reason = "Scheduled";
            message = bound + " of " + gang.members().size() + " members bound" + (gang.topologyRequired() == null ? ""
                    : " inside " + gang.topologyRequired() + "=" + String.join(",", domains(gang, nodes, gang.topologyRequired()).values()));
        } else if (decision != null && decision.reason() != null) {
            reason = decision.reasonCode();
            message = decision.reason();
        } else if (!gang.isValid()) {
            reason = "Invalid";
            message = gang.invalidReason();
        } else {
            reason = "Waiting";
            message = "waiting for the next scheduling cycle";
        }
        s.setConditions(List.of(condition(previous, scheduled ? "True" : "False", reason, message, now)));
        Map<String, String> placement = new TreeMap<>();
        for (String key : new String[]{gang.topologyRequired(), gang.topologyPreferred()}) {
            if (key != null) {
                Map<String, String> d = domains(gang, nodes, key);
                if (!d.isEmpty()) {
                    placement.put(key, String.join(",", new TreeSet<>(d.values())));
                }
            }
        }
        s.setPlacement(placement);
        return s;
    }

    private static Map<String, String> domains(Gang gang, Map<String, NodeInfo> nodes, String key) {
        Map<String, String> out = new TreeMap<>();
        for (PodInfo p : gang.bound()) {
            NodeInfo n = nodes.get(p.nodeName());
            if (n != null && n.label(key) != null) {
                out.put(p.name(), n.label(key));
            }
        }
        return out;
    }

    private static Condition condition(PodGroupStatus previous, String status, String reason, String message, String now) {
        String since = now;
        if (previous != null && previous.getConditions() != null) {
            for (Condition c : previous.getConditions()) {
                if (SCHEDULED_CONDITION.equals(c.getType()) && status.equals(c.getStatus()) && c.getLastTransitionTime() != null) {
                    since = c.getLastTransitionTime();
                }
            }
        }
        return new ConditionBuilder().withType(SCHEDULED_CONDITION).withStatus(status).withReason(reason)
                .withMessage(message).withLastTransitionTime(since).build();
    }
}
