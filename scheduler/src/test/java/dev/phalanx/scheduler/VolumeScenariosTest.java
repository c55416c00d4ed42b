package dev.phalanx.scheduler;

import dev.phalanx.core.kube.ManifestReader;
import dev.phalanx.core.sim.Simulation;
import dev.phalanx.core.sim.SimulationOptions;
import dev.phalanx.core.sim.SimulationResult;
import dev.phalanx.core.volume.VolumeClaimInfo;
import io.fabric8.kubernetes.api.model.HasMetadata;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static dev.phalanx.testing.Testing.csiNode;
import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.pv;
import static dev.phalanx.testing.Testing.pvc;
import static dev.phalanx.testing.Testing.queue;
import static dev.phalanx.testing.Testing.storageClass;
import static dev.phalanx.testing.Testing.yaml;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pods with PersistentVolumeClaims, in simulation: bound volumes keep pods where they can be reached, claims that wait
 * for their first consumer are bound to a volume reachable from the node chosen or made there, claims that cannot be
 * bound make their pods wait saying why, and nodes take no more volumes than their CSI driver can attach.
 */
class VolumeScenariosTest {
    private static final String ZONE = "topology.kubernetes.io/zone";
    private static final String HOST = "kubernetes.io/hostname";
    private static final String DRIVER = "csi.example.com";

    private final List<HasMetadata> objects = new ArrayList<>();
    private Simulation simulation;

    /** 4 nodes of 8 GPUs, node-0 and node-1 in zone a, node-2 and node-3 in zone b; a queue for namespace lab. */
    VolumeScenariosTest() {
        for (int i = 0; i < 4; i++) {
            objects.add(node("node-" + i, 8, ZONE, i < 2 ? "a" : "b", HOST, "node-" + i));
        }
        objects.add(namespace("lab"));
        objects.add(queue("lab").gpu("32", 1, "-1").build());
    }

    private SimulationResult run() {
        var manifests = new ManifestReader().read(yaml(objects), "volumes.yaml").manifests();
        simulation = new Simulation(manifests, Policies.defaultCycle(), Policies.reporter(), SimulationOptions.until(3_600_000L));
        return simulation.run();
    }

    private static Map<String, String> nodeOfPod(SimulationResult r) {
        return r.pods().stream().filter(p -> p.node() != null)
                .collect(Collectors.toMap(SimulationResult.PodRecord::name, SimulationResult.PodRecord::node));
    }

    @Test
    void aGangWithAWaitForFirstConsumerClaimPerMemberOneWorkerPerNodeAndAZoneSpreadStartsWithItsClaimsOnItsNodes() {
        objects.add(storageClass("fast", DRIVER, true, null));
        objects.add(podGroup("lab", "train", 4).queue("lab").build());
        for (int i = 0; i < 4; i++) {
            objects.add(pvc("lab", "data-" + i, "fast", "100Gi"));
            var worker = pod("lab", "train-" + i).group("train").gpus(2).label("app", "train").volumeClaim("data", "data-" + i)
                    .antiAffinity(HOST, "app", "train").build();
            worker.getSpec().setTopologySpreadConstraints(List.of(new io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder()
                    .withMaxSkew(1).withTopologyKey(ZONE).withWhenUnsatisfiable("DoNotSchedule").withNewLabelSelector()
                    .addToMatchLabels("app", "train").endLabelSelector().build()));
            objects.add(worker);
        }

        SimulationResult r = run();

        Map<String, String> placed = nodeOfPod(r);
        assertThat(placed).hasSize(4);
        assertThat(placed.values()).as("one worker per node").doesNotHaveDuplicates();
        assertThat(r.pods()).allSatisfy(p -> assertThat(p.boundAt()).isEqualTo(0.0));
        for (int i = 0; i < 4; i++) {
            VolumeClaimInfo claim = simulation.cluster().volumeClaim("lab/data-" + i);
            assertThat(claim.selectedNode()).as("data-%d is made where train-%d runs", i, i).isEqualTo(placed.get("train-" + i));
            assertThat(claim.isBound()).isTrue();
        }
    }

