package dev.phalanx.core.sim;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CycleReport;
import dev.phalanx.core.cycle.CycleRunner;
import dev.phalanx.core.cycle.Eviction;
import dev.phalanx.core.cycle.ReportPolicy;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.kube.Durations;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.kube.DraObjects;
import dev.phalanx.core.kube.VolumeObjects;
import dev.phalanx.core.kube.Manifests;
import dev.phalanx.core.model.GangPhase;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NamespaceInfo;
import dev.phalanx.core.model.PodGroupInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodPhase;
import dev.phalanx.core.model.Problem;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.workload.WorkloadManifests;
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
 * The discrete-event simulator: an {@link InMemoryCluster} driven by a simulated clock and scheduled by the
 * very same {@link CycleRunner}, {@link SchedulingCycle} and {@link ReportPolicy} that run live. Objects
 * arrive at their {@code sim.phalanx.dev/submit-at} time, bound pods finish after
 * {@code sim.phalanx.dev/run-for}, and a cycle runs whenever something changed. What it records comes from
 * the commits and the reports of those cycles.
 */
public final class Simulation implements InMemoryCluster.Listener {
    private static final int MAX_FOLLOW_UPS = 16;

    private final SimulationOptions options;
    private final InMemoryCluster cluster;
    private final CycleRunner runner;
    private final List<Problem> inputProblems = new ArrayList<>();

    // what happened
    private final Map<String, PodTrack> podTracks = new LinkedHashMap<>();
    // gangs whose every member has finished leave the cluster, so snapshots stay the size of the work still to
    // do however long the run; what the report needs of them is kept here
    private final Map<String, Integer> expectedMembers = new HashMap<>();
    private final Map<String, List<String>> membersOf = new HashMap<>();
    private final Map<String, PodInfo> finishedPods = new HashMap<>();
    private final Map<String, SimulationResult.PodGroupRecord> finishedGroups = new TreeMap<>();
    private final Map<String, GangTrack> gangTracks = new TreeMap<>();
    private final List<SimulationResult.Sample> timeline = new ArrayList<>();
    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private int bindings;
    private long seq;
    private long now;
    private int cycles;
    private double gpuSecondsAllocated;
    private double gpuSecondsLost;
    private CycleReport lastReport;
    private long followUpInstant = -1;
    private int followUps;
    private Consumer<Progress> progress = p -> { };

    public Simulation(Manifests manifests, SchedulingCycle cycle, ReportPolicy reporter, SimulationOptions options) {
        this.options = options;
        this.cluster = new InMemoryCluster(options.schedulerName()).listener(this).runTimesKnown(options.runTimesKnown());
        this.runner = new CycleRunner(cycle, reporter, cluster, cluster, () -> now);
        load(WorkloadManifests.expand(manifests));
    }

    /** The simulated cluster, as the run left it: its objects as the API server would hold them at the end. */
    public InMemoryCluster cluster() {
        return cluster;
    }

    /** Called after every cycle; the CLI shows it on a terminal. */
    public Simulation onProgress(Consumer<Progress> listener) {
        this.progress = listener;
        return this;
    }

    /** {@code bindings}: made so far (an evicted pod is bound again). */
    public record Progress(long simulatedMillis, int bindings, int gangsWaiting, int cycles) {
    }

    private static final class PodTrack {
        String gang;
        String queue;
        String podGroup;
        long submittedAt;
        Long boundAt;
        Long firstBoundAt;
        Long finishedAt;
        String node;
        List<Integer> devices = List.of();
        final List<Long> evictedAt = new ArrayList<>();
        final List<SimulationResult.Run> runs = new ArrayList<>(); // earlier runs, ended by an eviction
    }

