package dev.phalanx.scheduler;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CycleResult;
import dev.phalanx.core.cycle.Eviction;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodGroupInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodPhase;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.SnapshotAssembler;
import dev.phalanx.testing.PropertySeeds;
import dev.phalanx.testing.Testing;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Invariant 9 on random clusters, gangs and constraints, checked binding by binding against an oracle that counts
 * from the pods themselves: no two pods on a node share a host port, no required anti-affinity (of the pod or of a pod
 * already there) is broken, every required affinity is met (or the pod is the first of a group that follows itself),
 * and the domain a pod with DoNotSchedule spread lands in holds at most maxSkew more matching pods than the least
 * loaded one. Run with the search and with best fit alone.
 */
class PodConstraintsInvariantsTest {
    private static final String[] APPS = {"a", "b", "c"};
    private static final String[] KEYS = {Keys.HOSTNAME_LABEL, Keys.ZONE_LABEL, Keys.RACK_LABEL};

    @TestFactory
    Stream<DynamicTest> everyBindingKeepsThePodConstraintsWithTheSearch() {
        return PropertySeeds.tests(60, seed -> run(seed, Policies.defaultCycle()));
    }

    @TestFactory
    Stream<DynamicTest> everyBindingKeepsThePodConstraintsWithBestFit() {
        return PropertySeeds.tests(60, seed -> run(seed, new SchedulingCycle(
                new dev.phalanx.core.cycle.CyclePolicies(new dev.phalanx.queue.FairShareCalculator(),
                        new dev.phalanx.queue.GangAdmission(), new dev.phalanx.placement.BestFitPlacement(),
                        dev.phalanx.core.cycle.PreemptionPolicy.NONE, true,
                        dev.phalanx.core.cycle.CyclePolicies.DEFAULT_STALE_GANG_GRACE_MILLIS))));
    }

    private record World(List<NodeInfo> nodes, Map<String, PodInfo> pods, List<PodGroupInfo> groups) {
    }

    private static World randomWorld(long seed) {
        Random r = new Random(seed);
        List<NodeInfo> nodes = new ArrayList<>();
        int n = 3 + r.nextInt(8);
        for (int i = 0; i < n; i++) {
            var node = node("n" + i, r.nextInt(3) == 0 ? 0 : 8, Keys.ZONE_LABEL, "z" + r.nextInt(3), Keys.RACK_LABEL, "r" + r.nextInt(4));
            if (r.nextInt(5) == 0) {
                node.getMetadata().getLabels().remove(Keys.RACK_LABEL); // a node without every topology label
            }
            if (r.nextInt(4) == 0) {
                node.getStatus().getAllocatable().put("pods", new io.fabric8.kubernetes.api.model.Quantity(String.valueOf(2 + r.nextInt(3))));
            }
            nodes.add(KubeObjects.node(node));
        }
        Map<String, PodInfo> pods = new LinkedHashMap<>();
        // pods already running, placed anywhere their own rules allow by the oracle
        int running = r.nextInt(2 * n);
        for (int k = 0; k < running; k++) {
            PodInfo p = Testing.podInfo(randomPod(r, "ns" + r.nextInt(2), "run-" + k, null).scheduler("default-scheduler").build());
            List<NodeInfo> ok = nodes.stream().filter(x -> Oracle.allows(p, x, pods.values(), nodes) == null).toList();
            if (!ok.isEmpty()) {
                pods.put(p.key(), p.bound(ok.get(r.nextInt(ok.size())).name(), List.of()).withPhase(PodPhase.RUNNING));
            }
        }
        List<PodGroupInfo> groups = new ArrayList<>();
        int gangs = 2 + r.nextInt(6);
        for (int g = 0; g < gangs; g++) {
            String ns = "ns" + r.nextInt(2);
            int size = 1 + r.nextInt(4);
            String name = "g" + g;
            groups.add(KubeObjects.podGroup(podGroup(ns, name, size).queue("q").build(), g));
            // one set of rules for the whole gang, as a workload's template gives them
            long memberSeed = r.nextLong();
            for (int k = 0; k < size; k++) {
                PodInfo p = Testing.podInfo(randomPod(new Random(memberSeed), ns, name + "-" + k, name).group(name).build());
                pods.put(p.key(), p);
            }
        }
        return new World(nodes, pods, groups);
    }

