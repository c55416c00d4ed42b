package dev.phalanx.core.cycle;

import dev.phalanx.core.model.Sorted;
import dev.phalanx.core.model.GangPhase;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.UsageHistory;

import java.util.List;
import java.util.Map;

/**
 * Step 6's conclusion: every gang's phase and condition and every queue's standing after one cycle,
 * with the decisions and the snapshot they were drawn from.
 */
public record CycleReport(long at, CycleResult result, Snapshot after, List<GangReport> gangs, List<QueueReport> queues) {
    public CycleReport {
        gangs = List.copyOf(gangs);
        queues = List.copyOf(queues);
    }

    /** Each queue's usage history as of this report, to carry into the next cycle; empty when none is kept. */
    public Map<String, UsageHistory> history() {
        Map<String, UsageHistory> out = new java.util.TreeMap<>();
        for (QueueReport q : queues) {
            if (q.history() != null) {
                out.put(q.name(), q.history());
            }
        }
        return out;
    }

    /**
     * One gang. {@code previous}: its phase in the report before (null the first time); {@code reasonCode}
     * and {@code message}: its condition, "Scheduled" once it started, else why it waits; {@code bound},
     * {@code running}: members holding a node, and running; {@code placement}: topology key to the domains
     * its bound members are in, for the levels it names; {@code subGroups}: each subgroup of a gang that has them.
     */
    public record GangReport(String namespace, String name, boolean implicit, String queue, int minMember, int members,
                             GangPhase phase, GangPhase previous, String reasonCode, String message, int bound,
                             int running, Map<String, String> placement, String topologyRequired,
                             List<SubGroupReport> subGroups) {
        public GangReport {
            placement = Sorted.map(placement);
            subGroups = subGroups == null ? List.of() : List.copyOf(subGroups);
        }

        /** The same report with another message. */
        public GangReport withMessage(String newMessage) {
            return new GangReport(namespace, name, implicit, queue, minMember, members, phase, previous, reasonCode,
                    newMessage, bound, running, placement, topologyRequired, subGroups);
        }

        public String key() {
            return namespace + "/" + name;
        }

        /** True while the gang has not started: its condition says why it waits. */
        public boolean waiting() {
            return !phase.started();
        }
    }

    /**
     * One subgroup of a gang: its minimum ({@code minMember} pods for a leaf, {@code minSubGroups} children for an inner
     * one), its members bound now, whether it started, and the domains of its own topology key its bound members are in
     * ({@code key=value}, empty when it has no key or nothing is bound).
     */
    public record SubGroupReport(String name, String parent, int minMember, int minSubGroups, int members, int bound,
                                 boolean started, String placement) {
    }

    /**
     * One queue: fair share, allocation and demand (allocated plus pending) in units per resource, its
     * gangs (and its descendants') by phase, and why it is invalid (null when it is not). With usage history
     * kept: {@code history}, its decayed usage as of the report with what it holds after the cycle's commit,
     * and {@code effectiveWeight}, the over-quota weights its share was computed with; else null and empty.
     */
    public record QueueReport(String name, String parent, Map<String, Double> fairShare, Map<String, Double> allocated,
                              Map<String, Double> requested, Map<String, Integer> podGroupsByPhase, String invalidReason,
                              UsageHistory history, Map<String, Double> effectiveWeight) {
        public QueueReport {
            fairShare = Sorted.map(fairShare);
            allocated = Sorted.map(allocated);
            requested = Sorted.map(requested);
            podGroupsByPhase = Sorted.map(podGroupsByPhase);
            effectiveWeight = Sorted.map(effectiveWeight);
        }

        /** Decayed usage per resource (units); empty without history. */
        public Map<String, Double> decayedUsage() {
            return history == null ? Map.of() : history.decayed();
        }
    }
}
