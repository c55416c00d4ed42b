package dev.phalanx.queue.status;

import dev.phalanx.api.v1alpha1.PodGroupStatus;
import dev.phalanx.api.v1alpha1.QueueStatus;
import dev.phalanx.core.cycle.CycleReport.GangReport;
import dev.phalanx.core.cycle.CycleReport.QueueReport;
import dev.phalanx.core.model.Resources;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A report's gang and queue, as the PodGroup and Queue status the API shows. */
public final class StatusBuilder {
    public static final String SCHEDULED_CONDITION = "Scheduled";

    private StatusBuilder() {
    }

    /**
     * The PodGroup status of {@code gang}; the Scheduled condition keeps its {@code previous} transition time
     * while its status does not change, else it is stamped {@code now} (RFC 3339).
     */
    public static PodGroupStatus podGroup(GangReport gang, PodGroupStatus previous, String now) {
        PodGroupStatus s = new PodGroupStatus();
        s.setPhase(gang.phase().display());
        s.setScheduled(gang.bound());
        s.setRunning(gang.running());
        String status = gang.phase().started() ? "True" : "False";
        s.setConditions(List.of(condition(previous, status, gang.reasonCode(), gang.message(), now)));
        s.setPlacement(new TreeMap<>(gang.placement()));
        if (!gang.subGroups().isEmpty()) {
            s.setSubGroups(gang.subGroups().stream().map(g -> new dev.phalanx.api.v1alpha1.SubGroupStatus(g.name(),
                    g.minMember() > 0 ? g.minMember() : null, g.minSubGroups() > 0 ? g.minSubGroups() : null, g.bound(),
                    g.started(), g.placement().isEmpty() ? null : g.placement())).toList());
        }
        return s;
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

    /**
     * The cycle's part of a Queue's status: fair share, allocation, demand and gangs by phase; with usage history,
     * the decayed usage, when it was advanced, and the effective over-quota weights.
     */
    public static QueueStatus queue(QueueReport q) {
        QueueStatus s = new QueueStatus();
        s.setFairShare(format(q.fairShare()));
        s.setAllocated(format(q.allocated()));
        s.setRequested(format(q.requested()));
        if (q.history() != null) {
            s.setDecayedUsage(format(q.history().decayed()));
            s.setDecayedUsageTime(Instant.ofEpochMilli(q.history().at()).toString());
            Map<String, String> weights = new TreeMap<>();
            q.effectiveWeight().forEach((r, w) -> weights.put(r, BigDecimal.valueOf(w).stripTrailingZeros().toPlainString()));
            s.setEffectiveWeight(weights);
        }
        s.setPodGroups(new TreeMap<>(q.podGroupsByPhase()));
        return s;
    }

    /** The same status without what follows the usage history, which drifts a little every cycle. */
    public static QueueStatus withoutHistory(QueueStatus status) {
        QueueStatus s = new QueueStatus();
        s.setFairShare(status.getFairShare());
        s.setAllocated(status.getAllocated());
        s.setRequested(status.getRequested());
        s.setPodGroups(status.getPodGroups());
        s.setConditions(status.getConditions());
        return s;
    }

    private static Map<String, String> format(Map<String, Double> units) {
        Map<String, String> out = new TreeMap<>();
        units.forEach((k, v) -> out.put(k, Resources.formatMilli(Math.round(v * 1000))));
        return out;
    }
}
