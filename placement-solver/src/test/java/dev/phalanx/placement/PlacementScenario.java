package dev.phalanx.placement;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CapacityView;
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
import io.fabric8.kubernetes.api.model.Quantity;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;

/** A small cluster, the pods already running on it and one gang to place: real objects, through the snapshot. */
final class PlacementScenario {
    private final List<Node> nodes = new ArrayList<>();
    private final List<Pod> running = new ArrayList<>();
    private final List<Pod> members = new ArrayList<>();
    private Testing.PodGroupFixture group;

    PlacementScenario nodes(Node... more) {
        nodes.addAll(Arrays.asList(more));
        return this;
    }

    /** Nodes named {@code <clique>-<i>}, {@code perClique[k]} 8-GPU nodes in clique k, each clique its own rack. */
    PlacementScenario cliques(int... perClique) {
        for (int c = 0; c < perClique.length; c++) {
            for (int i = 0; i < perClique[c]; i++) {
                nodes.add(node("c" + c + "-" + i, 8, Keys.CLIQUE_LABEL, "c" + c, Keys.RACK_LABEL, "r" + c));
            }
        }
        return this;
    }

    PlacementScenario running(Pod... pods) {
        running.addAll(Arrays.asList(pods));
        return this;
    }

    /** The gang {@code ns/g}: these members (built with {@code .group("g")}) and its PodGroup. */
    PlacementScenario gang(Testing.PodGroupFixture podGroup, Testing.PodFixture... pods) {
        group = podGroup.queue("q");
        for (Testing.PodFixture p : pods) {
            members.add(p.group("g").build());
        }
        return this;
    }

    /** {@code count} members of {@code gpus} whole GPUs each, with a PodGroup of that minMember. */
    PlacementScenario gang(int count, int gpus, String required, String preferred) {
        Testing.PodGroupFixture pg = podGroup("ns", "g", count);
        if (required != null) {
            pg.required(required);
        }
        if (preferred != null) {
            pg.preferred(preferred);
        }
        Testing.PodFixture[] pods = new Testing.PodFixture[count];
        for (int i = 0; i < count; i++) {
            pods[i] = Testing.pod("ns", "g-" + i).gpus(gpus);
        }
        return gang(pg, pods);
    }

    Snapshot snapshot() {
        List<PodInfo> pods = new ArrayList<>();
        running.forEach(p -> pods.add(Testing.podInfo(p)));
        members.forEach(p -> pods.add(Testing.podInfo(p)));
        PodGroupInfo g = KubeObjects.podGroup(group.build(), 0);
        return new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(0, nodes.stream().map(KubeObjects::node).toList(), pods,
                List.of(g), Map.of("q", KubeObjects.queue(queue("q").build(), 0)), Map.of(), Map.of());
    }

    static Gang gangOf(Snapshot s) {
        return s.gangs().stream().filter(g -> g.name().equals("g")).findFirst().orElseThrow();
    }

    /** A fresh view of the scenario and the placement {@code policy} makes in it. */
    Placed place(dev.phalanx.core.cycle.PlacementPolicy policy) {
        Snapshot s = snapshot();
        Gang gang = gangOf(s);
        CapacityView view = new CapacityView(s);
        return new Placed(gang, view, policy.place(gang, gang.pending(), view));
    }

    record Placed(Gang gang, CapacityView view, dev.phalanx.core.cycle.PlacementPolicy.Placement placement) {
        List<String> nodes() {
            return placement.bindings().stream().map(Binding::node).toList();
        }
    }

    /** {@code node} with its allocatable CPU set to {@code cores}. */
    static Node withCpu(Node node, int cores) {
        node.getStatus().getAllocatable().put(Keys.CPU, new Quantity(String.valueOf(cores)));
        return node;
    }
}
