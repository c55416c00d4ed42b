package dev.phalanx.scheduler.inspect;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.api.v1alpha1.QueueResource;
import dev.phalanx.core.kube.Durations;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.Resources;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.queue.GangAdmission;
import dev.phalanx.scheduler.cli.CliException;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code kubectl phalanx why POD|PODGROUP}: why a pod or a gang waits, in one screen. The reason the scheduler
 * wrote on the object (the pod's PodScheduled condition, the PodGroup's Scheduled condition); the gang and its
 * queue's quota, limit, fair share and allocation (the Queue's spec and status); where the gang stands among the
 * queue's waiting gangs, in the order admission serves them; what it waits for, and what would start it.
 */
public final class WhyReport {
    private static final int LINE_SHOWN = 10;

    private final ClusterObjects cluster;
    private final Snapshot snapshot;
    private final String schedulerName;
    private final long now;
    private final StringBuilder out = new StringBuilder();

    private WhyReport(ClusterObjects cluster, Snapshot snapshot, String schedulerName, long now) {
        this.cluster = cluster;
        this.snapshot = snapshot;
        this.schedulerName = schedulerName;
        this.now = now;
    }

    /**
     * The report on {@code target} in {@code namespace}: a name (a PodGroup of that name first, else a pod), or
     * {@code pod/NAME} or {@code podgroup/NAME} to say which.
     */
    public static String render(ClusterObjects cluster, String schedulerName, String namespace, String target, long now) {
        WhyReport r = new WhyReport(cluster, cluster.snapshot(schedulerName, now), schedulerName, now);
        r.explain(namespace, target);
        return r.out.toString();
    }

    private void explain(String namespace, String target) {
        String kind = "";
        String name = target;
        int slash = target.indexOf('/');
        if (slash > 0) {
            kind = switch (target.substring(0, slash).toLowerCase()) {
                case "pod", "pods", "po" -> "pod";
                case "podgroup", "podgroups", "ppg", "podgroup.scheduling.phalanx.dev", "podgroups.scheduling.phalanx.dev" -> "podgroup";
                default -> throw new CliException(CliException.USAGE, "\"" + target + "\": the resource is pod or podgroup");
            };
            name = target.substring(slash + 1);
        }
        PodGroup group = kind.equals("pod") ? null : find(cluster.podGroups(), namespace, name);
        Pod pod = kind.equals("podgroup") ? null : find(cluster.pods(), namespace, name);
        if (group != null) {
            podGroup(group);
            if (pod != null && kind.isEmpty()) {
                out.append("\n(a pod of that name exists too: kubectl phalanx why pod/").append(name).append(" -n ")
                        .append(namespace).append(")\n");
            }
        } else if (pod != null) {
            pod(pod);
        } else {
            throw new CliException(CliException.USAGE, "no " + (kind.isEmpty() ? "pod or PodGroup" : kind.equals("pod") ? "pod"
                    : "PodGroup") + " \"" + name + "\" in namespace " + namespace);
        }
    }

    private void pod(Pod pod) {
        String key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
        String scheduler = pod.getSpec().getSchedulerName() == null ? "default-scheduler" : pod.getSpec().getSchedulerName();
        String group = pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(Keys.POD_GROUP_LABEL);
        out.append("Pod ").append(key).append(group == null ? "" : " (PodGroup " + group + ")").append('\n');
        if (!scheduler.equals(schedulerName)) {
            out.append("  not Phalanx's: its spec.schedulerName is ").append(scheduler).append(", and Phalanx schedules pods of ")
                    .append(schedulerName).append('\n');
            return;
        }
        String phase = pod.getStatus() == null || pod.getStatus().getPhase() == null ? "Pending" : pod.getStatus().getPhase();
        if (pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty()) {
            out.append("  not waiting: bound to node ").append(pod.getSpec().getNodeName()).append(" (").append(phase).append(")\n");
            return;
        }
        PodCondition c = pod.getStatus() == null || pod.getStatus().getConditions() == null ? null
                : pod.getStatus().getConditions().stream().filter(x -> "PodScheduled".equals(x.getType())).findFirst().orElse(null);
        out.append("  pending for ").append(age(pod)).append('\n');
        Reason reason = null;
        if (c == null || !"False".equals(c.getStatus())) {
            out.append("  no reason written yet: the scheduler has not decided on it (is phalanx-scheduler running? a gang says"
                    + " why once it has waited a status period)\n");
        } else {
            reason = Reason.ofPod(c.getReason(), c.getMessage());
            out.append("  PodScheduled=False ").append(c.getReason()).append(": ").append(c.getMessage())
                    .append(since(c.getLastTransitionTime())).append('\n');
        }
        if (group != null) {
            PodGroup pg = find(cluster.podGroups(), pod.getMetadata().getNamespace(), group);
            if (pg != null) {
                out.append('\n');
                podGroup(pg);
                return;
            }
        }
        // a pod naming a PodGroup that does not exist is in a gang of that name, which says so
        gangAndQueue(gang(group == null ? key : pod.getMetadata().getNamespace() + "/" + group), reason);
    }

