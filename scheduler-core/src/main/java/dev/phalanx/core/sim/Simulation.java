package dev.phalanx.core.sim;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CycleResult;
import dev.phalanx.core.cycle.Eviction;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.cycle.QueueUsage;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.kube.Durations;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.kube.Manifests;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.GangPhase;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NamespaceInfo;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodGroupInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodPhase;
import dev.phalanx.core.model.Planning;
import dev.phalanx.core.model.Problem;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.SnapshotAssembler;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The discrete-event simulator: an in-memory cluster driven by a simulated clock, scheduled by the
 * very same {@link SchedulingCycle} that runs live. Objects arrive at their {@code sim.phalanx.dev/submit-at}
 * time, bound pods finish after {@code sim.phalanx.dev/run-for}, and a cycle runs whenever something changed.
 */
public final class Simulation {
    private final SchedulingCycle cycle;
    private final SimulationOptions options;
    private final SnapshotAssembler assembler;

    // cluster state
    private final List<NodeInfo> nodes = new ArrayList<>();
    private final Map<String, NamespaceInfo> namespaces = new TreeMap<>();
    private final Map<String, QueueInfo> queues = new TreeMap<>();
    private final Map<String, Integer> priorityClasses = new TreeMap<>();
    private final Map<String, PodGroupInfo> podGroups = new TreeMap<>();
    private final Map<String, PodInfo> pods = new TreeMap<>();
    private final List<Problem> inputProblems = new ArrayList<>();

    // what happened
    private final Map<String, PodTrack> podTracks = new LinkedHashMap<>();
    // gangs whose every member has finished leave the live state, so snapshots stay the size of the work
    // still to do however long the run; what the report needs of them is kept here
    private final Map<String, Integer> expectedMembers = new HashMap<>();
    private final Map<String, List<String>> membersOf = new HashMap<>();
    private final Map<String, PodInfo> finishedPods = new HashMap<>();
    private final Map<String, SimulationResult.PodGroupRecord> finishedGroups = new TreeMap<>();
    private int podsBound;
    private final Map<String, GangTrack> gangTracks = new TreeMap<>();
    private final List<SimulationResult.Sample> timeline = new ArrayList<>();
    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private long seq;
    private long now;
    private int cycles;
    private double gpuSecondsAllocated;
    private CycleResult lastCycle;
    private Consumer<Progress> progress = p -> { };

    public Simulation(Manifests manifests, SchedulingCycle cycle, SimulationOptions options) {
        this.cycle = cycle;
        this.options = options;
        this.assembler = new SnapshotAssembler(options.schedulerName());
        load(manifests);
    }

    /** Called after every cycle; the CLI shows it on a terminal. */
    public Simulation onProgress(Consumer<Progress> listener) {
        this.progress = listener;
        return this;
    }

    public record Progress(long simulatedMillis, int podsBound, int gangsWaiting, int cycles) {
    }

    private static final class PodTrack {
        String gang;
        String queue;
        String podGroup;
        long submittedAt;
        Long boundAt;
        Long finishedAt;
        String node;
        List<Integer> devices = List.of();
        final List<Long> evictedAt = new ArrayList<>();
        final List<SimulationResult.Run> runs = new ArrayList<>(); // earlier runs, ended by an eviction
        long runForMillis = -1; // -1: runs until the end
    }

    private static final class GangTrack {
        String queue;
        long submittedAt = -1;
        Long scheduledAt;
        String reason;
    }

