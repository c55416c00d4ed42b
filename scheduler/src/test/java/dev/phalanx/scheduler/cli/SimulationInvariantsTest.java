package dev.phalanx.scheduler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.testing.PropertySeeds;
import dev.phalanx.testing.Testing;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property tests: random scenarios ({@link RandomScenario}, one per seed) through {@code phalanx simulate
 * --output json}, checking invariants 1 to 7 of the architecture on the JSON it prints.
 * A failing case names its seed; {@code -Dphalanx.properties.seeds=N} runs more of them.
 */
class SimulationInvariantsTest {
    @TempDir
    Path dir;

    @TestFactory
    Stream<DynamicTest> invariantsHoldOnRandomScenarios() {
        return PropertySeeds.tests(150, this::check);
    }

    private void check(long seed) throws Exception {
        RandomScenario sc = new RandomScenario(seed);
        Path f = dir.resolve("scenario-" + seed + ".yaml");
        Files.writeString(f, Testing.yaml(sc.objects));
        CliRun first = CliRun.of("simulate", "-f", f.toString(), "-o", "json", "--seed", "7");
        assertThat(first.exitCode()).as("seed %d: %s", seed, first.err()).isZero();
        JsonNode root = first.json();

        noNodeOrDeviceIsOvercommitted(sc, root);
        gangsStartWholeOrNotAtAll(root);
        requiredTopologyKeepsAGangInOneDomain(sc, root);
        badInputIsReportedAndOthersAreServed(sc, root);
        noQueueExceedsItsLimit(sc, root);
        if (sc.allFinite) {
            everyGangThatCanStartStarts(sc, root, seed);
        }

        // invariant 5: same input, same seed, same decisions
        CliRun second = CliRun.of("simulate", "-f", f.toString(), "-o", "json", "--seed", "7");
        assertThat(second.out()).as("seed %d: a second run differs", seed).isEqualTo(first.out());
    }

    private record Change(double at, int sign, PodInfo pod, String node, List<Integer> devices) {
    }

    /** Invariant 1: at every moment, each node's bound pods fit its allocatable, and no device is over-shared. */
    private static void noNodeOrDeviceIsOvercommitted(RandomScenario sc, JsonNode root) {
        List<Change> changes = new ArrayList<>();
        for (JsonNode p : root.get("pods")) {
            PodInfo info = sc.pods.get(p.get("namespace").asText() + "/" + p.get("name").asText());
            for (JsonNode run : p.get("evictedRuns")) { // bindings an eviction ended
                List<Integer> devices = new ArrayList<>();
                run.get("gpuDevices").forEach(d -> devices.add(d.asInt()));
                changes.add(new Change(run.get("boundAt").asDouble(), +1, info, run.get("node").asText(), devices));
                changes.add(new Change(run.get("evictedAt").asDouble(), -1, info, run.get("node").asText(), devices));
            }
            if (p.get("boundAt").isNull()) {
                continue;
            }
            List<Integer> devices = new ArrayList<>();
            p.get("gpuDevices").forEach(d -> devices.add(d.asInt()));
            String node = p.get("node").asText();
            changes.add(new Change(p.get("boundAt").asDouble(), +1, info, node, devices));
            JsonNode end = p.get("finishedAt");
            if (!end.isNull()) {
                changes.add(new Change(end.asDouble(), -1, info, node, devices));
            }
            assertThat(devices).as("%s holds the GPUs it asked for", info.key())
                    .hasSize(info.gpuFractionMilli() > 0 ? 1 : info.wholeGpus());
        }
        // releases before acquisitions at the same instant, as the simulator applies them
        changes.sort(Comparator.comparingDouble(Change::at).thenComparingInt(Change::sign));
        Map<String, long[]> used = new HashMap<>(); // node -> cpu, gpu in milli
        Map<String, Integer> deviceUse = new HashMap<>();
        for (Change c : changes) {
            long[] u = used.computeIfAbsent(c.node(), k -> new long[2]);
            u[0] += c.sign() * c.pod().requests().milli(Keys.CPU);
            u[1] += c.sign() * c.pod().requests().milli(Keys.GPU);
            NodeInfo n = sc.nodes.get(c.node());
            assertThat(u[0]).as("cpu on %s at %s", c.node(), c.at()).isLessThanOrEqualTo(n.allocatable().milli(Keys.CPU));
            assertThat(u[1]).as("gpu on %s at %s", c.node(), c.at()).isLessThanOrEqualTo(n.allocatable().milli(Keys.GPU));
            for (int d : c.devices()) {
                assertThat(d).isBetween(0, n.gpuDevices() - 1);
                int share = c.pod().gpuFractionMilli() > 0 ? c.pod().gpuFractionMilli() : 1000;
                int now = deviceUse.merge(c.node() + "#" + d, c.sign() * share, Integer::sum);
                assertThat(now).as("device %d of %s at %s", d, c.node(), c.at()).isLessThanOrEqualTo(1000);
            }
        }
    }

    /** Invariant 2: a gang's first bindings are at least minMember at one instant; a gang that never started holds nothing. */
    private static void gangsStartWholeOrNotAtAll(JsonNode root) {
        for (JsonNode g : root.get("podGroups")) {
            String ns = g.get("namespace").asText(), name = g.get("name").asText();
            List<Double> bound = new ArrayList<>();
            for (JsonNode p : root.get("pods")) {
                if (ns.equals(p.get("namespace").asText()) && name.equals(p.get("podGroup").asText())) {
                    if (!p.get("boundAt").isNull()) {
                        bound.add(p.get("boundAt").asDouble());
                    }
                    p.get("evictedRuns").forEach(run -> bound.add(run.get("boundAt").asDouble()));
                }
            }
            if (g.get("scheduledAt").isNull()) {
                assertThat(bound).as("gang %s/%s never started but holds pods", ns, name).isEmpty();
                continue;
            }
            double start = g.get("scheduledAt").asDouble();
            assertThat(bound).as("gang %s/%s", ns, name).allMatch(t -> t >= start);
            assertThat(bound.stream().filter(t -> t == start).count()).as("members of %s/%s bound together at %s", ns, name, start)
                    .isGreaterThanOrEqualTo(g.get("minMember").asLong());
        }
    }