    private void podGroup(PodGroup pg) {
        String key = pg.getMetadata().getNamespace() + "/" + pg.getMetadata().getName();
        var st = pg.getStatus();
        out.append("PodGroup ").append(key).append(": phase ").append(st == null || st.getPhase() == null ? "(none yet)" : st.getPhase());
        int min = pg.getSpec() == null || pg.getSpec().getMinMember() == null ? 0 : pg.getSpec().getMinMember();
        out.append(", ").append(st == null || st.getScheduled() == null ? 0 : st.getScheduled()).append(" of minMember ").append(min)
                .append(" bound, ").append(st == null || st.getRunning() == null ? 0 : st.getRunning()).append(" running\n");
        Condition c = st == null || st.getConditions() == null ? null
                : st.getConditions().stream().filter(x -> "Scheduled".equals(x.getType())).findFirst().orElse(null);
        Reason reason = null;
        if (c == null) {
            out.append("  no reason written yet: the scheduler has not decided on it (is phalanx-scheduler running?)\n");
        } else if ("True".equals(c.getStatus())) {
            out.append("  not waiting: Scheduled").append(c.getMessage() == null || c.getMessage().isEmpty() ? "" : ": " + c.getMessage())
                    .append(st.getPlacement() == null || st.getPlacement().isEmpty() ? "" : "; placed in " + st.getPlacement())
                    .append('\n');
        } else {
            reason = new Reason(c.getReason(), c.getMessage());
            out.append("  Scheduled=").append(c.getStatus()).append(' ').append(c.getReason()).append(": ").append(c.getMessage())
                    .append(since(c.getLastTransitionTime())).append('\n');
        }
        gangAndQueue(gang(key), reason);
    }

    private void gangAndQueue(Gang gang, Reason reason) {
        if (gang == null) {
            return;
        }
        out.append("\nGang ").append(gang.key()).append(gang.implicit() ? " (a pod without a PodGroup: a gang of one)" : "")
                .append(": ").append(gang.members().size()).append(" pod").append(gang.members().size() == 1 ? "" : "s")
                .append(" of minMember ").append(gang.minMember()).append(", ").append(gang.boundOrFinished()).append(" bound or done")
                .append(", priority ").append(gang.priority());
        if (!gang.pending().isEmpty()) {
            out.append(", waiting pods ask for ").append(describe(gang.pendingRequest()));
        }
        if (gang.topologyRequired() != null) {
            out.append("; all in one ").append(gang.topologyRequired());
        }
        out.append('\n');
        if (gang.queue() != null) {
            queue(gang);
        }
        if (reason != null && gang.boundOrFinished() < gang.minMember()) {
            WaitExplanation e = WaitExplanation.of(reason.code(), reason.message(), gang, snapshot);
            out.append("\nIt waits for ").append(e.waitsFor()).append(".\n");
            out.append("What would start it: ").append(e.wouldStart()).append(".\n");
        } else if (reason != null && !gang.pending().isEmpty()) {
            WaitExplanation e = WaitExplanation.of(reason.code(), reason.message(), gang, snapshot);
            out.append("\nThe gang runs; its other pods wait for ").append(e.waitsFor()).append(".\n");
        }
    }