    private static final class GangTrack {
        String queue;
        long submittedAt = -1;
        Long scheduledAt;
        CycleReport.GangReport last;
        SimulationResult.Owner owner;
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
        m.priorityClasses().forEach(s -> cluster.addPriorityClass(s.object().getMetadata().getName(), s.object().getValue()));
        m.namespaces().forEach(s -> cluster.addNamespace(KubeObjects.namespace(s.object())));
        m.nodes().forEach(s -> cluster.addNode(KubeObjects.node(s.object())));
        loadDra(m);
        for (Manifests.Sourced<Queue> s : m.queues()) {
            cluster.addQueue(KubeObjects.queue(s.object(), 0));
        }
        for (Manifests.Sourced<PodGroup> s : m.podGroups()) {
            Long at = submitAt(s.object(), s.source());
            if (at == null) {
                continue;
            }
            schedule(at, () -> addPodGroup(KubeObjects.podGroup(s.object(), at), at));
        }
        for (Manifests.Sourced<io.fabric8.kubernetes.api.model.GenericKubernetesResource> s : m.nativePodGroups()) {
            Long at = submitAt(s.object(), s.source());
            if (at != null) {
                schedule(at, () -> addPodGroup(KubeObjects.nativePodGroup(s.object(), at), at));
            }
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
            String ns = s.object().getMetadata().getNamespace();
            if (!cluster.hasNamespace(ns)) {
                cluster.addNamespace(new NamespaceInfo(ns, Map.of()));
            }
        }
    }

    /**
     * Devices, classes, claims and templates as the API server would hold them; a ComputeDomain's template as its
     * controller makes it; volume claims, volumes, storage classes and attach limits.
     */
    private void loadDra(Manifests m) {
        for (Manifests.Sourced<HasMetadata> s : m.resources()) {
            switch (s.object()) {
                case io.fabric8.kubernetes.api.model.PersistentVolumeClaim c -> cluster.addVolumeClaim(VolumeObjects.claim(c));
                case io.fabric8.kubernetes.api.model.PersistentVolume v -> cluster.addVolume(VolumeObjects.volume(v));
                case io.fabric8.kubernetes.api.model.storage.StorageClass c -> cluster.addStorageClass(VolumeObjects.storageClass(c));
                case io.fabric8.kubernetes.api.model.storage.CSINode n ->
                        cluster.addAttachLimits(n.getMetadata().getName(), VolumeObjects.attachLimits(n));
                case io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice slice -> cluster.addDevices(DraObjects.devices(slice));
                case io.fabric8.kubernetes.api.model.resource.v1.DeviceClass c ->
                        cluster.addDeviceClass(DraObjects.deviceClass(c, Map.of()));
                case io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim c -> cluster.addClaim(DraObjects.claim(c));
                case io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimTemplate t ->
                        cluster.addClaimTemplate(DraObjects.template(t));
                case io.fabric8.kubernetes.api.model.GenericKubernetesResource cd -> {
                    var template = DraObjects.computeDomainTemplate(cd);
                    if (template != null) {
                        cluster.addClaimTemplate(template);
                    } else {
                        inputProblems.add(new Problem("ComputeDomain", cd.getMetadata().getNamespace(), cd.getMetadata().getName(),
                                "spec.channel.resourceClaimTemplate.name is missing; no claim template is made for it"));
                    }
                }
                default -> { }
            }
        }
    }

    private void addPodGroup(PodGroupInfo g, long at) {
        cluster.addPodGroup(g);
        GangTrack t = gangTrack(g.key());
        t.submittedAt = at;
        t.owner = g.ownerKind() == null ? null : new SimulationResult.Owner(g.ownerKind(), g.ownerName());
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
        String group = KubeObjects.pod(pod, x -> 0, 0).podGroup();
        return pod.getMetadata().getNamespace() + "/" + (group == null ? pod.getMetadata().getName() : group);
    }

    private static String annotation(HasMetadata obj, String key) {
        Map<String, String> a = obj.getMetadata().getAnnotations();
        return a == null ? null : a.get(key);
    }