    /** Invariant 4: every member of a gang with a required topology runs inside one domain of it. */
    private static void requiredTopologyKeepsAGangInOneDomain(RandomScenario sc, JsonNode root) {
        for (JsonNode g : root.get("podGroups")) {
            if (g.get("topologyRequired").isNull()) {
                continue;
            }
            String key = g.get("topologyRequired").asText();
            Set<String> domains = new HashSet<>();
            for (JsonNode p : root.get("pods")) {
                if (g.get("namespace").asText().equals(p.get("namespace").asText())
                        && g.get("name").asText().equals(p.get("podGroup").asText()) && !p.get("node").isNull()) {
                    String domain = sc.nodes.get(p.get("node").asText()).label(key);
                    assertThat(domain).as("node of %s has no %s", p.get("name").asText(), key).isNotNull();
                    domains.add(domain);
                }
            }
            assertThat(domains).as("domains of %s", g.get("name").asText()).hasSizeLessThanOrEqualTo(1);
        }
    }

    /** Invariant 7: invalid objects are reported with a reason and never scheduled; the rest is served. */
    private static void badInputIsReportedAndOthersAreServed(RandomScenario sc, JsonNode root) {
        Set<String> reported = new HashSet<>();
        root.get("problems").forEach(p -> reported.add(p.get("namespace").asText() + "/" + p.get("name").asText()));
        for (JsonNode g : root.get("podGroups")) {
            String key = g.get("namespace").asText() + "/" + g.get("name").asText();
            if (sc.invalidGangs.contains(key)) {
                assertThat(g.get("reason").asText()).as(key).startsWith("Invalid: ");
                assertThat(g.get("scheduledAt").isNull()).as(key).isTrue();
                assertThat(reported).as("problems name %s", key).contains(key);
            }
        }
        for (JsonNode p : root.get("pods")) {
            if (p.get("name").asText().equals("canary")) {
                assertThat(p.get("boundAt").asDouble()).as("the canary starts at once").isZero();
            }
        }
    }

    /** Invariant 3: at every moment, what a queue's pods hold (counted in each ancestor too) stays within its limit. */
    private static void noQueueExceedsItsLimit(RandomScenario sc, JsonNode root) {
        List<double[]> changes = new ArrayList<>(); // time, +-gpu milli, queue index
        List<String> queues = List.copyOf(sc.gpuLimits.keySet());
        for (JsonNode p : root.get("pods")) {
            if (p.get("queue").isNull()) {
                continue;
            }
            PodInfo info = sc.pods.get(p.get("namespace").asText() + "/" + p.get("name").asText());
            List<double[]> held = new ArrayList<>(); // from, to (NaN: still held)
            p.get("evictedRuns").forEach(run -> held.add(new double[]{run.get("boundAt").asDouble(), run.get("evictedAt").asDouble()}));
            if (!p.get("boundAt").isNull()) {
                held.add(new double[]{p.get("boundAt").asDouble(), p.get("finishedAt").isNull() ? Double.NaN : p.get("finishedAt").asDouble()});
            }
            for (String q = p.get("queue").asText(); q != null; q = sc.parents.get(q)) {
                int qi = queues.indexOf(q);
                if (qi < 0) {
                    continue;
                }
                for (double[] h : held) {
                    changes.add(new double[]{h[0], info.requests().milli(Keys.GPU), qi});
                    if (!Double.isNaN(h[1])) {
                        changes.add(new double[]{h[1], -info.requests().milli(Keys.GPU), qi});
                    }
                }
            }
        }
        changes.sort(Comparator.<double[]>comparingDouble(c -> c[0]).thenComparingDouble(c -> c[1]));
        long[] held = new long[queues.size()];
        for (double[] c : changes) {
            int qi = (int) c[2];
            held[qi] += (long) c[1];
            assertThat(held[qi]).as("GPUs of queue %s at %s", queues.get(qi), c[0])
                    .isLessThanOrEqualTo(sc.gpuLimits.get(queues.get(qi)));
        }
    }

    /**
     * Invariant 6: when every pod has a run time the cluster drains, so every valid gang that starts when
     * it is alone on the empty cluster must start in the full run too.
     */
    private void everyGangThatCanStartStarts(RandomScenario sc, JsonNode root, long seed) throws Exception {
        for (JsonNode g : root.get("podGroups")) {
            String key = g.get("namespace").asText() + "/" + g.get("name").asText();
            if (!g.get("scheduledAt").isNull() || sc.invalidGangs.contains(key)) {
                continue;
            }
            List<io.fabric8.kubernetes.api.model.HasMetadata> alone = new ArrayList<>(sc.clusterObjects);
            alone.addAll(sc.gangObjects.get(key));
            Path f = dir.resolve("alone-" + seed + "-" + g.get("name").asText() + ".yaml");
            Files.writeString(f, Testing.yaml(alone));
            JsonNode single = CliRun.of("simulate", "-f", f.toString(), "-o", "json").json();
            boolean startsAlone = !single.get("podGroups").get(0).get("scheduledAt").isNull();
            assertThat(startsAlone).as("gang %s never started (%s) though it starts alone on the empty cluster", key,
                    g.get("reason").asText()).isFalse();
        }
    }
}
