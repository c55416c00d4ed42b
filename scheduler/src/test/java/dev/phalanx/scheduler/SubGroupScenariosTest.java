package dev.phalanx.scheduler;

import dev.phalanx.core.kube.ManifestReader;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.SubGroups;
import dev.phalanx.core.sim.Simulation;
import dev.phalanx.core.sim.SimulationOptions;
import dev.phalanx.core.sim.SimulationResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static dev.phalanx.testing.Testing.yaml;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Gangs of gangs in simulation: segments and subgroups each inside one NVLink domain, the job under one spine, the
 * domains of all subgroups chosen together, and a reason naming the subgroup that finds no domain.
 */
class SubGroupScenariosTest {
    private final List<HasMetadata> objects = new ArrayList<>();

    /** {@code spines} spines of {@code racksPerSpine} NVL72 racks: 18 nodes of 4 GPUs, one clique each. */
    private void nvl72(int spines, int racksPerSpine) {
        for (int s = 0; s < spines; s++) {
            for (int r = 0; r < racksPerSpine; r++) {
                String rack = "s" + s + "r" + r;
                for (int i = 0; i < 18; i++) {
                    objects.add(node(rack + "-" + String.format("%02d", i), 4, Keys.CLIQUE_LABEL, "nvl-" + rack,
                            Keys.SPINE_LABEL, "spine-" + s));
                }
            }
        }
        objects.add(namespace("lab"));
        objects.add(queue("lab").gpu("100000", 1, "-1").build());
    }

    private SimulationResult run() {
        var manifests = new ManifestReader().read(yaml(objects), "subgroups.yaml").manifests();
        return new Simulation(manifests, Policies.defaultCycle(), Policies.reporter(),
                SimulationOptions.until(24 * 3_600_000L)).run();
    }

    private static Map<String, String> nodeOf(SimulationResult r, String prefix) {
        return r.pods().stream().filter(p -> p.name().startsWith(prefix) && p.node() != null)
                .collect(Collectors.toMap(SimulationResult.PodRecord::name, SimulationResult.PodRecord::node));
    }

    private static String rack(String node) {
        return node.substring(0, node.indexOf('-'));
    }

    private static String spine(String node) {
        return node.substring(0, node.indexOf('r'));
    }

    /** Busy pods of 4 GPUs on the first {@code nodes} nodes of a rack. */
    private void busy(String rack, int nodes) {
        for (int i = 0; i < nodes; i++) {
            objects.add(pod("lab", "busy-" + rack + "-" + i).queue("lab").gpus(4).nodeSelector("kubernetes.io/hostname",
                    rack + "-" + String.format("%02d", i)).submitAt("0s").runFor("30h").build()); // beyond the simulated day
        }
    }

    @Test
    void aJobOfTwoWholeRackSegmentsTakesTwoWholeRacksUnderOneSpine() {
        nvl72(2, 2);
        busy("s0r0", 1); // spine 0 has one whole rack left: the job must go under spine 1
        objects.add(podGroup("lab", "pretrain", 36).queue("lab").required(Keys.SPINE_LABEL).segments(18, Keys.CLIQUE_LABEL)
                .submitAt("1m").build());
        for (int i = 0; i < 36; i++) {
            objects.add(pod("lab", "pretrain-" + i).group("pretrain").gpus(4)
                    .label("batch.kubernetes.io/job-completion-index", String.valueOf(i)).submitAt("1m").runFor("30h").build());
        }

        SimulationResult r = run();

        Map<String, String> placed = nodeOf(r, "pretrain-");
        assertThat(placed).hasSize(36);
        assertThat(placed.values().stream().map(SubGroupScenariosTest::spine).distinct()).containsExactly("s1");
        for (int seg = 0; seg < 2; seg++) {
            Set<String> racks = new java.util.HashSet<>();
            for (int i = seg * 18; i < seg * 18 + 18; i++) {
                racks.add(rack(placed.get("pretrain-" + i)));
            }
            assertThat(racks).as("segment %d in one rack", seg).hasSize(1);
        }
        assertThat(placed.values().stream().map(SubGroupScenariosTest::rack).distinct()).hasSize(2);
        SimulationResult.PodGroupRecord g = r.podGroups().stream().filter(x -> x.name().equals("pretrain")).findFirst().orElseThrow();
        assertThat(g.subGroups()).extracting(SimulationResult.SubGroupRecord::name).containsExactly("segment-0", "segment-1");
        assertThat(g.subGroups()).allSatisfy(s -> {
            assertThat(s.started()).isTrue();
            assertThat(s.bound()).isEqualTo(18);
            assertThat(s.placement()).startsWith(Keys.CLIQUE_LABEL + "=nvl-s1r").doesNotContain(",");
        });
    }

