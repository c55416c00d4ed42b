package dev.phalanx.scheduler;

import dev.phalanx.core.cycle.SchedulingCycle;
import dev.phalanx.core.kube.ManifestReader;
import dev.phalanx.core.sim.Simulation;
import dev.phalanx.core.sim.SimulationOptions;
import dev.phalanx.core.sim.SimulationResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.queue;
import static dev.phalanx.testing.Testing.yaml;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fairness over time, in simulation, on a scenario whose numbers are known: two queues of equal weight and no
 * quota share 16 GPUs; queue b runs alone for a day while queue a is idle, then both keep the cluster busy with
 * one-hour, one-GPU jobs. Without usage history a gets its weighted half (8 GPUs) from its return on, and b keeps
 * the day it had alone. With it, a gets more than half until the two have used about as much, so its share of
 * the GPU-hours of the last day is back at a half 20 hours after its return instead of 24.
 */
class FairnessOverTimeTest {
    private static final long HOUR = 3_600_000L;

    private static SimulationResult run(PhalanxConfig.Fairness fairness) {
        List<HasMetadata> objects = new ArrayList<>();
        objects.add(node("n0", 8));
        objects.add(node("n1", 8));
        for (String q : List.of("a", "b")) {
            objects.add(namespace(q));
            objects.add(queue(q).gpu("0", 1, "-1").build());
        }
        for (int i = 0; i < 16 * 72; i++) {
            objects.add(pod("b", "b-" + i).queue("b").gpus(1).submitAt("0s").runFor("1h").build());
        }
        for (int i = 0; i < 16 * 48; i++) {
            objects.add(pod("a", "a-" + i).queue("a").gpus(1).submitAt("24h").runFor("1h").build());
        }
        var manifests = new ManifestReader().read(yaml(objects), "idle-day.yaml").manifests();
        SchedulingCycle cycle = new SchedulingCycle(Policies.reproducible(Policies.DEFAULT_SEED, true,
                PhalanxConfig.defaults().withFairness(fairness)));
        return new Simulation(manifests, cycle, Policies.reporter(), SimulationOptions.until(72 * HOUR)).run();
    }

    /** GPUs queue {@code q} held during hour {@code h} (every job runs a whole hour from a whole hour). */
    private static int heldInHour(SimulationResult r, String q, int h) {
        int n = 0;
        for (SimulationResult.PodRecord p : r.pods()) {
            if (p.namespace().equals(q) && p.boundAt() != null && p.boundAt() <= h * 3600.0 && p.finishedAt() != null
                    && p.finishedAt() >= (h + 1) * 3600.0) {
                n++;
            }
        }
        return n;
    }

    /** Hours after a's return until its part of the GPU-hours of the last 24 hours is back at a half. */
    private static int hoursUntilHalfOfTheLastDay(SimulationResult r) {
        for (int t = 25; t <= 72; t++) {
            int a = 0, all = 0;
            for (int h = t - 24; h < t; h++) {
                a += heldInHour(r, "a", h);
                all += heldInHour(r, "a", h) + heldInHour(r, "b", h);
            }
            if (2 * a >= all) {
                return t - 24;
            }
        }
        return Integer.MAX_VALUE;
    }

    @Test
    void aQueueIdleForADayGetsItsShareBackFasterWithUsageHistory() {
        SimulationResult without = run(PhalanxConfig.Fairness.OFF);
        SimulationResult with = run(new PhalanxConfig.Fairness("12h", 1.0));
        for (SimulationResult r : List.of(without, with)) {
            assertThat(r.summary().evictions()).isZero(); // every job ends on the hour: room frees, nothing is reclaimed
            for (int h = 0; h < 24; h++) {
                assertThat(heldInHour(r, "b", h)).as("b alone, hour %d", h).isEqualTo(16);
            }
        }
        // without history: a holds its weighted half from the hour it returns, b the other half
        for (int h = 24; h < 72; h++) {
            assertThat(heldInHour(without, "a", h)).as("hour %d", h).isEqualTo(8);
        }
        // with history (half-life 12h): on its return a's decayed usage is 0 and b's 12 (16 for a day, decayed), so
        // a's weight is 1 x 2^1 = 2 and b's 1 x 2^(1 - 12/8) = 0.71: shares 11.8 and 4.2
        assertThat(heldInHour(with, "a", 24)).isEqualTo(12);
        assertThat(heldInHour(with, "b", 24)).isEqualTo(4);
        // then back towards a half each as a's use catches up with b's
        assertThat(heldInHour(with, "a", 71)).isBetween(8, 9);
        // a's part of the GPU-hours of the last day is back at a half 20 hours after its return, instead of 24
        assertThat(hoursUntilHalfOfTheLastDay(without)).isEqualTo(24);
        assertThat(hoursUntilHalfOfTheLastDay(with)).isEqualTo(20);
    }
}
