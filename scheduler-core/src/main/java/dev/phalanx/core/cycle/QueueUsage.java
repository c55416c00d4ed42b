package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.QueueTree;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Snapshot;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What each queue holds during one cycle, counted in the queue and every ancestor (invariant 3: a
 * queue's allocation never exceeds its limit, nor any ancestor's).
 */
public final class QueueUsage {
    private final QueueTree tree;
    private final Map<String, Resources> allocated = new HashMap<>();
    private final Map<String, Resources> requested = new HashMap<>();

    public QueueUsage(Snapshot snapshot) {
        this.tree = QueueTree.build(snapshot.queues());
        for (Gang g : snapshot.gangs()) {
            if (g.queue() == null || tree.get(g.queue()) == null || tree.get(g.queue()).invalidReason() != null) {
                continue;
            }
            Resources held = Resources.NONE;
            for (var p : g.bound()) {
                held = held.add(p.requests());
            }
            addTo(allocated, g.queue(), held);
            addTo(requested, g.queue(), held.add(g.pendingRequest()));
        }
    }

    public QueueTree tree() {
        return tree;
    }

    private void addTo(Map<String, Resources> m, String queue, Resources r) {
        if (r.isEmpty()) {
            return;
        }
        for (String q : tree.pathToRoot(queue)) {
            m.merge(q, r, Resources::add);
        }
    }

    public void allocate(String queue, Resources r) {
        addTo(allocated, queue, r);
    }

    public Resources allocated(String queue) {
        return allocated.getOrDefault(queue, Resources.NONE);
    }

    /** Allocated plus still pending, per queue (the demand fair share is computed against). */
    public Resources requested(String queue) {
        return requested.getOrDefault(queue, Resources.NONE);
    }

    /**
     * Null when adding {@code request} keeps {@code queue} and its ancestors within their limits, else a
     * message with the numbers: "needs 16 nvidia.com/gpu, queue team-a has 56 of its limit 64 in use".
     */
    public String limitProblem(String queue, Resources request) {
        for (String q : tree.pathToRoot(queue)) {
            QueueInfo info = tree.get(q);
            Resources held = allocated(q);
            for (String r : request.names()) {
                QueueInfo.Share share = info.share(r);
                if (share.limited() && held.milli(r) + request.milli(r) > share.limitMilli()) {
                    return "needs " + Resources.formatMilli(request.milli(r)) + " " + r + ", queue " + q + " has "
                            + Resources.formatMilli(held.milli(r)) + " of its limit "
                            + Resources.formatMilli(share.limitMilli()) + " in use";
                }
            }
        }
        return null;
    }

    /**
     * Null when adding {@code request} keeps {@code queue} within its quota on every resource it sets
     * one for, else the numbers: a gang that may not be preempted runs only on quota, since in-quota
     * usage is never reclaimed.
     */
    public String quotaProblem(String queue, Resources request) {
        QueueInfo info = tree.get(queue);
        Resources held = allocated(queue);
        for (String r : request.names()) {
            if (!info.resources().containsKey(r)) {
                continue; // the queue sets no quota on this resource
            }
            long quota = info.share(r).quotaMilli();
            if (held.milli(r) + request.milli(r) > quota) {
                return "the gang is not preemptible and needs " + Resources.formatMilli(request.milli(r)) + " " + r
                        + ", queue " + queue + " has " + Resources.formatMilli(held.milli(r)) + " of its quota "
                        + Resources.formatMilli(quota) + " in use";
            }
        }
        return null;
    }

    public List<String> queueNames() {
        return List.copyOf(tree.queues().keySet());
    }
}
