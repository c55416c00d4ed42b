package dev.phalanx.scheduler;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CycleResult;
import dev.phalanx.core.cycle.CyclePolicies;
import dev.phalanx.core.cycle.Eviction;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.cycle.PreemptionPolicy;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodGroupInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodPhase;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.SnapshotAssembler;
import dev.phalanx.core.model.SubGroupStart;
import dev.phalanx.core.model.SubGroups;
import dev.phalanx.testing.PropertySeeds;
import dev.phalanx.testing.Testing;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Invariants 2 and 4 for gangs with subgroups, on random racks and spines, random busy nodes, segmented jobs and
 * subgroup trees, cycle after cycle (members finishing and gangs preempting in between): after every cycle, each gang
 * that started has its tree satisfied (nothing half-started), each started leaf holds at least its minimum inside one
 * domain of its required key, each inner subgroup with a key has its members in one domain of it, the gang's members
 * are inside one domain of its required key, and no node holds more GPUs than it has.
 */
class SubGroupInvariantsTest {
    @TestFactory
    Stream<DynamicTest> everyStartedSubGroupIsCompleteAndInsideOneDomain() {
        return PropertySeeds.tests(60, seed -> run(seed, Policies.defaultCycle()));
    }

    @TestFactory
    Stream<DynamicTest> theSameWithBestFitAndNoPreemption() {
        return PropertySeeds.tests(40, seed -> run(seed, new SchedulingCycle(new CyclePolicies(
                new dev.phalanx.queue.FairShareCalculator(), new dev.phalanx.queue.GangAdmission(),
                new dev.phalanx.placement.BestFitPlacement(), PreemptionPolicy.NONE, true,
                CyclePolicies.DEFAULT_STALE_GANG_GRACE_MILLIS))));
    }

    private record World(List<NodeInfo> nodes, Map<String, PodInfo> pods, List<PodGroupInfo> groups) {
    }

    private static World randomWorld(long seed) {
        Random r = new Random(seed);
        List<NodeInfo> nodes = new ArrayList<>();
        int spines = 1 + r.nextInt(3);
        int racksPerSpine = 1 + r.nextInt(3);
        int nodesPerRack = 2 + r.nextInt(5);
        for (int s = 0; s < spines; s++) {
            for (int k = 0; k < racksPerSpine; k++) {
                for (int i = 0; i < nodesPerRack; i++) {
                    nodes.add(KubeObjects.node(node("s" + s + "r" + k + "n" + i, 4, Keys.CLIQUE_LABEL, "s" + s + "r" + k,
                            Keys.SPINE_LABEL, "s" + s)));
                }
            }
        }
        Map<String, PodInfo> pods = new LinkedHashMap<>();
        for (NodeInfo n : nodes) {
            if (r.nextInt(4) == 0) {
                PodInfo busy = Testing.podInfo(pod("x", "busy-" + n.name()).gpus(1 + r.nextInt(4)).onNode(n.name()).build());
                pods.put(busy.key(), busy.withPhase(PodPhase.RUNNING));
            }
        }
        List<PodGroupInfo> groups = new ArrayList<>();
        int gangs = 1 + r.nextInt(5);
        for (int g = 0; g < gangs; g++) {
            String name = "g" + g;
            int gpus = 1 + r.nextInt(4);
            Testing.PodGroupFixture pg;
            List<Testing.PodFixture> members = new ArrayList<>();
            if (r.nextBoolean()) { // segments
                int size = 1 + r.nextInt(nodesPerRack + 1);
                int count = size * (1 + r.nextInt(3)) + r.nextInt(2);
                pg = podGroup("ns", name, count).segments(size, Keys.CLIQUE_LABEL);
                for (int k = 0; k < count; k++) {
                    members.add(pod("ns", name + "-" + k).gpus(gpus).label("batch.kubernetes.io/job-completion-index", String.valueOf(k)));
                }
            } else { // a router and an inner group of leaves, 1 or all of them needed
                int leaves = 1 + r.nextInt(3);
                int perLeaf = 1 + r.nextInt(nodesPerRack);
                boolean one = r.nextBoolean();
                pg = podGroup("ns", name, 1 + (one ? perLeaf : leaves * perLeaf)).subGroup("router", null, 1, null, null)
                        .subGroup("work", null, null, one ? 1 : null, r.nextBoolean() ? Keys.SPINE_LABEL : null);
                members.add(pod("ns", name + "-router").cpu("1").label(SubGroups.SUBGROUP_LABEL, "router"));
                for (int l = 0; l < leaves; l++) {
                    pg.subGroup("w" + l, "work", perLeaf, null, Keys.CLIQUE_LABEL);
                    for (int k = 0; k < perLeaf + r.nextInt(2); k++) {
                        members.add(pod("ns", name + "-w" + l + "-" + k).gpus(gpus).label(SubGroups.SUBGROUP_LABEL, "w" + l));
                    }
                }
            }
            if (r.nextInt(3) == 0) {
                pg.required(Keys.SPINE_LABEL);
            }
            if (r.nextInt(4) == 0) {
                pg.priorityClass("high");
            }
            groups.add(KubeObjects.podGroup(pg.queue("q").build(), g));
            for (Testing.PodFixture m : members) {
                PodInfo p = Testing.podInfo(m.group(name).build());
                pods.put(p.key(), p);
            }
        }
        return new World(nodes, pods, groups);
    }

