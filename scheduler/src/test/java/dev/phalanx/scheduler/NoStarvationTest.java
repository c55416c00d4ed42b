package dev.phalanx.scheduler;

import dev.phalanx.core.cycle.CyclePolicies;
import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.kube.ManifestReader;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.sim.Simulation;
import dev.phalanx.core.sim.SimulationOptions;
import dev.phalanx.core.sim.SimulationResult;
import dev.phalanx.placement.BestFitPlacement;
import dev.phalanx.queue.FairShareCalculator;
import dev.phalanx.queue.GangAdmission;
import io.fabric8.kubernetes.api.model.HasMetadata;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static dev.phalanx.testing.Testing.yaml;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Invariant 6 in simulation: a steady stream of 1-GPU jobs must not starve a 16-GPU gang.
 *
 * <p>Four 8-GPU nodes start full with 32 one-GPU jobs that end one by one between 30 and 61 minutes;
 * from then on a 1-GPU job (run 60 minutes) arrives every minute, more than the cluster can run, so
 * a freed GPU always has a taker. The gang (16 one-GPU pods) arrives at 10 minutes.
 *
 * <p>Bound: one gang holds a reservation at a time, the highest-ranked one that is blocked. Ahead of
 * the gang in line are the nine jobs that arrived in its first nine minutes; they start as the first
 * nine warm GPUs free up, by minute 38. From then the gang is the highest-ranked blocked gang: it
 * reserves two nodes, nothing new starts there, and what runs there ends within its 60 minutes. So
 * it starts by 38 + 60 = 98 minutes. Without reservations (the plain first-fit baseline) the same
 * stream keeps it waiting for the whole 12 hours.
 */
class NoStarvationTest {
    private static final double BOUND_SECONDS = 98 * 60;

    private static List<HasMetadata> scenario() {
        List<HasMetadata> objs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            objs.add(node("n" + i, 8));
        }
        objs.add(namespace("ml", Keys.QUEUE_LABEL, "team"));
        objs.add(queue("team").build());
        for (int i = 0; i < 32; i++) {
            objs.add(pod("ml", String.format("warm-%02d", i)).gpus(1).runFor((30 + i) + "m").build());
        }
        for (int m = 1; m <= 12 * 60; m++) {
            objs.add(pod("ml", String.format("small-%03d", m)).gpus(1).submitAt(m + "m").runFor("60m").build());
        }
        objs.add(podGroup("ml", "big", 16).submitAt("10m").build());
        for (int i = 0; i < 16; i++) {
            objs.add(pod("ml", "big-" + i).group("big").gpus(1).submitAt("10m").runFor("30m").build());
        }
        return objs;
    }

    private static SimulationResult.PodGroupRecord bigGang(SchedulingCycle cycle) {
        var manifests = new ManifestReader().read(yaml(scenario()), "starvation.yaml").manifests();
        SimulationResult r = new Simulation(manifests, cycle, Policies.reporter(), SimulationOptions.until(12 * 3_600_000L)).run();
        return r.podGroups().stream().filter(g -> g.name().equals("big")).findFirst().orElseThrow();
    }

    @Test
    void aLargeGangStartsWithinTheBoundDespiteAStreamOfSmallJobs() {
        SimulationResult.PodGroupRecord big = bigGang(Policies.defaultCycle());
        assertThat(big.scheduledAt()).as("the 16-GPU gang started").isNotNull();
        assertThat(big.scheduledAt()).isLessThanOrEqualTo(BOUND_SECONDS);
    }

    @Test
    void withoutReservationsTheSameStreamStarvesIt() {
        SchedulingCycle noReservations = new SchedulingCycle(CyclePolicies.of(new FairShareCalculator(), new GangAdmission(),
                new BestFitPlacement()).withReservations(false));
        SimulationResult.PodGroupRecord big = bigGang(noReservations);
        assertThat(big.scheduledAt()).as("starved for the whole run").isNull();
    }
}
