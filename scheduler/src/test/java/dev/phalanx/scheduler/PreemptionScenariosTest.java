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

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.priorityClass;
import static dev.phalanx.testing.Testing.queue;
import static dev.phalanx.testing.Testing.yaml;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Preemption and reclaim in simulation, on scenarios whose right answer is known: who is evicted, who
 * is not, when the worthier gang starts, and that nothing is evicted back and forth.
 */
class PreemptionScenariosTest {
    private final List<HasMetadata> objects = new ArrayList<>();

    private PreemptionScenariosTest cluster(int nodes, int gpusEach) {
        for (int i = 0; i < nodes; i++) {
            objects.add(node("n" + i, gpusEach));
        }
        objects.add(priorityClass("low", 10));
        objects.add(priorityClass("high", 100));
        return this;
    }

    /** A gang of {@code pods} pods of {@code gpus} GPUs each, in namespace = queue {@code q}. */
    private PreemptionScenariosTest gang(String q, String name, int minMember, int pods, int gpus, String priority,
                                         boolean preemptible, String at, String runFor) {
        return gang(q, name, minMember, pods, gpus, priority, preemptible, at, runFor, null);
    }

    /** The same, its pods saying they write a checkpoint every {@code checkpointEvery} (null: they say nothing). */
    private PreemptionScenariosTest gang(String q, String name, int minMember, int pods, int gpus, String priority,
                                         boolean preemptible, String at, String runFor, String checkpointEvery) {
        var g = podGroup(q, name, minMember).queue(q).submitAt(at).preemptible(preemptible);
        if (priority != null) {
            g.priorityClass(priority);
        }
        objects.add(g.build());
        for (int i = 0; i < pods; i++) {
            var p = pod(q, name + "-" + i).group(name).gpus(gpus).submitAt(at).runFor(runFor);
            if (priority != null) {
                p.priorityClass(priority);
            }
            var built = p.build();
            if (checkpointEvery != null) {
                built.getMetadata().getAnnotations().put(Keys.CHECKPOINT_INTERVAL_ANNOTATION, checkpointEvery);
            }
            objects.add(built);
        }
        return this;
    }

    private SimulationResult run() {
        return run(true);
    }

    /** {@code runTimesKnown} false: the cycle sees only when pods started, as live. */
    private SimulationResult run(boolean runTimesKnown) {
        return run(runTimesKnown, Policies.defaultCycle());
    }

    private SimulationResult run(boolean runTimesKnown, dev.phalanx.core.cycle.SchedulingCycle cycle) {
        var manifests = new ManifestReader().read(yaml(objects), "preemption.yaml").manifests();
        return new Simulation(manifests, cycle, Policies.reporter(),
                SimulationOptions.until(24 * 3_600_000L).withRunTimesKnown(runTimesKnown)).run();
    }

    private static SimulationResult.PodGroupRecord group(SimulationResult r, String name) {
        return r.podGroups().stream().filter(g -> g.name().equals(name)).findFirst().orElseThrow();
    }