    @Test
    void segmentsGoToTheLeastFreeRackThatHoldsThemSoWholeRacksStayWhole() {
        nvl72(1, 3);
        busy("s0r0", 9); // rack 0 has 36 GPUs free, racks 1 and 2 are whole
        objects.add(podGroup("lab", "small", 18).queue("lab").required(Keys.SPINE_LABEL).segments(9, Keys.CLIQUE_LABEL)
                .submitAt("1m").build());
        for (int i = 0; i < 18; i++) {
            objects.add(pod("lab", "small-" + String.format("%02d", i)).group("small").gpus(4).submitAt("1m").runFor("4h").build());
        }
        objects.add(podGroup("lab", "whole", 18).queue("lab").required(Keys.CLIQUE_LABEL).submitAt("2m").build());
        for (int i = 0; i < 18; i++) {
            objects.add(pod("lab", "whole-" + i).group("whole").gpus(4).submitAt("2m").runFor("4h").build());
        }

        SimulationResult r = run();

        Map<String, String> small = nodeOf(r, "small-");
        assertThat(small).hasSize(18);
        Map<String, Set<String>> racksBySegment = small.entrySet().stream().collect(Collectors.groupingBy(
                e -> Integer.parseInt(e.getKey().substring("small-".length())) < 9 ? "0" : "1",
                Collectors.mapping(e -> rack(e.getValue()), Collectors.toSet())));
        assertThat(racksBySegment.values()).allSatisfy(racks -> assertThat(racks).hasSize(1));
        assertThat(small.values().stream().map(SubGroupScenariosTest::rack).collect(Collectors.toSet()))
                .as("one segment fills rack 0, the other breaks one rack, not two").hasSize(2).contains("s0r0");
        SimulationResult.PodGroupRecord whole = r.podGroups().stream().filter(g -> g.name().equals("whole")).findFirst().orElseThrow();
        assertThat(whole.scheduledAt()).as("a whole rack is left for the whole-rack gang").isEqualTo(120.0);
    }

