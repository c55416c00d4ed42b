package dev.phalanx.placement;

import dev.phalanx.core.cycle.PlacementPolicy;
import dev.phalanx.core.model.Keys;
import dev.phalanx.testing.Testing;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Gangs whose members ask things of the pods around them, placed by best fit and by the search (which keeps best fit's
 * placement for them), with the reason a gang waits naming the rule that keeps it out.
 */
class PodConstraintsPlacementTest {
    private static final List<PlacementPolicy> POLICIES = List.of(new BestFitPlacement(),
            new TimefoldPlacement(PlacementConfig.DEFAULT));

    /** Two racks of two 8-GPU nodes, in two zones. */
    private static PlacementScenario racks() {
        return new PlacementScenario().nodes(
                node("r0-0", 8, Keys.RACK_LABEL, "r0", Keys.ZONE_LABEL, "z0"), node("r0-1", 8, Keys.RACK_LABEL, "r0", Keys.ZONE_LABEL, "z0"),
                node("r1-0", 8, Keys.RACK_LABEL, "r1", Keys.ZONE_LABEL, "z1"), node("r1-1", 8, Keys.RACK_LABEL, "r1", Keys.ZONE_LABEL, "z1"));
    }

    private static Testing.PodFixture worker(int k) {
        return pod("ns", "w-" + k).label("job", "train").gpus(1);
    }

    @Test
    void oneWorkerPerNodeByAntiAffinityOnTheGangsOwnLabel() {
        for (PlacementPolicy policy : POLICIES) {
            Testing.PodFixture[] ws = new Testing.PodFixture[4];
            for (int k = 0; k < 4; k++) {
                ws[k] = worker(k).antiAffinity(Keys.HOSTNAME_LABEL, "job", "train");
            }
            var placed = racks().gang(podGroup("ns", "g", 4), ws).place(policy);
            assertThat(placed.placement().placed()).as(policy.getClass().getSimpleName()).isTrue();
            assertThat(new HashSet<>(placed.nodes())).hasSize(4);
        }
    }

    @Test
    void aGangOfMoreWorkersThanNodesWaitsNamingItsAntiAffinity() {
        Testing.PodFixture[] ws = new Testing.PodFixture[5];
        for (int k = 0; k < 5; k++) {
            ws[k] = worker(k).antiAffinity(Keys.HOSTNAME_LABEL, "job", "train");
        }
        for (PlacementPolicy policy : POLICIES) {
            var placed = racks().gang(podGroup("ns", "g", 5), ws).place(policy);
            assertThat(placed.placement().placed()).isFalse();
            assertThat(placed.placement().reasonCode()).isEqualTo(BestFitPlacement.CONSTRAINTS_UNSATISFIED);
            assertThat(placed.placement().reason()).contains("with the 4 members before it placed")
                    .contains("4 have a pod in their domain that its pod anti-affinity keeps it from (job=train per kubernetes.io/hostname)");
        }
    }

    @Test
    void allWorkersInOneRackByAffinityToTheGangsOwnLabel() {
        for (PlacementPolicy policy : POLICIES) {
            Testing.PodFixture[] ws = new Testing.PodFixture[3];
            for (int k = 0; k < 3; k++) {
                ws[k] = worker(k).gpus(4).affinity(Keys.RACK_LABEL, "job", "train");
            }
            var placed = racks().gang(podGroup("ns", "g", 3), ws).place(policy);
            assertThat(placed.placement().placed()).isTrue();
            Set<String> racks = new HashSet<>();
            placed.nodes().forEach(n -> racks.add(n.substring(0, 2)));
            assertThat(racks).hasSize(1);
        }
    }

    @Test
    void aGangSpreadOverZonesKeepsTheSkewWithinMaxSkew() {
        Testing.PodFixture[] ws = new Testing.PodFixture[4];
        for (int k = 0; k < 4; k++) {
            ws[k] = worker(k).spread(1, Keys.ZONE_LABEL, true, "job", "train");
        }
        var placed = racks().gang(podGroup("ns", "g", 4), ws).place(new BestFitPlacement());
        long inZ0 = placed.nodes().stream().filter(n -> n.startsWith("r0")).count();
        assertThat(inZ0).isEqualTo(2);
    }

