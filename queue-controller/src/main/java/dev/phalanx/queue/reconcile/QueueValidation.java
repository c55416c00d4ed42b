package dev.phalanx.queue.reconcile;

import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.QueueTree;
import dev.phalanx.core.model.Resources;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a Queue's CRD schema cannot check, because it needs the other queues or parses quantities:
 * a parent that does not exist, a loop in the parent chain, a limit below its quota, and children
 * whose quotas add up to more than their parent's. Pure: the queues in, conditions out.
 */
public final class QueueValidation {
    public static final String VALID = "Valid";
    public static final String CHILD_QUOTAS = "ChildQuotasFit";

    private QueueValidation() {
    }

    /** The "Valid" and "ChildQuotasFit" conditions of {@code queue} among {@code all}, stamped {@code now}. */
    public static List<Condition> conditions(Queue queue, Collection<Queue> all, String now) {
        Map<String, QueueInfo> infos = new LinkedHashMap<>();
        for (Queue q : all) {
            infos.put(q.getMetadata().getName(), KubeObjects.queue(q, 0));
        }
        infos.put(queue.getMetadata().getName(), KubeObjects.queue(queue, 0));
        QueueTree tree = QueueTree.build(infos);
        QueueInfo self = tree.get(queue.getMetadata().getName());
        List<Condition> out = new ArrayList<>();
        out.add(self.invalidReason() == null
                ? condition(VALID, "True", "Valid", "the queue takes part in fair share", now)
                : condition(VALID, "False", "Invalid", self.invalidReason(), now));
        String over = childQuotaProblem(self.name(), tree);
        if (over != null) {
            out.add(condition(CHILD_QUOTAS, "False", "Oversubscribed", over, now));
        } else if (!tree.children(self.name()).isEmpty()) {
            out.add(condition(CHILD_QUOTAS, "True", "Fits", "the children's quotas fit within this queue's quota", now));
        }
        return out;
    }

    private static String childQuotaProblem(String parent, QueueTree tree) {
        List<String> children = tree.children(parent);
        if (children.isEmpty()) {
            return null;
        }
        Map<String, Long> sums = new TreeMap<>();
        for (String c : children) {
            tree.get(c).resources().forEach((r, share) -> sums.merge(r, share.quotaMilli(), Long::sum));
        }
        QueueInfo self = tree.get(parent);
        for (Map.Entry<String, Long> e : sums.entrySet()) {
            long own = self.share(e.getKey()).quotaMilli();
            if (e.getValue() > own) {
                return "the quotas of its children " + String.join(", ", children) + " add up to "
                        + Resources.formatMilli(e.getValue()) + " " + e.getKey() + ", more than its own quota of "
                        + Resources.formatMilli(own) + "; fair share scales them down in proportion";
            }
        }
        return null;
    }

    private static Condition condition(String type, String status, String reason, String message, String now) {
        return new ConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastTransitionTime(now).build();
    }

    /** Keeps the previous transition time of a condition whose status did not change. */
    public static List<Condition> carryTransitionTimes(List<Condition> next, List<Condition> previous) {
        if (previous == null) {
            return next;
        }
        List<Condition> out = new ArrayList<>();
        for (Condition c : next) {
            Condition was = previous.stream().filter(p -> c.getType().equals(p.getType())).findFirst().orElse(null);
            boolean unchanged = was != null && c.getStatus().equals(was.getStatus()) && was.getLastTransitionTime() != null;
            out.add(unchanged ? new ConditionBuilder(c).withLastTransitionTime(was.getLastTransitionTime()).build() : c);
        }
        return out;
    }
}
