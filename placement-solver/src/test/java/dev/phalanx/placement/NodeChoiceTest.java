package dev.phalanx.placement;

import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Snapshot;
import dev.phalanx.core.model.SnapshotAssembler;
import dev.phalanx.testing.PropertySeeds;
import io.fabric8.kubernetes.api.model.Node;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podInfo;
import static org.assertj.core.api.Assertions.assertThat;

class NodeChoiceTest {
    private static final String GB200 = "NVIDIA-GB200";

    private static Snapshot snapshot(List<Node> nodes, List<PodInfo> pods) {
        return new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(0, nodes.stream().map(KubeObjects::node).toList(), pods,
                List.of(), Map.of(), Map.of(), Map.of());
    }

    private static Gang single(PodInfo pod) {
        return new Gang(pod.namespace(), pod.name(), true, "q", 1, 0, null, null, true, 0, List.of(pod), null);
    }

    /** Places {@code pods} one by one on {@code view} as single pods, returning the node names they got. */
    private static List<String> placeOneByOne(List<PodInfo> pods, CapacityView view) {
        BestFitPlacement placement = new BestFitPlacement();
        List<String> nodes = new ArrayList<>();
        for (PodInfo p : pods) {
            var placed = placement.place(single(p), List.of(p), view);
            assertThat(placed.placed()).as(placed.reason()).isTrue();
            var b = placed.bindings().get(0);
            view.take(view.indexOf(b.node()), p, b.gpuDevices());
            nodes.add(b.node());
        }
        return nodes;
    }

    @Test
    void singlePodsGoOutsideNvlinkDomainsThenIntoTheOnePartlyUsedAndBreakAWholeOneLast() {
        List<Node> nodes = new ArrayList<>();
        for (String d : List.of("x", "y")) {
            for (int i = 0; i < 2; i++) {
                nodes.add(node(d + i, 4, Keys.CLIQUE_LABEL, "nvl-" + d, Keys.GPU_PRODUCT_LABEL, GB200));
            }
        }
        nodes.add(node("plain", 4));
        List<PodInfo> pods = IntStream.range(0, 9).mapToObj(i -> podInfo(pod("ns", "p" + i).gpus(1).build())).toList();
        CapacityView view = new CapacityView(snapshot(nodes, pods));
        List<String> got = placeOneByOne(pods, view);
        assertThat(got.subList(0, 4)).containsOnly("plain");
        String broken = got.get(4).substring(0, 1);
        assertThat(got.subList(4, 9)).as("one domain broken, and filled before the other is touched")
                .allMatch(n -> n.startsWith(broken));
    }

    @Test
    void aGangWithARequiredTopologyKeepsTheBestFitDomain() {
        List<Node> nodes = new ArrayList<>();
        nodes.add(node("plain", 8));
        for (int i = 0; i < 2; i++) {
            nodes.add(node("a" + i, 4, Keys.CLIQUE_LABEL, "nvl-a"));
        }
        for (int i = 0; i < 4; i++) {
            nodes.add(node("b" + i, 4, Keys.CLIQUE_LABEL, "nvl-b"));
        }
        List<PodInfo> members = IntStream.range(0, 2).mapToObj(i -> podInfo(pod("ns", "g-" + i).group("g").gpus(4).build())).toList();
        CapacityView view = new CapacityView(snapshot(nodes, members));
        Gang gang = new Gang("ns", "g", false, "q", 2, 0, Keys.CLIQUE_LABEL, null, true, 0, members, null);
        var placed = new BestFitPlacement().place(gang, members, view);
        assertThat(placed.bindings()).extracting(b -> b.node()).containsExactlyInAnyOrder("a0", "a1");
    }

    /** A random cluster: nodes of a few kinds, some in NVLink domains, some running pods. */
    private static Snapshot randomCluster(long seed, List<PodInfo> toPlace) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Node> nodes = new ArrayList<>();
        List<PodInfo> pods = new ArrayList<>();
        int count = 4 + r.nextInt(40);
        for (int i = 0; i < count; i++) {
            int gpus = new int[]{2, 4, 8}[r.nextInt(3)];
            Node n = r.nextInt(3) == 0
                    ? node("n" + i, gpus, Keys.CLIQUE_LABEL, "c" + i / 4, Keys.GPU_PRODUCT_LABEL, GB200)
                    : node("n" + i, gpus, Keys.GPU_PRODUCT_LABEL, r.nextBoolean() ? "T4" : "G2");
            nodes.add(n);
            if (r.nextInt(3) == 0) {
                pods.add(podInfo(pod("x", "run-" + i).gpus(1 + r.nextInt(gpus)).cpu(String.valueOf(1 + r.nextInt(8)))
                        .onNode("n" + i).build()));
            }
        }
        for (int i = 0; i < 30; i++) {
            var p = pod("ns", "p" + i).cpu(String.valueOf(1 + r.nextInt(16)));
            switch (r.nextInt(4)) {
                case 0 -> p.gpuFraction(r.nextBoolean() ? "0.25" : "0.5");
                case 1 -> p.gpus(1 + r.nextInt(4)).nodeSelector(Keys.GPU_PRODUCT_LABEL, "T4");
                case 2 -> p.gpus(1 + r.nextInt(8));
                default -> {
                }
            }
            toPlace.add(podInfo(p.build()));
        }
        pods.addAll(toPlace);
        return snapshot(nodes, pods);
    }

    @TestFactory
    Stream<DynamicTest> groupingNodesByStateChoosesTheNodeMeasuringEveryNodeWould() {
        return PropertySeeds.tests(40, seed -> {
            List<PodInfo> toPlace = new ArrayList<>();
            CapacityView view = new CapacityView(randomCluster(seed, toPlace));
            NodeChoice choice = new NodeChoice();
            List<Integer> all = IntStream.range(0, view.size()).boxed().toList();
            for (PodInfo p : toPlace) {
                int grouped = choice.choose(single(p), p, BestFitPlacement.Candidates.ANYWHERE, view);
                int everyNode = choice.choose(single(p), p, BestFitPlacement.Candidates.of(all), view);
                assertThat(grouped).as("pod %s", p.name()).isEqualTo(everyNode);
                if (grouped >= 0) {
                    view.take(grouped, p, view.chooseDevices(grouped, p));
                }
            }
        });
    }
}