    private record Event(long at, long seq, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            return at != o.at ? Long.compare(at, o.at) : Long.compare(seq, o.seq);
        }
    }

    private void schedule(long at, Runnable action) {
        events.add(new Event(at, seq++, action));
    }

    private void load(Manifests m) {
        m.priorityClasses().forEach(s -> priorityClasses.put(s.object().getMetadata().getName(), s.object().getValue()));
        m.namespaces().forEach(s -> namespaces.put(s.object().getMetadata().getName(), KubeObjects.namespace(s.object())));
        m.nodes().forEach(s -> nodes.add(KubeObjects.node(s.object())));
        nodes.sort(java.util.Comparator.comparing(NodeInfo::name));
        for (Manifests.Sourced<Queue> s : m.queues()) {
            queues.put(s.object().getMetadata().getName(), KubeObjects.queue(s.object(), 0));
        }
        for (Manifests.Sourced<PodGroup> s : m.podGroups()) {
            Long at = submitAt(s.object(), s.source());
            if (at == null) {
                continue;
            }
            schedule(at, () -> {
                PodGroupInfo g = KubeObjects.podGroup(s.object(), at);
                podGroups.put(g.key(), g);
                gangTrack(g.key()).submittedAt = at;
            });
        }
        for (Manifests.Sourced<Pod> s : m.pods()) {
            Pod pod = s.object();
            Long at = submitAt(pod, s.source());
            if (at == null) {
                continue;
            }
            expectedMembers.merge(gangKey(pod), 1, Integer::sum);
            long runFor = -1;
            String runText = annotation(pod, Keys.SIM_RUN_FOR);
            if (runText != null) {
                try {
                    runFor = Durations.parseMillis(runText);
                } catch (IllegalArgumentException e) {
                    inputProblems.add(new Problem("Pod", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                            "annotation " + Keys.SIM_RUN_FOR + ": " + e.getMessage() + "; it runs until the end"));
                }
            }
            long finalRunFor = runFor;
            schedule(at, () -> submitPod(pod, at, finalRunFor));
        }
        // namespaces that pods use but nobody declared exist, without labels (as in a cluster's "default")
        for (Manifests.Sourced<Pod> s : m.pods()) {
            namespaces.putIfAbsent(s.object().getMetadata().getNamespace(),
                    new NamespaceInfo(s.object().getMetadata().getNamespace(), Map.of()));
        }
    }

    private Long submitAt(HasMetadata obj, String source) {
        String text = annotation(obj, Keys.SIM_SUBMIT_AT);
        if (text == null) {
            return 0L;
        }
        try {
            return Durations.parseMillis(text);
        } catch (IllegalArgumentException e) {
            inputProblems.add(new Problem(obj.getKind(), obj.getMetadata().getNamespace(), obj.getMetadata().getName(),
                    "annotation " + Keys.SIM_SUBMIT_AT + ": " + e.getMessage() + " (in " + source + "); it is left out"));
            return null;
        }
    }

    private static String gangKey(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        String group = labels == null ? null : labels.get(Keys.POD_GROUP_LABEL);
        return pod.getMetadata().getNamespace() + "/" + (group == null ? pod.getMetadata().getName() : group);
    }

    private static String annotation(HasMetadata obj, String key) {
        Map<String, String> a = obj.getMetadata().getAnnotations();
        return a == null ? null : a.get(key);
    }

    private void submitPod(Pod pod, long at, long runFor) {
        PodInfo info = KubeObjects.pod(pod, name -> priorityClasses.getOrDefault(name, 0), at);
        pods.put(info.key(), info);
        PodTrack t = new PodTrack();
        t.gang = gangKey(pod);
        membersOf.computeIfAbsent(t.gang, k -> new ArrayList<>()).add(info.key());
        t.submittedAt = at;
        t.podGroup = info.podGroup();
        t.runForMillis = runFor;
        podTracks.put(info.key(), t);
        if (info.phase() == PodPhase.BOUND) {
            podsBound++;
            t.boundAt = at;
            t.node = info.nodeName();
            scheduleFinish(info.key(), at, runFor);
        }
        if (info.podGroup() == null && Keys.SCHEDULER_NAME.equals(info.schedulerName())) {
            gangTrack(info.key()).submittedAt = at;
        }
    }

    private GangTrack gangTrack(String key) {
        return gangTracks.computeIfAbsent(key, k -> new GangTrack());
    }

    private void scheduleFinish(String podKey, long boundAt, long runFor) {
        if (runFor < 0) {
            return;
        }
        schedule(boundAt + runFor, () -> {
            PodInfo p = pods.get(podKey);
            PodTrack track = podTracks.get(podKey);
            // the run this event ends may have been cut short by an eviction, and the pod bound again since
            if (p != null && p.phase() == PodPhase.BOUND && track.boundAt != null && track.boundAt == boundAt) {
                pods.put(podKey, p.withPhase(PodPhase.SUCCEEDED));
                PodTrack t = podTracks.get(podKey);
                t.finishedAt = now;
                archiveIfDone(t.gang);
            }
        });
    }

    /** Moves a gang out of the live state once all its members have arrived and finished. */
    private void archiveIfDone(String gang) {
        List<String> members = membersOf.get(gang);
        if (members.size() < expectedMembers.getOrDefault(gang, 0)) {
            return;
        }
        boolean failed = false;
        for (String m : members) {
            PodPhase phase = pods.get(m).phase();
            if (phase != PodPhase.SUCCEEDED && phase != PodPhase.FAILED) {
                return;
            }
            failed |= phase == PodPhase.FAILED;
        }
        PodGroupInfo group = podGroups.remove(gang);
        for (String m : members) {
            finishedPods.put(m, pods.remove(m));
        }
        membersOf.remove(gang);
        if (group != null) {
            GangTrack g = gangTrack(gang);
            Double wait = g.scheduledAt == null || g.submittedAt < 0 ? null : (g.scheduledAt - g.submittedAt) / 1000.0;
            finishedGroups.put(gang, new SimulationResult.PodGroupRecord(group.namespace(), group.name(), g.queue,
                    group.minMember(), group.topologyRequired(), failed ? "Failed" : "Succeeded",
                    g.submittedAt < 0 ? null : sec(g.submittedAt), sec(g.scheduledAt), wait, null));
        }
    }

    /** Runs to {@code until} or until nothing more can change, and reports. */
    public SimulationResult run() {
        now = 0;
        long end = 0;
        boolean first = true;
        while (first || !events.isEmpty()) {
            long next = events.isEmpty() ? now : events.peek().at();
            if (next > options.untilMillis()) {
                break;
            }
            accumulate(next);
            now = next;
            while (!events.isEmpty() && events.peek().at() == now) {
                events.poll().action().run();
            }
            runCycle();
            end = now;
            first = false;
        }
        if (!events.isEmpty()) { // stopped by --until with work still to come
            accumulate(options.untilMillis());
            end = options.untilMillis();
            now = end;
        }
        return report(end);
    }

    private double allocatedGpus() {
        double sum = 0;
        for (PodInfo p : pods.values()) {
            if (p.phase().holdsResources()) {
                sum += p.requests().units(Keys.GPU);
            }
        }
        return sum;
    }

    private void accumulate(long until) {
        gpuSecondsAllocated += allocatedGpus() * (until - now) / 1000.0;
    }

    private Snapshot snapshot() {
        Map<String, Long> expectedEnds = new HashMap<>();
        Map<String, Long> runtimes = new HashMap<>();
        Map<String, Long> startedAt = new HashMap<>();
        pods.keySet().forEach(key -> {
            PodTrack t = podTracks.get(key);
            if (t.boundAt != null && t.finishedAt == null) {
                startedAt.put(key, t.boundAt);
            }
            if (t.runForMillis >= 0) {
                runtimes.put(key, t.runForMillis);
                if (t.boundAt != null && t.finishedAt == null) {
                    expectedEnds.put(key, t.boundAt + t.runForMillis);
                }
            }
        });
        return assembler.assemble(now, nodes, List.copyOf(pods.values()), List.copyOf(podGroups.values()), queues,
                namespaces, priorityClasses).withPlanning(new Planning(expectedEnds, runtimes,
                lastCycle == null ? Map.of() : lastCycle.reservations(), startedAt, java.util.Set.of(),
                lastCycle == null ? java.util.Set.of() : lastCycle.nominated()));
    }

    private void runCycle() {
        Snapshot snapshot = snapshot();
        CycleResult result = cycle.decide(snapshot);
        cycles++;
        lastCycle = result;
        // evictions first: the victims' pods end at once (no grace period in simulation) and come back
        // pending in their gang; the gang they made room for starts in the cycle that follows
        for (Eviction e : result.evictions()) {
            evict(e);
        }
        // a cycle at once for the gang the room was made for; a bounded number of them at one instant, so
        // that no chain of evictions can hold the clock still
        if (!result.evictions().isEmpty() && followUpsAt(now) <= MAX_FOLLOW_UPS) {
            schedule(now, () -> { });
        }
        for (GangDecision d : result.decisions()) {
            GangTrack g = gangTrack(d.gangKey());
            g.queue = d.queue();
            if (d.outcome() == GangDecision.Outcome.PLACED) {
                for (Binding b : d.bindings()) {
                    bind(b);
                }
            } else {
                g.reason = d.message();
            }
        }
        // gangs that reached minMember now count as scheduled
        Snapshot after = snapshot();
        int waiting = 0;
        for (Gang gang : after.gangs()) {
            GangTrack g = gangTrack(gang.key());
            g.queue = gang.queue();
            for (PodInfo m : gang.members()) {
                podTracks.get(m.key()).queue = gang.queue();
            }
            if (gang.phase() != GangPhase.PENDING) {
                if (g.scheduledAt == null) {
                    g.scheduledAt = now;
                }
                g.reason = null;
            } else {
                waiting++;
                if (gang.invalidReason() != null) {
                    g.reason = "Invalid: " + gang.invalidReason();
                } else if (g.reason == null) {
                    g.reason = "WaitingForMembers: " + gang.members().size() + " of minMember " + gang.minMember()
                            + " pods exist";
                }
            }
        }
        Map<String, Double> alloc = new TreeMap<>();
        Map<String, Double> fair = new TreeMap<>();
        for (String q : queues.keySet()) {
            alloc.put(q, result.allocatedAfter().getOrDefault(q, Map.of()).getOrDefault(Keys.GPU, 0.0));
            fair.put(q, result.fairShares().of(q, Keys.GPU));
        }
        timeline.add(new SimulationResult.Sample(now / 1000.0, alloc, fair, allocatedGpus(), waiting));
        progress.accept(new Progress(now, podsBound, waiting, cycles));
    }

    private static final int MAX_FOLLOW_UPS = 16;
    private long followUpInstant = -1;
    private int followUps;

    private int followUpsAt(long instant) {
        if (instant != followUpInstant) {
            followUpInstant = instant;
            followUps = 0;
        }
        return ++followUps;
    }

    private void evict(Eviction e) {
        PodInfo p = pods.get(e.podKey());
        if (p == null || !p.phase().holdsResources()) {
            throw new IllegalStateException("cycle evicted " + e.podKey() + " which holds nothing");
        }
        pods.put(e.podKey(), p.withPhase(PodPhase.PENDING));
        PodTrack t = podTracks.get(e.podKey());
        t.runs.add(new SimulationResult.Run(t.node, t.devices, sec(t.boundAt), sec(now), e.reason(), e.forGang()));
        t.evictedAt.add(now);
        t.boundAt = null;
        t.node = null;
        t.devices = List.of();
    }

    private void bind(Binding b) {
        PodInfo p = pods.get(b.podKey());
        if (p == null || p.phase() != PodPhase.PENDING) {
            throw new IllegalStateException("cycle bound " + b.podKey() + " which is not pending");
        }
        pods.put(b.podKey(), p.bound(b.node(), b.gpuDevices()));
        podsBound++;
        PodTrack t = podTracks.get(b.podKey());
        t.boundAt = now;
        t.node = b.node();
        t.devices = b.gpuDevices();
        scheduleFinish(b.podKey(), now, t.runForMillis);
    }

    private SimulationResult report(long end) {
        Snapshot s = snapshot();
        List<SimulationResult.PodRecord> podRecords = new ArrayList<>();
        for (Map.Entry<String, PodTrack> e : podTracks.entrySet()) {
            PodInfo p = pods.containsKey(e.getKey()) ? pods.get(e.getKey()) : finishedPods.get(e.getKey());
            PodTrack t = e.getValue();
            podRecords.add(new SimulationResult.PodRecord(p.namespace(), p.name(), p.podGroup(), t.queue, t.node, t.devices,
                    sec(t.submittedAt), sec(t.boundAt), t.evictedAt.stream().map(Simulation::sec).toList(),
                    sec(t.finishedAt), List.copyOf(t.runs)));
        }
        Map<String, SimulationResult.PodGroupRecord> groupRecords = new TreeMap<>(finishedGroups);
        int scheduled = finishedGroups.size(), pending = 0;
        for (Gang g : s.gangs()) {
            if (g.implicit()) {
                continue;
            }
            GangTrack t = gangTrack(g.key());
            GangPhase phase = g.phase();
            if (t.scheduledAt != null) {
                scheduled++;
            } else {
                pending++;
            }
            Double wait = t.submittedAt < 0 ? null
                    : (t.scheduledAt != null ? t.scheduledAt - t.submittedAt : end - t.submittedAt) / 1000.0;
            String reason = phase == GangPhase.PENDING ? t.reason : null;
            groupRecords.put(g.key(), new SimulationResult.PodGroupRecord(g.namespace(), g.name(), g.queue(), g.minMember(),
                    g.topologyRequired(), phase.display(), t.submittedAt < 0 ? null : sec(t.submittedAt),
                    sec(t.scheduledAt), wait, reason));
        }
        List<SimulationResult.QueueRecord> queueRecords = new ArrayList<>();
        QueueUsage usage = new QueueUsage(s);
        for (QueueInfo q : s.queues().values()) {
            Map<String, Double> fair = lastCycle == null ? Map.of() : lastCycle.fairShares().byQueue().getOrDefault(q.name(), Map.of());
            queueRecords.add(new SimulationResult.QueueRecord(q.name(), q.parent(), new TreeMap<>(fair),
                    new TreeMap<>(usage.allocated(q.name()).asUnitMap()), q.invalidReason()));
        }
        List<Problem> problems = new ArrayList<>(inputProblems);
        problems.addAll(s.problems());
        double totalGpus = s.totalAllocatable().units(Keys.GPU);
        double ratio = totalGpus == 0 ? 0 : end == 0 ? allocatedGpus() / totalGpus
                : gpuSecondsAllocated / (totalGpus * end / 1000.0);
        int evictions = podTracks.values().stream().mapToInt(t -> t.evictedAt.size()).sum();
        var summary = new SimulationResult.Summary(end / 1000.0, ratio, podsBound, scheduled, pending, evictions, cycles,
                totalGpus);
        return new SimulationResult(summary, podRecords, List.copyOf(groupRecords.values()), queueRecords, problems, timeline);
    }

    private static Double sec(Long millis) {
        return millis == null ? null : millis / 1000.0;
    }
}
