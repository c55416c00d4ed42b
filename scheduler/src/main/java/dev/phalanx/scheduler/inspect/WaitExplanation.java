package dev.phalanx.scheduler.inspect;

import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Snapshot;

import java.math.BigDecimal;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a waiting gang waits for, and what would make it start, from the reason code the scheduler gave it, the
 * numbers in its message and the cluster as it is now. The message formats read here are the scheduler's own
 * (GangAdmission, QueueUsage, the placement): when one cannot be read, the message itself is shown instead.
 */
record WaitExplanation(String waitsFor, String wouldStart) {
    /** QueueUsage.limitProblem and quotaProblem: "needs 16 nvidia.com/gpu, queue team-a has 56 of its limit 64 in use". */
    private static final Pattern QUEUE_NUMBERS = Pattern.compile(
            "needs ([0-9.]+) (\\S+), queue (\\S+) has ([0-9.]+) of its (limit|quota) ([0-9.]+) in use");
    /** GangAdmission: "3 of minMember 4 pods exist". */
    private static final Pattern MEMBERS = Pattern.compile("([0-9]+) of minMember ([0-9]+) pods exist");
    private static final String HELD = "room is reserved for it on ";

    static WaitExplanation of(String code, String message, Gang gang, Snapshot s) {
        String m = message == null ? "" : message;
        return switch (code == null ? "" : code) {
            case "WaitingForMembers" -> members(m, gang);
            case "QueueOverLimit", "QueueOverQuota" -> queue(code, m, gang);
            case "TopologyUnsatisfiable" -> topology(m, gang, s);
            case "InsufficientResources" -> room(m, gang, s);
            case "SubGroupUnsatisfiable" -> new WaitExplanation("a domain for each of its subgroups at once: " + m,
                    "pods in those domains finishing (the room is held for it once it is first in line), or subgroups "
                            + "sized to fit the domains their topology names");
            case "NoRoom" -> new WaitExplanation("room for more of its members; the gang itself runs",
                    "running pods finishing; its members beyond minMember are elastic and start when there is room");
            case "Unschedulable" -> never(m, gang, s);
            case "NoFeasibleNode" -> new WaitExplanation("a node its pods may run on: " + m,
                    "a change to the pods' nodeSelector, affinity or tolerations, or nodes with the labels they ask for and "
                            + "no taint they do not tolerate");
            case "Preempting" -> new WaitExplanation("the pods evicted to make room for it to be gone: " + m,
                    "nothing more: it starts once they have gone, after their termination grace period");
            case "Invalid" -> new WaitExplanation("nothing: it is invalid as written, and never scheduled as it is",
                    fix(m, gang));
            default -> new WaitExplanation(m.isEmpty() ? "a decision: the scheduler has not written one yet" : m,
                    "see the message");
        };
    }

    private static WaitExplanation members(String m, Gang gang) {
        Matcher x = MEMBERS.matcher(m);
        boolean said = x.find();
        int have = said ? Integer.parseInt(x.group(1)) : gang == null ? -1 : gang.members().size();
        int min = said ? Integer.parseInt(x.group(2)) : gang == null ? -1 : gang.minMember();
        if (have < 0 || min < 0) {
            return new WaitExplanation("more member pods: " + m, "the missing pods being created");
        }
        int missing = min - have;
        String name = gang == null ? "NAME" : gang.name();
        return new WaitExplanation(missing + " more pod" + (missing == 1 ? "" : "s") + ": minMember is " + min + " and "
                + have + " exist" + (have == 1 ? "s" : ""),
                "creating " + missing + " more pod" + (missing == 1 ? "" : "s") + " labelled " + Keys.POD_GROUP_LABEL + "=" + name
                        + " (its workload controller usually does), or lowering spec.minMember to " + have);
    }

    private static WaitExplanation queue(String code, String m, Gang gang) {
        Matcher x = QUEUE_NUMBERS.matcher(m);
        if (!x.find()) {
            return new WaitExplanation("room in its queue: " + m, "the queue's limit or quota raised, or its pods finishing");
        }
        BigDecimal need = new BigDecimal(x.group(1));
        String resource = x.group(2);
        String queue = x.group(3);
        BigDecimal held = new BigDecimal(x.group(4));
        String bound = x.group(5);
        BigDecimal cap = new BigDecimal(x.group(6));
        BigDecimal short_ = held.add(need).subtract(cap);
        String waits = "room under queue " + queue + "'s " + resource + " " + bound + ": it needs " + plain(need) + ", the queue has "
                + plain(held) + " of " + plain(cap) + " in use";
        StringBuilder start = new StringBuilder("raising queue " + queue + "'s spec.resources[" + resource + "]." + bound
                + " from " + plain(cap) + " to " + plain(held.add(need)) + " (" + plain(short_) + " more)");
        if (need.compareTo(cap) <= 0) {
            start.append(", or ").append(plain(short_)).append(" ").append(resource).append(" of the queue's running pods finishing");
        } else {
            start.append("; it asks for more than the whole ").append(bound).append(", so no pod finishing would do");
        }
        if (code.equals("QueueOverQuota")) {
            start.append(", or making the gang preemptible (spec.preemptible: true), so that it may run beyond the quota,"
                    + " where it can be reclaimed");
        }
        return new WaitExplanation(waits, start.toString());
    }