    private void queue(Gang gang) {
        Queue q = cluster.queues().stream().filter(x -> x.getMetadata().getName().equals(gang.queue())).findFirst().orElse(null);
        out.append("\nQueue ").append(gang.queue());
        if (q == null) {
            out.append(": does not exist\n");
            return;
        }
        Set<String> resources = new LinkedHashSet<>();
        if (gang.pendingRequest().milli(Keys.GPU) > 0 || q.getSpec() != null && q.getSpec().getResources() != null
                && q.getSpec().getResources().containsKey(Keys.GPU)) {
            resources.add(Keys.GPU);
        }
        for (String r : gang.pendingRequest().names()) {
            if (q.getSpec() != null && q.getSpec().getResources() != null && q.getSpec().getResources().containsKey(r)) {
                resources.add(r);
            }
        }
        String parent = q.getSpec() == null ? null : q.getSpec().getParent();
        out.append(parent == null ? "" : " (under " + parent + ")").append('\n');
        for (String r : resources) {
            out.append("  ").append(r).append(": ").append(shares(q, r)).append('\n');
        }
        for (String p = parent; p != null; ) {
            String at = p;
            Queue pq = cluster.queues().stream().filter(x -> x.getMetadata().getName().equals(at)).findFirst().orElse(null);
            if (pq == null) {
                break;
            }
            for (String r : resources) {
                out.append("  parent ").append(at).append(", ").append(r).append(": ").append(shares(pq, r)).append('\n');
            }
            p = pq.getSpec() == null ? null : pq.getSpec().getParent();
        }
        line(gang);
    }

    /** "quota 16, limit 64, fair share 24, allocated 56, requested 72". */
    private static String shares(Queue q, String resource) {
        QueueResource r = q.getSpec() == null || q.getSpec().getResources() == null ? null : q.getSpec().getResources().get(resource);
        String quota = r == null || r.getQuota() == null ? "0" : r.getQuota().toString();
        String limit = r == null || r.getLimit() == null || r.getLimit().toString().equals("-1") ? "none" : r.getLimit().toString();
        var st = q.getStatus();
        return "quota " + quota + ", limit " + limit + ", fair share " + value(st == null ? null : st.getFairShare(), resource)
                + ", allocated " + value(st == null ? null : st.getAllocated(), resource) + ", requested "
                + value(st == null ? null : st.getRequested(), resource);
    }

    private static String value(Map<String, String> m, String resource) {
        return m == null || !m.containsKey(resource) ? "0" : m.get(resource);
    }

    /** The queue's waiting gangs in the order admission serves them, this one marked. */
    private void line(Gang gang) {
        List<Gang> line = new ArrayList<>();
        int forMembers = 0;
        int invalid = 0;
        for (Gang g : snapshot.gangs()) {
            if (!gang.queue().equals(g.queue()) || g.pending().isEmpty() || g.boundOrFinished() >= g.minMember()) {
                continue;
            }
            if (!g.isValid()) {
                invalid++;
            } else if (g.members().size() < g.minMember()) {
                forMembers++;
            } else {
                line.add(g);
            }
        }
        line.sort(GangAdmission.SERVICE_ORDER);
        int at = -1;
        for (int i = 0; i < line.size(); i++) {
            if (line.get(i).key().equals(gang.key())) {
                at = i;
            }
        }
        if (line.isEmpty()) {
            out.append("  no gang of this queue waits in line");
        } else {
            out.append("  ").append(line.size()).append(line.size() == 1 ? " gang of this queue waits" : " gangs of this queue wait")
                    .append(" in line, served by priority, then creation time");
            if (at >= 0) {
                out.append("; this one is ").append(ordinal(at + 1));
            }
        }
        out.append(forMembers + invalid == 0 ? "" : " (" + (forMembers > 0 ? forMembers + " more wait for members" : "")
                + (forMembers > 0 && invalid > 0 ? ", " : "") + (invalid > 0 ? invalid + " are invalid" : "") + ")").append('\n');
        if (line.isEmpty()) {
            return;
        }
        int from = Math.max(0, Math.min(at < 0 ? 0 : at - LINE_SHOWN / 2, line.size() - LINE_SHOWN));
        Table t = new Table("", ">#", "GANG", ">PRIORITY", ">WAITING", "ASKS FOR", "REASON");
        for (int i = from; i < Math.min(line.size(), from + LINE_SHOWN); i++) {
            Gang g = line.get(i);
            Reason r = reasonOf(g);
            t.row(i == at ? ">" : "", i + 1, g.key(), g.priority(), Durations.format(Math.max(0, now - g.createdAt())),
                    describe(g.pendingRequest()), r == null ? "(none yet)" : r.code());
        }
        t.appendTo(out, "  ");
        if (line.size() > LINE_SHOWN) {
            out.append("  (").append(line.size() - LINE_SHOWN).append(" more not shown)\n");
        }
    }