    private static SimulationResult.PodRecord podRecord(SimulationResult r, String name) {
        return r.pods().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    private static List<String> evicted(SimulationResult r) {
        return r.pods().stream().filter(p -> !p.evictedAt().isEmpty()).map(SimulationResult.PodRecord::name).sorted().toList();
    }

    private void queues(String... defs) {
        for (String d : defs) {
            String[] f = d.split(":"); // name:quota
            objects.add(namespace(f[0]));
            objects.add(queue(f[0]).gpu(f[1], 1, "-1").build());
        }
    }

    @Test
    void aHigherPriorityGangPreemptsAWholeLowerPriorityGangOfItsQueue() {
        cluster(1, 8);
        queues("q:0");
        gang("q", "low", 2, 2, 4, "low", true, "0s", "10h");
        gang("q", "high", 2, 2, 4, "high", true, "10m", "1h");
        SimulationResult r = run();
        assertThat(group(r, "high").scheduledAt()).isEqualTo(600.0);
        assertThat(evicted(r)).containsExactly("low-0", "low-1");
        SimulationResult.PodRecord low0 = podRecord(r, "low-0");
        assertThat(low0.evictedRuns()).singleElement().satisfies(run -> {
            assertThat(run.reason()).isEqualTo("Preempted");
            assertThat(run.forGang()).isEqualTo("q/high");
            assertThat(run.evictedAt()).isEqualTo(600.0);
        });
        // the victims come back pending in their gang and start again once the room is free
        assertThat(low0.boundAt()).isEqualTo(600.0 + 3600.0);
        assertThat(r.summary().evictions()).isEqualTo(2);
    }

    @Test
    void equalPriorityAndNonPreemptibleGangsAreNotPreempted() {
        cluster(1, 8);
        queues("q:0");
        gang("q", "same", 1, 1, 4, "high", true, "0s", "2h");
        gang("q", "guarded", 1, 1, 4, "low", false, "0s", "2h");
        gang("q", "high", 1, 1, 8, "high", true, "10m", "1h");
        SimulationResult r = run();
        assertThat(evicted(r)).isEmpty();
        assertThat(group(r, "high").scheduledAt()).isEqualTo(2 * 3600.0);
    }

    @Test
    void elasticMembersAreEvictedBeforeAnyWholeGang() {
        cluster(1, 16);
        queues("q:0");
        gang("q", "elastic", 2, 4, 4, "low", true, "0s", "10h"); // minMember 2 of 4: two are elastic
        gang("q", "high", 1, 1, 8, "high", true, "10m", "1h");
        SimulationResult r = run();
        assertThat(group(r, "high").scheduledAt()).isEqualTo(600.0);
        assertThat(evicted(r)).containsExactly("elastic-2", "elastic-3");
        // the gang kept running on its first two members the whole time
        assertThat(podRecord(r, "elastic-0").boundAt())
                .isEqualTo(0.0);
    }

    @Test
    void aGangYoungerThanPreemptMinRuntimeIsLeftAloneUntilItIsOlder() {
        cluster(1, 8);
        objects.add(namespace("q"));
        objects.add(queue("q").gpu("0", 1, "-1").minRuntimes("1h", "1h").build());
        gang("q", "low", 1, 1, 8, "low", true, "0s", "10h");
        gang("q", "high", 1, 1, 8, "high", true, "10m", "1h");
        // something must happen at 1h for a cycle to run then: a job that does not fit
        gang("q", "tick", 1, 1, 16, "low", true, "1h", "1m");
        SimulationResult r = run();
        assertThat(group(r, "high").scheduledAt()).isEqualTo(3600.0);
        assertThat(evicted(r)).containsExactly("low-0");
    }

    @Test
    void aQueueBelowItsFairShareReclaimsFromOneAboveAndNothingIsEvictedBack() {
        cluster(2, 8);
        queues("a:8", "b:8");
        // b borrows a's idle quota with two 8-GPU gangs; a then asks for its own 8
        gang("b", "b1", 1, 1, 8, null, true, "0s", "10h");
        gang("b", "b2", 1, 1, 8, null, true, "1m", "10h");
        gang("a", "a1", 1, 1, 8, null, true, "30m", "5h");
        SimulationResult r = run();
        assertThat(group(r, "a1").scheduledAt()).isEqualTo(1800.0);
        // the least work lost: b2 started later
        assertThat(evicted(r)).containsExactly("b2-0");
        var b2 = podRecord(r, "b2-0");
        assertThat(b2.evictedRuns()).singleElement().satisfies(run -> assertThat(run.reason()).isEqualTo("Reclaimed"));
        // b at its fair share cannot take back from a, which is at its own: b2 waits for a1 to end
        assertThat(r.summary().evictions()).isEqualTo(1);
        assertThat(b2.boundAt()).isEqualTo(1800.0 + 5 * 3600.0);
    }

    @Test
    void inQuotaUsageIsNeverReclaimed() {
        cluster(2, 8);
        queues("a:0", "b:16");
        gang("b", "b1", 1, 1, 8, null, true, "0s", "3h");
        gang("b", "b2", 1, 1, 8, null, true, "0s", "3h");
        gang("a", "a1", 1, 1, 8, null, true, "30m", "1h");
        SimulationResult r = run();
        assertThat(evicted(r)).isEmpty();
        assertThat(group(r, "a1").scheduledAt()).isEqualTo(3 * 3600.0);
    }

    @Test
    void lowerPriorityNeverPreemptsBackAfterBeingPreempted() {
        cluster(1, 8);
        queues("q:0");
        gang("q", "low", 1, 1, 8, "low", true, "0s", "1h");
        gang("q", "high", 1, 1, 8, "high", true, "10m", "30m");
        gang("q", "high2", 1, 1, 8, "high", true, "20m", "30m");
        SimulationResult r = run();
        // low is evicted once; high2 waits for high (equal priority), then low runs last
        assertThat(r.summary().evictions()).isEqualTo(1);
        assertThat(group(r, "high2").scheduledAt()).isEqualTo(600.0 + 1800.0);
        assertThat(podRecord(r, "low-0").boundAt())
                .isEqualTo(600.0 + 3600.0);
    }

    @Test
    void reclaimThatWouldThrowAwayMoreWorkThanWaitingCostsIsNotMade() {
        cluster(2, 8);
        queues("a:8", "b:8");
        // b borrows a's idle quota; a asks for it back at 1h30m, when each of b's gangs has run 1.5h on 8 GPUs: evicting
        // one throws away 12 GPU-hours, while the room frees by itself at 2h, half an hour (4 GPU-hours of waiting) later
        gang("b", "b1", 1, 1, 8, null, true, "0s", "10h");
        gang("b", "b2", 1, 1, 8, null, true, "0s", "2h");
        gang("a", "a1", 1, 1, 8, null, true, "90m", "5h");
        SimulationResult r = run();
        assertThat(evicted(r)).isEmpty();
        assertThat(group(r, "a1").scheduledAt()).isEqualTo(2 * 3600.0);
        assertThat(r.summary().gpuHoursLost()).isZero();
    }

    @Test
    void theVictimThatLosesLeastGoesFirstAndResumesFromItsCheckpoint() {
        cluster(2, 8);
        queues("a:8", "b:8");
        // at 1h10m b1 (checkpoints every 30m) has 10 minutes of unsaved work, b2 (started at 10m, no checkpoints) an hour
        gang("b", "b1", 1, 1, 8, null, true, "0s", "10h", "30m");
        gang("b", "b2", 1, 1, 8, null, true, "10m", "10h");
        gang("a", "a1", 1, 1, 8, null, true, "70m", "5h");
        SimulationResult r = run();
        assertThat(evicted(r)).containsExactly("b1-0");
        assertThat(group(r, "a1").scheduledAt()).isEqualTo(70 * 60.0);
        assertThat(podRecord(r, "b1-0").evictedRuns()).singleElement()
                .satisfies(run -> assertThat(run.reason()).isEqualTo("Reclaimed"));
        // 8 GPUs x 10 minutes lost; b1 starts again when a1 ends (6h10m) with 9 of its 10 hours left
        assertThat(r.summary().gpuHoursLost()).isCloseTo(8 * 10 / 60.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(podRecord(r, "b1-0").boundAt()).isEqualTo(70 * 60.0 + 5 * 3600.0);
        assertThat(podRecord(r, "b1-0").finishedAt()).isEqualTo(70 * 60.0 + 5 * 3600.0 + 9 * 3600.0);
    }

    @Test
    void withoutKnownRunTimesAJobIsExpectedToRunAsLongAgainAsItHasSoReclaimPaysOnlyForCheckpointedWork() {
        // as live: the cycle is not told that b's jobs run 10h. At 2h5m b2 has 2h4m of work to lose, and a restart,
        // and is expected to run 2h4m more: evicting it would throw away more than a1 saves, so a1 waits for the room
        twoQueuesOfEightGpus();
        gang("b", "b1", 1, 1, 8, null, true, "0s", "10h");
        gang("b", "b2", 1, 1, 8, null, true, "1m", "10h");
        gang("a", "a1", 1, 1, 8, null, true, "125m", "5h");
        SimulationResult blind = run(false);
        assertThat(evicted(blind)).isEmpty();
        assertThat(group(blind, "a1").scheduledAt()).isEqualTo(10 * 3600.0);

        // b1 checkpoints every 10 minutes: it loses 5 and its 30-minute restart, while the room is expected to free in
        // two hours at the earliest; that pays
        objects.clear();
        twoQueuesOfEightGpus();
        gang("b", "b1", 1, 1, 8, null, true, "0s", "10h", "10m");
        gang("b", "b2", 1, 1, 8, null, true, "1m", "10h");
        gang("a", "a1", 1, 1, 8, null, true, "125m", "5h");
        SimulationResult saved = run(false);
        assertThat(evicted(saved)).containsExactly("b1-0");
        assertThat(group(saved, "a1").scheduledAt()).isEqualTo(125 * 60.0);
        assertThat(saved.summary().gpuHoursLost()).isCloseTo(8 * 5 / 60.0, org.assertj.core.data.Offset.offset(1e-9));

        // a job that has just started and saves nothing: by lost work alone (no restart cost) it is worth evicting
        // for a gang of its size, as the room is expected to free no sooner than ten minutes from now
        objects.clear();
        twoQueuesOfEightGpus();
        gang("b", "b1", 1, 1, 8, null, true, "0s", "10h");
        gang("b", "b2", 1, 1, 8, null, true, "124m", "10h");
        gang("a", "a1", 1, 1, 8, null, true, "125m", "5h");
        assertThat(evicted(run(false))).isEmpty();
        SimulationResult young = run(false, lostWorkAlone());
        assertThat(evicted(young)).containsExactly("b2-0");
        assertThat(group(young, "a1").scheduledAt()).isEqualTo(125 * 60.0);
    }

    @Test
    void aRestartCostSparesAJobThatHasJustStartedWhenTheRoomFreesSoonByItself() {
        // at 1h b2 has run a minute and ends at 1h20m: by lost work alone evicting it pays (a minute lost, twenty
        // minutes of waiting saved); counting the default 30-minute restart for it, waiting twenty minutes is cheaper
        twoQueuesOfEightGpus();
        gang("b", "b1", 1, 1, 8, null, true, "0s", "10h");
        gang("b", "b2", 1, 1, 8, null, true, "59m", "21m");
        gang("a", "a1", 1, 1, 8, null, true, "60m", "5h");
        SimulationResult withRestart = run(true);
        assertThat(evicted(withRestart)).isEmpty();
        assertThat(group(withRestart, "a1").scheduledAt()).isEqualTo(80 * 60.0);
        assertThat(withRestart.summary().gpuHoursLost()).isZero();

        SimulationResult lostWorkAlone = run(true, lostWorkAlone());
        assertThat(evicted(lostWorkAlone)).containsExactly("b2-0");
        assertThat(group(lostWorkAlone, "a1").scheduledAt()).isEqualTo(60 * 60.0);
    }

    /** Two 8-GPU nodes and queues a and b with 8 GPUs of quota each. */
    private void twoQueuesOfEightGpus() {
        cluster(2, 8);
        queues("a:8", "b:8");
    }

    /** Reclaim weighing the victims' lost work alone, no restart cost. */
    private static dev.phalanx.core.cycle.SchedulingCycle lostWorkAlone() {
        PhalanxConfig config = PhalanxConfig.defaults().withReclaim(new PhalanxConfig.Reclaim(null, "0"));
        return new dev.phalanx.core.cycle.SchedulingCycle(Policies.reproducible(Policies.DEFAULT_SEED, true, config));
    }
}