    private static Testing.PodFixture randomPod(Random r, String ns, String name, String job) {
        Testing.PodFixture f = pod(ns, name).cpu(String.valueOf(1 + r.nextInt(4))).gpus(r.nextInt(3));
        String app = APPS[r.nextInt(APPS.length)];
        f.label("app", app);
        if (job != null) {
            f.label("job", job);
        }
        String selfKey = job != null && r.nextBoolean() ? "job" : "app";
        String selfValue = selfKey.equals("job") ? job : app;
        switch (r.nextInt(7)) {
            case 0 -> f.antiAffinity(KEYS[r.nextInt(KEYS.length)], selfKey, selfValue);
            case 1 -> f.antiAffinity(KEYS[r.nextInt(KEYS.length)], "app", APPS[r.nextInt(APPS.length)]);
            case 2 -> f.affinity(KEYS[1 + r.nextInt(2)], selfKey, selfValue);
            case 3 -> f.affinity(KEYS[r.nextInt(KEYS.length)], "app", APPS[r.nextInt(APPS.length)]);
            case 4 -> f.spread(1 + r.nextInt(2), KEYS[r.nextInt(KEYS.length)], true, selfKey, selfValue);
            case 5 -> f.hostPort(8080 + r.nextInt(2), "TCP", r.nextBoolean() ? null : "10.0.0." + r.nextInt(2));
            default -> { }
        }
        if (r.nextInt(4) == 0) {
            f.spread(1, Keys.ZONE_LABEL, true, "app", app);
        }
        return f;
    }

    private static void run(long seed, SchedulingCycle cycle) {
        World w = randomWorld(seed);
        QueueInfo q = KubeObjects.queue(queue("q").gpu("0", 1, "-1").build(), 0);
        Map<String, PodInfo> pods = new LinkedHashMap<>(w.pods());
        for (int c = 0; c < 4; c++) {
            List<PodInfo> all = new ArrayList<>(pods.values());
            Snapshot s = new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(1000L * c, w.nodes(), all, w.groups(),
                    Map.of("q", q), Map.of(), Map.of());
            CycleResult result = cycle.decide(s);
            for (Eviction e : result.evictions()) {
                pods.computeIfPresent(e.podKey(), (k, p) -> p.withPhase(PodPhase.PENDING));
            }
            for (GangDecision d : result.placed()) {
                for (Binding b : d.bindings()) {
                    PodInfo p = pods.get(b.podKey());
                    NodeInfo node = w.nodes().stream().filter(x -> x.name().equals(b.node())).findFirst().orElseThrow();
                    List<PodInfo> around = pods.values().stream().filter(x -> x.phase().holdsResources()).toList();
                    String broken = Oracle.allows(p, node, around, w.nodes());
                    assertThat(broken).as("binding %s to %s (seed %d)", b.podKey(), b.node(), seed).isNull();
                    pods.put(p.key(), p.bound(b.node(), b.gpuDevices()).withPhase(PodPhase.RUNNING));
                }
            }
        }
    }