    @Test
    void subGroupsWithTheirOwnMinimumStartWhenEnoughOfThemCanEachComplete() {
        nvl72(1, 2);
        busy("s0r0", 12); // rack 0: 6 nodes free
        // disaggregated serving: a router, then 2 of 3 decode groups of 8 pods, each group in one rack
        objects.add(podGroup("lab", "serve", 17).queue("lab").subGroup("router", null, 1, null, null)
                .subGroup("decode", null, null, 2, null)
                .subGroup("d0", "decode", 8, null, Keys.CLIQUE_LABEL)
                .subGroup("d1", "decode", 8, null, Keys.CLIQUE_LABEL)
                .subGroup("d2", "decode", 8, null, Keys.CLIQUE_LABEL).submitAt("1m").build());
        objects.add(pod("lab", "router").group("serve").label(SubGroups.SUBGROUP_LABEL, "router").gpus(0)
                .submitAt("1m").runFor("4h").build());
        for (String d : List.of("d0", "d1", "d2")) {
            for (int i = 0; i < 8; i++) {
                objects.add(pod("lab", d + "-" + i).group("serve").label(SubGroups.SUBGROUP_LABEL, d).gpus(4)
                        .submitAt("1m").runFor("4h").build());
            }
        }

        SimulationResult r = run();

        for (String d : List.of("d0", "d1", "d2")) {
            List<SimulationResult.PodRecord> pods = r.pods().stream().filter(p -> p.name().startsWith(d + "-")).toList();
            assertThat(pods.stream().map(SimulationResult.PodRecord::boundAt).distinct())
                    .as("%s starts complete, all at once", d).hasSize(1);
            assertThat(pods.stream().map(p -> rack(p.node())).distinct()).as("%s in one rack", d).hasSize(1);
        }
        Map<Double, Long> startedAt = r.pods().stream().filter(p -> p.name().matches("d[0-9]-0"))
                .collect(Collectors.groupingBy(SimulationResult.PodRecord::boundAt, Collectors.counting()));
        assertThat(startedAt.get(60.0)).as("rack 0 holds 6 such pods, rack 1 18: two groups start at once").isEqualTo(2L);
        assertThat(startedAt.keySet()).as("the third starts whole when a group's 4 hours end").contains(60.0 + 4 * 3600);
        assertThat(nodeOf(r, "router")).hasSize(1);
    }

    @Test
    void aSegmentWithoutARackWaitsAndSaysWhichSegmentAndHowManyRacksHoldIt() {
        nvl72(1, 4);
        busy("s0r0", 1);
        busy("s0r1", 1);
        busy("s0r2", 1);
        objects.add(podGroup("lab", "big", 54).queue("lab").required(Keys.SPINE_LABEL).segments(18, Keys.CLIQUE_LABEL)
                .submitAt("1m").build());
        for (int i = 0; i < 54; i++) {
            objects.add(pod("lab", "big-" + String.format("%02d", i)).group("big").gpus(4).submitAt("1m").runFor("4h").build());
        }

        SimulationResult r = run();

        assertThat(nodeOf(r, "big-")).isEmpty();
        SimulationResult.PodGroupRecord big = r.podGroups().stream().filter(g -> g.name().equals("big")).findFirst().orElseThrow();
        assertThat(big.subGroups()).hasSize(3).allSatisfy(s -> assertThat(s.started()).isFalse());
        assertThat(big.reason()).startsWith("SubGroupUnsatisfiable: segment 2 of 3 needs 72 " + Keys.GPU + " (18 pods) in one "
                + Keys.CLIQUE_LABEL + " inside " + Keys.SPINE_LABEL + "=spine-0; 1 of the 4 " + Keys.CLIQUE_LABEL
                + " domains there have room for it alone, and 3 subgroups need one each (1 placed before it)");
    }

    @Test
    void aPodNamingASubgroupItsPodGroupLacksMakesItsGangInvalidAndOthersAreStillServed() {
        nvl72(1, 1);
        objects.add(podGroup("lab", "serve", 2).queue("lab").subGroup("a", null, 1, null, null)
                .subGroup("b", null, 1, null, null).submitAt("1m").build());
        objects.add(pod("lab", "serve-a").group("serve").label(SubGroups.SUBGROUP_LABEL, "a").gpus(4).submitAt("1m").build());
        objects.add(pod("lab", "serve-c").group("serve").label(SubGroups.SUBGROUP_LABEL, "c").gpus(4).submitAt("1m").build());
        objects.add(pod("lab", "other").queue("lab").gpus(4).submitAt("1m").runFor("1h").build());

        SimulationResult r = run();

        SimulationResult.PodGroupRecord serve = r.podGroups().stream().filter(g -> g.name().equals("serve")).findFirst().orElseThrow();
        assertThat(serve.reason()).startsWith("Invalid").contains("pod serve-c has the label " + SubGroups.SUBGROUP_LABEL
                + "=c, which is not a subgroup of PodGroup serve");
        assertThat(nodeOf(r, "serve-")).isEmpty();
        assertThat(nodeOf(r, "other")).hasSize(1);
    }
}