    /** The reason a gang waits, as written on its PodGroup or, for a pod without one, on the pod. */
    private Reason reasonOf(Gang g) {
        if (!g.implicit()) {
            PodGroup pg = find(cluster.podGroups(), g.namespace(), g.name());
            return pg == null ? null : scheduledReason(pg);
        }
        Pod p = find(cluster.pods(), g.namespace(), g.name());
        PodCondition c = p == null || p.getStatus() == null || p.getStatus().getConditions() == null ? null
                : p.getStatus().getConditions().stream().filter(x -> "PodScheduled".equals(x.getType())).findFirst().orElse(null);
        return c == null || !"False".equals(c.getStatus()) ? null : Reason.ofPod(c.getReason(), c.getMessage());
    }

    private static Reason scheduledReason(PodGroup pg) {
        if (pg.getStatus() == null || pg.getStatus().getConditions() == null) {
            return null;
        }
        return pg.getStatus().getConditions().stream().filter(x -> "Scheduled".equals(x.getType()) && !"True".equals(x.getStatus()))
                .map(x -> new Reason(x.getReason(), x.getMessage())).findFirst().orElse(null);
    }

    /** A reason code and its message. */
    record Reason(String code, String message) {
        /**
         * A pod's PodScheduled reason is {@code Unschedulable} when room is what it lacks, with Phalanx's own code
         * leading the message ("InsufficientResources: ..."); otherwise the code itself.
         */
        static Reason ofPod(String reason, String message) {
            String m = message == null ? "" : message;
            if ("Unschedulable".equals(reason)) {
                int colon = m.indexOf(": ");
                if (colon > 0 && m.substring(0, colon).matches("[A-Z][A-Za-z]+")) {
                    return new Reason(m.substring(0, colon), m.substring(colon + 2));
                }
            }
            return new Reason(reason, m);
        }
    }

    private Gang gang(String key) {
        return snapshot.gangs().stream().filter(g -> g.key().equals(key)).findFirst().orElse(null);
    }

    private static <T extends HasMetadata> T find(List<T> objects, String namespace, String name) {
        return objects.stream().filter(o -> name.equals(o.getMetadata().getName()) && namespace.equals(o.getMetadata().getNamespace()))
                .findFirst().orElse(null);
    }

    private String age(HasMetadata o) {
        String ts = o.getMetadata().getCreationTimestamp();
        return ts == null ? "(unknown)" : Durations.format(Math.max(0, now - Instant.parse(ts).toEpochMilli()));
    }

    private String since(String timestamp) {
        try {
            return timestamp == null ? "" : " (since " + Durations.format(Math.max(0, now - Instant.parse(timestamp).toEpochMilli()))
                    + " ago)";
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** What a gang asks for, GPUs first: "8 nvidia.com/gpu, 16 cpu". */
    static String describe(Resources r) {
        List<String> parts = new ArrayList<>();
        if (r.milli(Keys.GPU) > 0) {
            parts.add(Resources.formatMilli(r.milli(Keys.GPU)) + " " + Keys.GPU);
        }
        if (r.milli(Keys.CPU) > 0) {
            parts.add(Resources.formatMilli(r.milli(Keys.CPU)) + " cpu");
        }
        return parts.isEmpty() ? "nothing" : String.join(", ", parts);
    }

    private static String ordinal(int n) {
        String suffix = n % 100 >= 11 && n % 100 <= 13 ? "th" : switch (n % 10) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
        return n + suffix;
    }
}