    private static void run(long seed, SchedulingCycle cycle) {
        World w = randomWorld(seed);
        Random r = new Random(seed ^ 0x5eed);
        QueueInfo q = KubeObjects.queue(queue("q").gpu("0", 1, "-1").build(), 0);
        Map<String, PodInfo> pods = new LinkedHashMap<>(w.pods());
        Map<String, NodeInfo> nodes = new HashMap<>();
        w.nodes().forEach(n -> nodes.put(n.name(), n));
        for (int c = 0; c < 5; c++) {
            Snapshot s = new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(60_000L * c, w.nodes(),
                    new ArrayList<>(pods.values()), w.groups(), Map.of("q", q), Map.of(), Map.of("high", 100));
            CycleResult result = cycle.decide(s);
            for (Eviction e : result.evictions()) {
                pods.computeIfPresent(e.podKey(), (k, p) -> p.withPhase(PodPhase.PENDING));
            }
            for (GangDecision d : result.placed()) {
                for (Binding b : d.bindings()) {
                    PodInfo p = pods.get(b.podKey());
                    pods.put(p.key(), p.bound(b.node(), b.gpuDevices()).withPhase(PodPhase.RUNNING));
                }
            }
            check(pods, nodes, w, c);
            // some running gangs finish whole, so later cycles place into freed room
            for (PodGroupInfo g : w.groups()) {
                if (r.nextInt(4) == 0) {
                    pods.replaceAll((k, p) -> g.name().equals(p.podGroup()) && p.phase().holdsResources()
                            ? p.withPhase(PodPhase.SUCCEEDED) : p);
                }
            }
        }
    }

    private static void check(Map<String, PodInfo> pods, Map<String, NodeInfo> nodes, World w, int cycle) {
        Map<String, Long> used = new HashMap<>();
        for (PodInfo p : pods.values()) {
            if (p.phase().holdsResources()) {
                used.merge(p.nodeName(), p.requests().milli(Keys.GPU), Long::sum);
            }
        }
        used.forEach((n, gpu) -> assertThat(gpu).as("cycle %d: GPUs on %s", cycle, n)
                .isLessThanOrEqualTo(nodes.get(n).allocatable().milli(Keys.GPU)));
        Snapshot s = new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(0, w.nodes(), new ArrayList<>(pods.values()),
                w.groups(), Map.of("q", KubeObjects.queue(queue("q").gpu("0", 1, "-1").build(), 0)), Map.of(), Map.of());
        for (Gang g : s.gangs()) {
            if (!g.hasSubGroups() || g.bound().isEmpty()) {
                continue;
            }
            assertThat(g.missingToStart()).as("cycle %d: %s runs %d pods, its subgroups not all complete", cycle, g.key(),
                    g.bound().size()).isZero();
            SubGroups tree = g.subGroups();
            SubGroupStart.Progress progress = SubGroupStart.progress(g);
            if (g.topologyRequired() != null) {
                assertThat(domains(g.bound(), nodes, g.topologyRequired())).as("cycle %d: %s in one %s", cycle, g.key(),
                        g.topologyRequired()).hasSize(1);
            }
            for (SubGroups.Node n : tree.nodes()) {
                List<PodInfo> bound = new ArrayList<>();
                tree.leavesUnder(n).forEach(l -> bound.addAll(tree.membersOf(l.name(), g.bound())));
                if (tree.isLeaf(n) && !bound.isEmpty()) {
                    assertThat(bound.size()).as("cycle %d: %s %s holds its minimum", cycle, g.key(), n.describe())
                            .isGreaterThanOrEqualTo(n.minMember() - (int) tree.membersOf(n.name(), g.members()).stream()
                                    .filter(p -> p.phase().finished()).count());
                    assertThat(progress.started(n.name())).isTrue();
                }
                if (n.required() != null && !bound.isEmpty()) {
                    assertThat(domains(bound, nodes, n.required())).as("cycle %d: %s %s in one %s", cycle, g.key(),
                            n.describe(), n.required()).hasSize(1);
                }
            }
        }
    }

    private static Set<String> domains(List<PodInfo> pods, Map<String, NodeInfo> nodes, String key) {
        Set<String> out = new HashSet<>();
        pods.forEach(p -> out.add(nodes.get(p.nodeName()).label(key)));
        return out;
    }
}
