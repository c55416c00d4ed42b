package dev.phalanx.scheduler;

import dev.phalanx.core.kube.ManifestReader;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.sim.Simulation;
import dev.phalanx.core.sim.SimulationOptions;
import dev.phalanx.core.sim.SimulationResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static dev.phalanx.testing.Testing.yaml;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * NVLink domains kept whole for the gangs that need one, in simulation: pods that need no domain go to
 * nodes outside every domain first, then into a domain already partly used, and break a whole domain last.
 */
class NvlinkDomainScenariosTest {
    private static final String H100 = "NVIDIA-H100-80GB-HBM3";
    private static final String GB200 = "NVIDIA-GB200";

    private final List<HasMetadata> objects = new ArrayList<>();

    /**
     * 4 plain H100 nodes of 8 GPUs and no clique label, and 2 GB200 racks of 16 nodes of 4 GPUs, each rack one
     * {@value Keys#CLIQUE_LABEL} (64 GPUs). The racks' nodes come interleaved, so that an order that only
     * follows node indexes alternates between racks.
     */
    private void gb200RacksAndPlainH100s() {
        for (int i = 0; i < 16; i++) {
            for (String rack : List.of("rack-a", "rack-b")) {
                objects.add(node(rack + "-" + String.format("%02d", i), 4, Keys.CLIQUE_LABEL, "nvl-" + rack,
                        Keys.RACK_LABEL, rack, Keys.GPU_PRODUCT_LABEL, GB200));
            }
        }
        for (int i = 0; i < 4; i++) {
            objects.add(node("h100-" + i, 8, Keys.GPU_PRODUCT_LABEL, H100));
        }
        objects.add(namespace("lab"));
        objects.add(queue("lab").gpu("160", 1, "-1").build());
    }

    private SimulationResult run() {
        var manifests = new ManifestReader().read(yaml(objects), "nvlink.yaml").manifests();
        return new Simulation(manifests, Policies.defaultCycle(), Policies.reporter(),
                SimulationOptions.until(24 * 3_600_000L)).run();
    }

    @Test
    void singlePodsFillNodesOutsideDomainsThenOneBrokenRackAndTheBigGangStartsAtOnceInTheWholeOne() {
        gb200RacksAndPlainH100s();
        for (int i = 0; i < 40; i++) { // notebooks: one GPU each, for the whole day
            objects.add(pod("lab", "notebook-" + i).queue("lab").gpus(1).submitAt("0s").runFor("20h").build());
        }
        objects.add(podGroup("lab", "llm", 16).queue("lab").required(Keys.CLIQUE_LABEL).submitAt("1m").build());
        for (int i = 0; i < 16; i++) {
            objects.add(pod("lab", "llm-" + i).group("llm").gpus(4).submitAt("1m").runFor("4h").build());
        }

        SimulationResult r = run();

        List<SimulationResult.PodRecord> notebooks = r.pods().stream().filter(p -> p.name().startsWith("notebook-")).toList();
        assertThat(notebooks).hasSize(40).allSatisfy(p -> assertThat(p.boundAt()).isEqualTo(0.0));
        Map<String, Long> byPlace = notebooks.stream().collect(Collectors.groupingBy(p -> p.node().startsWith("h100-")
                ? "h100" : p.node().substring(0, "rack-a".length()), Collectors.counting()));
        assertThat(byPlace.get("h100")).as("every GPU outside the racks is used first").isEqualTo(32);
        assertThat(byPlace).as("the other 8 break one rack, not both").hasSize(2);
        String brokenRack = byPlace.keySet().stream().filter(k -> !k.equals("h100")).findFirst().orElseThrow();

        SimulationResult.PodGroupRecord llm = r.podGroups().stream().filter(g -> g.name().equals("llm")).findFirst().orElseThrow();
        assertThat(llm.scheduledAt()).as("the gang starts as soon as it is submitted").isEqualTo(60.0);
        assertThat(r.pods().stream().filter(p -> p.name().startsWith("llm-")).map(p -> p.node().substring(0, "rack-a".length())))
                .hasSize(16).allMatch(rack -> !rack.equals(brokenRack));
    }

    @Test
    void aGangWithoutTopologyJoinsTheRackItAlreadyBrokeRatherThanBreakingTheOther() {
        gb200RacksAndPlainH100s();
        // the H100 nodes are busy, so the gang must go into a rack
        for (int i = 0; i < 4; i++) {
            objects.add(pod("lab", "busy-" + i).queue("lab").gpus(8).submitAt("0s").runFor("20h").build());
        }
        objects.add(podGroup("lab", "spread", 6).queue("lab").submitAt("1m").build());
        for (int i = 0; i < 6; i++) {
            objects.add(pod("lab", "spread-" + i).group("spread").gpus(2).submitAt("1m").runFor("4h").build());
        }

        SimulationResult r = run();

        assertThat(r.pods().stream().filter(p -> p.name().startsWith("busy-")).map(SimulationResult.PodRecord::node))
                .allMatch(n -> n.startsWith("h100-"));
        assertThat(r.pods().stream().filter(p -> p.name().startsWith("spread-"))
                .map(p -> p.node().substring(0, "rack-a".length())).distinct()).hasSize(1);
    }
}