    private void submitPod(Pod pod, long at, long runFor) {
        PodInfo info = KubeObjects.pod(pod, name -> cluster.priorityClasses().getOrDefault(name, 0), at);
        if (info.phase() == PodPhase.BOUND) {
            info = info.withPhase(PodPhase.RUNNING); // placed before the start: it runs
        }
        // the claims of its ephemeral volumes are made with it, as the ephemeral volume controller makes them
        VolumeObjects.ephemeralClaims(pod).forEach(cluster::addVolumeClaim);
        cluster.addPod(info, runFor, KubeObjects.checkpoint(pod.getMetadata()));
        PodTrack t = new PodTrack();
        t.gang = gangKey(pod);
        membersOf.computeIfAbsent(t.gang, k -> new ArrayList<>()).add(info.key());
        t.submittedAt = at;
        t.podGroup = info.podGroup();
        podTracks.put(info.key(), t);
        if (info.phase().holdsResources()) {
            bindings++;
            t.boundAt = at;
            t.firstBoundAt = at;
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
            PodInfo p = cluster.pod(podKey);
            PodTrack track = podTracks.get(podKey);
            // the run this event ends may have been cut short by an eviction, and the pod bound again since
            if (p != null && p.phase().holdsResources() && track.boundAt != null && track.boundAt == boundAt) {
                cluster.finish(podKey);
                track.finishedAt = now;
            }
        });
    }

    /**
     * Moves a gang out of the cluster once all its members have arrived and the report has it finished,
     * keeping the phase that report gave it.
     */
    private void archiveIfDone(CycleReport.GangReport gang) {
        List<String> members = membersOf.get(gang.key());
        if (members == null || members.size() < expectedMembers.getOrDefault(gang.key(), 0)
                || !(gang.phase() == GangPhase.SUCCEEDED || gang.phase() == GangPhase.FAILED)
                || members.stream().anyMatch(m -> !cluster.pod(m).phase().finished())) {
            return;
        }
        PodGroupInfo group = cluster.removePodGroup(gang.key());
        for (String m : members) {
            finishedPods.put(m, cluster.removePod(m));
        }
        membersOf.remove(gang.key());
        if (group != null) {
            finishedGroups.put(gang.key(), groupRecord(gang, gangTrack(gang.key()), now));
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
            cluster.at(now);
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

    private void accumulate(long until) {
        gpuSecondsAllocated += cluster.allocatedGpus() * (until - now) / 1000.0;
    }

    private void runCycle() {
        CycleRunner.Outcome outcome = runner.runOnce();
        cycles++;
        // the gang the room was made for starts in a cycle at once, a bounded number of them at one instant, so
        // that no chain of evictions can hold the clock still
        if (!outcome.result().evictions().isEmpty() && followUpsAt(now) <= MAX_FOLLOW_UPS) {
            schedule(now, () -> { });
        }
    }

    private int followUpsAt(long instant) {
        if (instant != followUpInstant) {
            followUpInstant = instant;
            followUps = 0;
        }
        return ++followUps;
    }

    @Override
    public void evicted(Eviction e) {
        PodTrack t = podTracks.get(e.podKey());
        PodInfo p = cluster.pod(e.podKey());
        if (t.boundAt != null && p != null) {
            gpuSecondsLost += p.requests().units(Keys.GPU) * cluster.checkpoint(e.podKey()).workLostMillis(t.boundAt, now) / 1000.0;
        }
        t.runs.add(new SimulationResult.Run(t.node, t.devices, sec(t.boundAt), sec(now), e.reason(), e.forGang()));
        t.evictedAt.add(now);
        t.boundAt = null;
        t.node = null;
        t.devices = List.of();
    }

    @Override
    public void bound(Binding b) {
        bindings++;
        PodTrack t = podTracks.get(b.podKey());
        t.boundAt = now;
        if (t.firstBoundAt == null) {
            t.firstBoundAt = now;
        }
        t.node = b.node();
        t.devices = b.gpuDevices();
        scheduleFinish(b.podKey(), now, cluster.runFor(b.podKey())); // what is left of its run, after any checkpoint
    }

    @Override
    public void reported(CycleReport report) {
        lastReport = report;
        int waiting = 0;
        for (CycleReport.GangReport gang : report.gangs()) {
            GangTrack g = gangTrack(gang.key());
            g.queue = gang.queue();
            g.last = gang;
            for (String m : membersOf.getOrDefault(gang.key(), List.of())) {
                podTracks.get(m).queue = gang.queue();
            }
            if (gang.phase().started()) {
                if (g.scheduledAt == null) {
                    g.scheduledAt = now;
                }
            } else {
                waiting++;
            }
        }
        for (CycleReport.GangReport gang : report.gangs()) {
            archiveIfDone(gang);
        }
        Map<String, Double> alloc = new TreeMap<>();
        Map<String, Double> fair = new TreeMap<>();
        Map<String, Double> byWeights = new TreeMap<>();
        for (CycleReport.QueueReport q : report.queues()) {
            alloc.put(q.name(), q.allocated().getOrDefault(Keys.GPU, 0.0));
            fair.put(q.name(), q.fairShare().getOrDefault(Keys.GPU, 0.0));
            byWeights.put(q.name(), report.result().fairShares().byWeightsAlone(q.name(), Keys.GPU));
        }
        timeline.add(new SimulationResult.Sample(now / 1000.0, alloc, fair, cluster.allocatedGpus(), waiting, byWeights));
        progress.accept(new Progress(now, bindings, waiting, cycles));
    }

    private static SimulationResult.PodGroupRecord groupRecord(CycleReport.GangReport g, GangTrack t, long end) {
        Double wait = t.submittedAt < 0 ? null
                : (t.scheduledAt != null ? t.scheduledAt - t.submittedAt : end - t.submittedAt) / 1000.0;
        return new SimulationResult.PodGroupRecord(g.namespace(), g.name(), g.queue(), g.minMember(), g.topologyRequired(),
                g.phase().display(), t.submittedAt < 0 ? null : sec(t.submittedAt), sec(t.scheduledAt), wait,
                g.waiting() ? g.reasonCode() + ": " + g.message() : null, t.owner, g.subGroups().stream()
                .map(r -> new SimulationResult.SubGroupRecord(r.name(), r.parent(), r.minMember(), r.minSubGroups(), r.bound(),
                        r.started(), r.placement().isEmpty() ? null : r.placement())).toList());
    }

    private SimulationResult report(long end) {
        List<SimulationResult.PodRecord> podRecords = new ArrayList<>();
        Map<String, CycleReport.GangReport> lastOf = new HashMap<>();
        if (lastReport != null) {
            lastReport.gangs().forEach(g -> lastOf.put(g.key(), g));
        }
        int podsBound = 0;
        for (Map.Entry<String, PodTrack> e : podTracks.entrySet()) {
            PodInfo p = cluster.pod(e.getKey()) != null ? cluster.pod(e.getKey()) : finishedPods.get(e.getKey());
            PodTrack t = e.getValue();
            podsBound += t.firstBoundAt != null ? 1 : 0;
            CycleReport.GangReport gang = lastOf.get(t.gang);
            String reason = p.isPending() && gang != null && gang.waiting() ? gang.reasonCode() + ": " + gang.message() : null;
            Double wait = sec((t.firstBoundAt != null ? t.firstBoundAt : end) - t.submittedAt);
            podRecords.add(new SimulationResult.PodRecord(p.namespace(), p.name(), p.podGroup(), t.queue, t.node, t.devices,
                    sec(t.submittedAt), sec(t.boundAt), t.evictedAt.stream().map(Simulation::sec).toList(),
                    sec(t.finishedAt), List.copyOf(t.runs), wait, reason));
        }
        Map<String, SimulationResult.PodGroupRecord> groupRecords = new TreeMap<>(finishedGroups);
        List<SimulationResult.QueueRecord> queueRecords = new ArrayList<>();
        List<Problem> problems = new ArrayList<>(inputProblems);
        if (lastReport != null) {
            for (CycleReport.GangReport g : lastReport.gangs()) {
                if (!g.implicit() && !groupRecords.containsKey(g.key())) {
                    groupRecords.put(g.key(), groupRecord(g, gangTrack(g.key()), end));
                }
            }
            for (CycleReport.QueueReport q : lastReport.queues()) {
                queueRecords.add(new SimulationResult.QueueRecord(q.name(), q.parent(), new TreeMap<>(q.fairShare()),
                        new TreeMap<>(q.allocated()), q.invalidReason()));
            }
            problems.addAll(lastReport.after().problems());
        }
        int scheduled = 0, pending = 0;
        for (SimulationResult.PodGroupRecord r : groupRecords.values()) {
            if (r.scheduledAt() != null) {
                scheduled++;
            } else {
                pending++;
            }
        }
        Snapshot s = cluster.snapshot(end);
        double totalGpus = s.totalAllocatable().units(Keys.GPU);
        double ratio = totalGpus == 0 ? 0 : end == 0 ? cluster.allocatedGpus() / totalGpus
                : gpuSecondsAllocated / (totalGpus * end / 1000.0);
        int evictions = podTracks.values().stream().mapToInt(t -> t.evictedAt.size()).sum();
        var summary = new SimulationResult.Summary(end / 1000.0, ratio, podsBound, bindings, scheduled, pending, evictions,
                cycles, totalGpus, gpuSecondsAllocated / 3600, gpuSecondsLost / 3600);
        return new SimulationResult(summary, podRecords, List.copyOf(groupRecords.values()), queueRecords, problems, timeline);
    }

    private static Double sec(Long millis) {
        return millis == null ? null : millis / 1000.0;
    }
}
