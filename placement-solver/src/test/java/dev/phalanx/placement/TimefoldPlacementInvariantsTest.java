package dev.phalanx.placement;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.cycle.PlacementPolicy;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodGroupInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.SnapshotAssembler;
import dev.phalanx.testing.Testing;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import dev.phalanx.testing.PropertySeeds;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random clusters and gangs placed one after another as a cycle does, checking invariants 1, 2, 4
 * and 5 on every decision, and that a decision is never worse than the best-fit warm start it began from.
 */
class TimefoldPlacementInvariantsTest {
    private static final int CASES = 60;

    private static Snapshot randomCluster(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Node> nodes = new ArrayList<>();
        int count = 2 + r.nextInt(24);
        for (int i = 0; i < count; i++) {
            int gpus = r.nextInt(5) == 0 ? 4 : 8;
            nodes.add(node("n" + i, gpus, Keys.CLIQUE_LABEL, "c" + i / 4, Keys.RACK_LABEL, "r" + i / 8));
        }
        List<PodInfo> pods = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (r.nextBoolean()) {
                Pod running = r.nextInt(3) == 0 ? pod("x", "run-" + i).gpuFraction("0.5").onNode("n" + i).build()
                        : pod("x", "run-" + i).gpus(1 + r.nextInt(3)).onNode("n" + i).build();
                pods.add(Testing.podInfo(running));
            }
        }
        List<PodGroupInfo> groups = new ArrayList<>();
        int gangs = 1 + r.nextInt(8);
        for (int g = 0; g < gangs; g++) {
            int members = 1 + r.nextInt(5);
            var pg = podGroup("ns", "g" + g, members).queue("q");
            switch (r.nextInt(3)) {
                case 0 -> pg.required(Keys.CLIQUE_LABEL);
                case 1 -> pg.preferred(Keys.RACK_LABEL);
                default -> {
                }
            }
            groups.add(KubeObjects.podGroup(pg.build(), g));
            boolean alike = r.nextBoolean();
            int gpus = 1 << r.nextInt(4);
            for (int m = 0; m < members; m++) {
                var p = pod("ns", "g" + g + "-" + m).group("g" + g);
                int roll = r.nextInt(6);
                if (!alike && roll == 0) {
                    p.gpuFraction(r.nextBoolean() ? "0.25" : "0.5");
                } else {
                    p.gpus(alike ? gpus : 1 + r.nextInt(8));
                }
                pods.add(KubeObjects.pod(p.build(), x -> 0, g));
            }
        }
        return new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(0, nodes.stream().map(KubeObjects::node).toList(), pods,
                groups, Map.of("q", KubeObjects.queue(queue("q").build(), 0)), Map.of(), Map.of());
    }

    /** Places every gang in turn as a cycle does, committing each placement to the view. */
    private static List<PlacementPolicy.Placement> cycle(Snapshot s, PlacementPolicy policy, boolean compareWithBestFit) {
        CapacityView view = new CapacityView(s);
        BestFitPlacement bestFit = new BestFitPlacement();
        List<PlacementPolicy.Placement> out = new ArrayList<>();
        List<Gang> gangs = new ArrayList<>(s.gangs());
        gangs.sort(Comparator.comparingLong(Gang::createdAt).thenComparing(Gang::key));
        for (Gang gang : gangs) {
            List<PodInfo> pods = gang.pending();
            if (pods.isEmpty()) {
                continue;
            }
            PlacementPolicy.Placement warm = bestFit.place(gang, pods, view);
            PlacementPolicy.Placement p = policy.place(gang, pods, view);
            out.add(p);
            // invariant 2: all or nothing
            assertThat(p.bindings().size()).isIn(0, pods.size());
            assertThat(p.placed()).isEqualTo(!p.bindings().isEmpty());
            if (compareWithBestFit && warm.placed()) {
                assertThat(p.placed()).as("%s: best-fit placed it", gang.key()).isTrue();
                assertThat(GangProblem.cost(bestFit, gang, pods, p.bindings(), view, PreviousPlacements.NONE).total())
                        .as("%s: no worse than the warm start", gang.key())
                        .isLessThanOrEqualTo(GangProblem.cost(bestFit, gang, pods, warm.bindings(), view, PreviousPlacements.NONE).total());
            }
            if (!p.placed()) {
                assertThat(p.reason()).isNotBlank();
                continue;
            }
            // invariant 4: one domain of a required topology
            if (gang.topologyRequired() != null) {
                assertThat(p.bindings().stream().map(b -> view.node(view.indexOf(b.node())).label(gang.topologyRequired()))
                        .distinct()).hasSize(1).doesNotContainNull();
            }
            Map<String, PodInfo> byKey = new HashMap<>();
            pods.forEach(pod -> byKey.put(pod.key(), pod));
            for (Binding b : p.bindings()) {
                int i = view.indexOf(b.node());
                PodInfo pod = byKey.get(b.podKey());
                assertThat(CapacityView.infeasibility(pod, view.node(i))).isNull();
                view.take(i, pod, b.gpuDevices());
            }
            // invariant 1: nothing over-committed, no device beyond whole
            for (int i = 0; i < view.size(); i++) {
                assertThat(view.free(i).anyNegative()).as("node %s", view.node(i).name()).isFalse();
                assertThat(java.util.Arrays.stream(view.deviceFreeMilli(i)).min().orElse(0)).as("devices of %s", view.node(i).name()).isNotNegative();
            }
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> everyDecisionKeepsTheInvariantsAndIsNoWorseThanBestFit() {
        return PropertySeeds.tests(CASES, seed -> cycle(randomCluster(seed), new TimefoldPlacement(PlacementConfig.DEFAULT), true));
    }

    @TestFactory
    Stream<DynamicTest> theSameClusterAndSeedGiveTheSameDecisions() {
        PlacementConfig config = new PlacementConfig(java.time.Duration.ofSeconds(10), 3, 100);
        return PropertySeeds.tests(CASES / 6, seed -> {
            Snapshot s = randomCluster(seed);
            assertThat(cycle(s, new TimefoldPlacement(config), false)).isEqualTo(cycle(s, new TimefoldPlacement(config), false));
        });
    }
}