    /** The rules counted from the pods on the nodes, as the Kubernetes documentation states them. */
    static final class Oracle {
        /** Why {@code pod} may not join the pods {@code around} on {@code node}, or null. */
        static String allows(PodInfo pod, NodeInfo node, java.util.Collection<PodInfo> around, List<NodeInfo> nodes) {
            Map<String, NodeInfo> byName = new HashMap<>();
            nodes.forEach(x -> byName.put(x.name(), x));
            List<PodInfo> onNodes = around.stream().filter(p -> p.phase().holdsResources() && byName.containsKey(p.nodeName())).toList();
            // host ports
            for (PodInfo o : onNodes) {
                if (o.nodeName().equals(node.name())) {
                    for (var a : pod.constraints().hostPorts()) {
                        for (var b : o.constraints().hostPorts()) {
                            if (a.port() == b.port() && a.protocol().equals(b.protocol())
                                    && (a.ip().equals(b.ip()) || a.ip().equals("0.0.0.0") || b.ip().equals("0.0.0.0"))) {
                                return "host port " + a + " held by " + o.key();
                            }
                        }
                    }
                }
            }
            // the pod limit
            long limit = node.allocatable().milli(Keys.PODS) / 1000;
            if (limit > 0 && onNodes.stream().filter(o -> o.nodeName().equals(node.name())).count() >= limit) {
                return "pod limit " + limit;
            }
            // anti-affinity both ways
            for (PodInfo o : onNodes) {
                NodeInfo on = byName.get(o.nodeName());
                for (var t : pod.constraints().podAffinity().requiredAnti()) {
                    if (sameDomain(node, on, t.topologyKey()) && matches(t, pod.namespace(), o)) {
                        return "its anti-affinity " + t + " against " + o.key();
                    }
                }
                for (var t : o.constraints().podAffinity().requiredAnti()) {
                    if (sameDomain(node, on, t.topologyKey()) && matches(t, o.namespace(), pod)) {
                        return "the anti-affinity " + t + " of " + o.key();
                    }
                }
            }
            // affinity: each term met by a pod matching all terms, or the first of a group that follows itself
            var required = pod.constraints().podAffinity().required();
            if (!required.isEmpty()) {
                for (var t : required) {
                    if (node.label(t.topologyKey()) == null) {
                        return "no " + t.topologyKey() + " label for its affinity";
                    }
                }
                List<PodInfo> followed = onNodes.stream().filter(o -> required.stream().allMatch(t -> matches(t, pod.namespace(), o))).toList();
                boolean met = required.stream().allMatch(t -> followed.stream()
                        .anyMatch(o -> sameDomain(node, byName.get(o.nodeName()), t.topologyKey())));
                boolean anyAnywhere = required.stream().anyMatch(t -> followed.stream()
                        .anyMatch(o -> byName.get(o.nodeName()).label(t.topologyKey()) != null));
                boolean self = required.stream().allMatch(t -> matches(t, pod.namespace(), pod));
                if (!met && (anyAnywhere || !self)) {
                    return "its affinity " + required;
                }
            }
            // spread: the domain it lands in against the least loaded eligible domain
            for (var c : pod.constraints().spread()) {
                if (!c.hard()) {
                    continue;
                }
                if (node.label(c.topologyKey()) == null) {
                    return "no " + c.topologyKey() + " label for its spread";
                }
                Map<String, Integer> counts = new TreeMap<>();
                for (NodeInfo x : nodes) {
                    boolean eligible = pod.constraints().spread().stream().filter(o -> o.hard()).allMatch(o -> x.label(o.topologyKey()) != null)
                            && pod.nodeSelector().entrySet().stream().allMatch(e -> e.getValue().equals(x.label(e.getKey())));
                    if (eligible) {
                        counts.putIfAbsent(x.label(c.topologyKey()), 0);
                    }
                }
                for (PodInfo o : onNodes) {
                    NodeInfo on = byName.get(o.nodeName());
                    String d = on.label(c.topologyKey());
                    if (o.namespace().equals(pod.namespace()) && d != null && counts.containsKey(d) && c.selector().matches(o.constraints().labels())
                            && pod.constraints().spread().stream().filter(x -> x.hard()).allMatch(x -> on.label(x.topologyKey()) != null)) {
                        counts.merge(d, 1, Integer::sum);
                    }
                }
                int min = counts.size() < c.minDomains() ? 0 : counts.values().stream().min(Integer::compare).orElse(0);
                int self = c.selector().matches(pod.constraints().labels()) ? 1 : 0;
                int here = counts.getOrDefault(node.label(c.topologyKey()), 0);
                if (here + self - min > c.maxSkew()) {
                    return "spread " + c + ": " + here + " + " + self + " - " + min;
                }
            }
            return null;
        }

        private static boolean sameDomain(NodeInfo a, NodeInfo b, String key) {
            return a.label(key) != null && Objects.equals(a.label(key), b.label(key));
        }

        /** The generator writes terms of one label in the declaring pod's namespace. */
        private static boolean matches(dev.phalanx.core.model.AffinityTerm t, String declaringNamespace, PodInfo other) {
            var req = t.selector().requirements().get(0);
            return other.namespace().equals(declaringNamespace) && req.values().get(0).equals(other.constraints().labels().get(req.key()));
        }
    }
}