    @Test
    void claimsWaitingForTheirFirstPodTakeEachItsOwnLocalVolumeSoTheGangSpreadsOverTheNodesThatHaveThem() {
        // local volumes, one on node-1 and one on node-3, nothing provisions more: both members fit on one node by
        // GPUs, but each needs a volume of its own
        objects.add(storageClass("local", "kubernetes.io/no-provisioner", true, null));
        objects.add(pv("local-1", "local", "500Gi", null, HOST, "node-1"));
        objects.add(pv("local-3", "local", "500Gi", null, HOST, "node-3"));
        objects.add(pv("small-0", "local", "10Gi", null, HOST, "node-0"));
        objects.add(podGroup("lab", "g", 2).queue("lab").build());
        for (int i = 0; i < 2; i++) {
            objects.add(pvc("lab", "scratch-" + i, "local", "100Gi"));
            objects.add(pod("lab", "g-" + i).group("g").gpus(2).volumeClaim("scratch", "scratch-" + i).build());
        }

        SimulationResult r = run();

        Map<String, String> placed = nodeOfPod(r);
        assertThat(placed.values()).containsExactlyInAnyOrder("node-1", "node-3");
        for (int i = 0; i < 2; i++) {
            VolumeClaimInfo claim = simulation.cluster().volumeClaim("lab/scratch-" + i);
            assertThat(claim.volumeName()).isEqualTo("local-" + placed.get("g-" + i).substring("node-".length()));
            assertThat(simulation.cluster().volume(claim.volumeName()).claimRef()).isEqualTo("lab/scratch-" + i);
        }
        assertThat(simulation.cluster().volume("small-0").claimRef()).as("too small for either claim").isNull();
    }

    @Test
    void aBoundVolumeKeepsItsPodWhereTheVolumeCanBeReachedAndAClassesAllowedTopologiesWhereItsVolumesCanBeMade() {
        objects.add(storageClass("zonal", DRIVER, true, ZONE, "b"));
        objects.add(pv("dataset", "zonal", "1Ti", DRIVER, ZONE, "b"));
        var bound = pvc("lab", "dataset", "zonal", "1Ti");
        bound.getSpec().setVolumeName("dataset");
        objects.add(bound);
        objects.add(pod("lab", "reader").queue("lab").gpus(1).volumeClaim("data", "dataset").build());
        objects.add(pvc("lab", "fresh", "zonal", "10Gi"));
        objects.add(pod("lab", "writer").queue("lab").gpus(1).volumeClaim("out", "fresh").build());
        objects.add(pod("lab", "ephemeral").queue("lab").gpus(1).ephemeralVolume("tmp", "zonal", "1Gi").build());

        SimulationResult r = run();

        Map<String, String> placed = nodeOfPod(r);
        assertThat(placed).containsOnlyKeys("reader", "writer", "ephemeral");
        assertThat(placed.values()).allMatch(n -> n.equals("node-2") || n.equals("node-3"));
        assertThat(simulation.cluster().volumeClaim("lab/ephemeral-tmp").selectedNode()).isEqualTo(placed.get("ephemeral"));
    }