    private static WaitExplanation topology(String m, Gang gang, Snapshot s) {
        if (gang == null || gang.topologyRequired() == null) {
            return new WaitExplanation("room in one topology domain: " + m, "pods in that domain finishing");
        }
        String key = gang.topologyRequired();
        long need = gang.pendingRequest().milli(Keys.GPU);
        GpuUse.Domain best = GpuUse.byLabel(s, key).stream().filter(d -> d.value() != null)
                .max(Comparator.comparingLong(GpuUse.Domain::freeMilli)).orElse(null);
        String waits = Resources.formatMilli(need) + " " + Keys.GPU + " free in one " + key + " for its " + gang.pending().size()
                + " pods" + (best == null ? "; no node has that label" : "; the most free now is " + best.value() + " with "
                + Resources.formatMilli(best.freeMilli()));
        String start = best == null ? "nodes labelled " + key
                : "pods in one " + key + " finishing or being preempted to free "
                + Resources.formatMilli(Math.max(0, need - best.freeMilli())) + " more there" + held(m);
        return new WaitExplanation(waits, start);
    }

    private static WaitExplanation room(String m, Gang gang, Snapshot s) {
        if (gang == null) {
            return new WaitExplanation("room in the cluster: " + m, "running pods finishing");
        }
        long need = gang.pendingRequest().milli(Keys.GPU);
        long free = 0;
        var used = GpuUse.usedPerNode(s);
        for (NodeInfo n : s.nodes()) {
            free += Math.max(0, n.allocatable().milli(Keys.GPU) - used.getOrDefault(n.name(), 0L));
        }
        String waits = need > 0 ? Resources.formatMilli(need) + " " + Keys.GPU + " free for its " + gang.pending().size()
                + " pods, on nodes each can run on; " + Resources.formatMilli(free) + " are free in the whole cluster now"
                : "room for its " + gang.pending().size() + " pods: " + m;
        return new WaitExplanation(waits, "running pods finishing, or more nodes (its pods say Unschedulable, which a"
                + " cluster autoscaler acts on)" + held(m));
    }

    private static WaitExplanation never(String m, Gang gang, Snapshot s) {
        if (gang == null) {
            return new WaitExplanation("nothing that waiting can bring: " + m, "a smaller gang, or a larger cluster");
        }
        long need = gang.pendingRequest().milli(Keys.GPU);
        String key = gang.topologyRequired();
        String where;
        if (key != null) {
            List<GpuUse.Domain> domains = GpuUse.byLabel(s, key);
            long largest = domains.stream().filter(d -> d.value() != null).mapToLong(GpuUse.Domain::allocatableMilli).max().orElse(0);
            where = "it needs " + Resources.formatMilli(need) + " " + Keys.GPU + " in one " + key + ", and the largest has "
                    + Resources.formatMilli(largest) + " in all";
        } else {
            where = "it would not fit even if every pod finished: " + m;
        }
        return new WaitExplanation("nothing that waiting can bring: " + where,
                "fewer or smaller pods" + (key == null ? "" : ", a wider spec.topology.required (or none)")
                        + ", or larger nodes" + (key == null ? "" : " or a larger " + key) + "; waiting alone never starts it");
    }

    private static String held(String m) {
        int at = m.indexOf(HELD);
        return at < 0 ? "" : "; it is first in line, and the room is held for it on " + m.substring(at + HELD.length())
                + " (later gangs fit around it)";
    }

    /** What to change, for each way a gang is invalid. */
    private static String fix(String m, Gang gang) {
        Matcher x;
        if ((x = Pattern.compile("^queue (\\S+) does not exist").matcher(m)).find()) {
            return "creating Queue " + x.group(1) + ", or naming a queue that exists (spec.queue of the PodGroup; the label "
                    + Keys.QUEUE_LABEL + " of a pod without one, or of its namespace)";
        }
        if ((x = Pattern.compile("^namespace (\\S+) may not use queue (\\S+)").matcher(m)).find()) {
            return "labelling namespace " + x.group(1) + " to match queue " + x.group(2)
                    + "'s spec.namespaceSelector, or using a queue whose selector it matches";
        }
        if ((x = Pattern.compile("^queue (\\S+) has child queues").matcher(m)).find()) {
            return "using one of queue " + x.group(1) + "'s child queues: only leaf queues take work";
        }
        if ((x = Pattern.compile("^queue (\\S+) is invalid").matcher(m)).find()) {
            return "fixing Queue " + x.group(1) + " (kubectl describe queue " + x.group(1) + " says what is wrong)";
        }
        if ((x = Pattern.compile("^PriorityClass (\\S+) does not exist").matcher(m)).find()) {
            return "creating PriorityClass " + x.group(1) + ", or naming one that exists in priorityClassName";
        }
        if ((x = Pattern.compile("^PodGroup (\\S+) does not exist").matcher(m)).find()) {
            return "creating PodGroup " + x.group(1) + ", or removing the label " + Keys.POD_GROUP_LABEL + " from its pods";
        }
        if (m.startsWith("spec.minMember")) {
            return "setting spec.minMember to the number of pods that must start together (at least 1)";
        }
        if (m.startsWith("spec.topology")) {
            return "naming a node label key in spec.topology, such as " + Keys.CLIQUE_LABEL;
        }
        return "correcting it as the message says: " + m;
    }

    private static String plain(BigDecimal d) {
        return d.stripTrailingZeros().toPlainString();
    }
}