    @Test
    void aPodWithAHostPortTakenEverywhereWaitsNamingThePort() {
        var s = new PlacementScenario().nodes(node("n0", 8), node("n1", 8))
                .running(pod("ns", "a").hostPort(9000, "TCP", null).onNode("n0").build(),
                        pod("ns", "b").hostPort(9000, "TCP", "10.1.1.1").onNode("n1").build())
                .gang(podGroup("ns", "g", 1), pod("ns", "x").hostPort(9000, "TCP", null));
        var placed = s.place(new BestFitPlacement());
        assertThat(placed.placement().reason()).contains("2 have its host ports taken (9000/TCP)");
    }

    @Test
    void aPodThatWouldSkewEveryDomainWaitsNamingItsSpread() {
        var s = new PlacementScenario().nodes(node("n0", 8, Keys.ZONE_LABEL, "a"), node("n1", 8, Keys.ZONE_LABEL, "b"))
                .running(pod("ns", "r0").label("app", "w").onNode("n0").build())
                .gang(podGroup("ns", "g", 1), pod("ns", "x").label("app", "w").nodeSelector(Keys.ZONE_LABEL, "a")
                        .spread(1, Keys.ZONE_LABEL, false, "app", "w").spread(
                                new io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder().withMaxSkew(1)
                                        .withTopologyKey(Keys.ZONE_LABEL).withWhenUnsatisfiable("DoNotSchedule")
                                        .withNodeAffinityPolicy("Ignore").withNewLabelSelector().addToMatchLabels("app", "w")
                                        .endLabelSelector().build()));
        var placed = s.place(new BestFitPlacement());
        assertThat(placed.placement().placed()).isFalse();
        assertThat(placed.placement().reason()).contains("1 would exceed the maxSkew of its topology spread constraints")
                .contains("maxSkew 1 per topology.kubernetes.io/zone of pods app=w: 2 eligible domains, the least loaded holds 0")
                .contains("1 do not match its nodeSelector");
    }

    @Test
    void preferredAffinityChoosesTheNodeNearWhatItLikes() {
        var s = new PlacementScenario().nodes(node("n0", 8, Keys.ZONE_LABEL, "a"), node("n1", 8, Keys.ZONE_LABEL, "b"),
                        node("n2", 8, Keys.ZONE_LABEL, "b"))
                .running(pod("ns", "cache").label("app", "cache").gpus(4).onNode("n0").build())
                .gang(podGroup("ns", "g", 1), pod("ns", "x").gpus(1).preferAffinity(10, Keys.ZONE_LABEL, "app", "cache"));
        assertThat(s.place(new BestFitPlacement()).nodes()).containsExactly("n0");
        var away = new PlacementScenario().nodes(node("n0", 8, Keys.ZONE_LABEL, "a"), node("n1", 8, Keys.ZONE_LABEL, "b"))
                .running(pod("ns", "cache").label("app", "cache").gpus(4).onNode("n0").build())
                .gang(podGroup("ns", "g", 1), pod("ns", "x").gpus(1).preferAntiAffinity(10, Keys.ZONE_LABEL, "app", "cache"));
        // best fit alone would take n0 (fewest GPUs left); the preference sends it away
        assertThat(away.place(new BestFitPlacement()).nodes()).containsExactly("n1");
    }

    @Test
    void theSearchNeverMovesAPodOntoANodeAtItsPodLimit() {
        io.fabric8.kubernetes.api.model.Node full = node("full", 8);
        full.getStatus().getAllocatable().put("pods", new io.fabric8.kubernetes.api.model.Quantity("1"));
        var s = new PlacementScenario().nodes(full, node("other", 8))
                .running(pod("ns", "r").cpu("1").onNode("full").build())
                .gang(podGroup("ns", "g", 2), pod("ns", "a").gpus(2), pod("ns", "b").gpus(3));
        for (PlacementPolicy policy : POLICIES) {
            var placed = s.place(policy);
            assertThat(placed.nodes()).containsOnly("other");
        }
    }
}