    @Test
    void aClaimThatIsMissingOrBoundOnlyByTheVolumeControllerMakesItsGangWaitSayingSo() {
        objects.add(storageClass("standard", DRIVER, false, null));
        objects.add(pvc("lab", "later", "standard", "10Gi"));
        objects.add(podGroup("lab", "g", 2).queue("lab").build());
        objects.add(pod("lab", "g-0").group("g").gpus(1).volumeClaim("data", "nowhere").build());
        objects.add(pod("lab", "g-1").group("g").gpus(1).build());
        objects.add(pod("lab", "alone").queue("lab").gpus(1).volumeClaim("data", "later").build());
        objects.add(pod("lab", "free").queue("lab").gpus(1).build());

        SimulationResult r = run();

        Map<String, String> placed = nodeOfPod(r);
        assertThat(placed).as("everyone else is served").containsOnlyKeys("free");
        SimulationResult.PodGroupRecord g = r.podGroups().stream().filter(x -> x.name().equals("g")).findFirst().orElseThrow();
        assertThat(g.reason()).contains("PersistentVolumeClaim lab/nowhere").contains("does not exist");
        SimulationResult.PodRecord alone = r.pods().stream().filter(p -> p.name().equals("alone")).findFirst().orElseThrow();
        assertThat(alone.reason()).contains("PersistentVolumeClaim lab/later is not bound").contains("Immediate");
    }

    @Test
    void aReadWriteOncePodClaimServesOnePodAtATime() {
        objects.add(storageClass("fast", DRIVER, true, null));
        var claim = pvc("lab", "exclusive", "fast", "1Gi");
        claim.getSpec().setAccessModes(List.of("ReadWriteOncePod"));
        objects.add(claim);
        objects.add(pod("lab", "first").queue("lab").gpus(1).volumeClaim("v", "exclusive").build());
        objects.add(pod("lab", "second").queue("lab").gpus(1).volumeClaim("v", "exclusive").build());

        SimulationResult r = run();

        assertThat(nodeOfPod(r)).containsOnlyKeys("first");
        String waiting = r.pods().stream().filter(p -> p.name().equals("second")).findFirst().orElseThrow().reason();
        assertThat(waiting).contains("would share a ReadWriteOncePod claim with a pod placed before it");
    }

    @Test
    void aClaimsSelectorPicksAmongTheLocalVolumes() {
        objects.add(storageClass("local", "kubernetes.io/no-provisioner", true, null));
        objects.add(pv("plain", "local", "100Gi", null, HOST, "node-0"));
        var fast = pv("nvme", "local", "1Ti", null, HOST, "node-2");
        fast.getMetadata().setLabels(Map.of("media", "nvme"));
        objects.add(fast);
        var claim = pvc("lab", "scratch", "local", "50Gi");
        claim.getSpec().setSelector(new io.fabric8.kubernetes.api.model.LabelSelectorBuilder().addToMatchLabels("media", "nvme").build());
        objects.add(claim);
        objects.add(pod("lab", "p").queue("lab").gpus(1).volumeClaim("v", "scratch").build());

        SimulationResult r = run();

        assertThat(nodeOfPod(r)).containsEntry("p", "node-2");
        assertThat(simulation.cluster().volumeClaim("lab/scratch").volumeName()).isEqualTo("nvme");
    }

    @Test
    void aNodeTakesNoMoreVolumesThanItsCsiDriverCanAttach() {
        objects.add(storageClass("fast", DRIVER, true, null));
        for (int i = 0; i < 4; i++) {
            objects.add(csiNode("node-" + i, DRIVER, 1));
        }
        for (int i = 0; i < 4; i++) {
            objects.add(pvc("lab", "v-" + i, "fast", "1Gi"));
            objects.add(pod("lab", "p-" + i).queue("lab").gpus(1).volumeClaim("v", "v-" + i).build());
        }
        objects.add(pvc("lab", "v-4", "fast", "1Gi"));
        objects.add(pod("lab", "p-4").queue("lab").gpus(1).volumeClaim("v", "v-4").build());

        SimulationResult r = run();

        Map<String, String> placed = nodeOfPod(r);
        assertThat(placed).hasSize(4);
        assertThat(placed.values()).as("one volume per node").doesNotHaveDuplicates();
        String waiting = r.pods().stream().filter(p -> p.node() == null).findFirst().orElseThrow().reason();
        assertThat(waiting).contains("as many volumes attached as their CSI driver allows");
    }
}
