package dev.phalanx.scheduler;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CommitPort;
import dev.phalanx.core.cycle.CycleReport;
import dev.phalanx.core.cycle.CycleRunner;
import dev.phalanx.core.cycle.Eviction;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.NamespaceInfo;
import dev.phalanx.core.sim.InMemoryCluster;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;

/** The one driver of the cycle: the order of a commit, and cycles that decide while bindings are in flight. */
class CycleRunnerTest {
    /** Commits into an in-memory cluster, in order, and holds every gang's bindings until told. */
    private static final class HeldCommits implements CommitPort {
        final InMemoryCluster cluster;
        final List<String> log = new ArrayList<>();
        final List<CompletableFuture<List<Binding>>> held = new ArrayList<>();

        HeldCommits(InMemoryCluster cluster) {
            this.cluster = cluster;
        }

        @Override
        public void evict(List<Eviction> evictions) {
            log.add("evict " + evictions.size());
            cluster.evict(evictions);
        }

        @Override
        public CompletableFuture<List<Binding>> bind(GangDecision gang) {
            log.add("bind " + gang.gangKey());
            cluster.bind(gang); // assumed at once: later snapshots count it
            CompletableFuture<List<Binding>> f = new CompletableFuture<>();
            held.add(f);
            return f;
        }

        @Override
        public void report(CycleReport report) {
            log.add("report " + report.gangs().size());
        }
    }

    private static InMemoryCluster cluster(int pods) {
        InMemoryCluster c = new InMemoryCluster("phalanx-scheduler");
        c.addNode(KubeObjects.node(node("n", 8)));
        c.addQueue(KubeObjects.queue(queue("default").build(), 0));
        c.addNamespace(new NamespaceInfo("ns", Map.of()));
        for (int i = 0; i < pods; i++) {
            c.addPod(KubeObjects.pod(pod("ns", "p" + i).gpus(1).build(), x -> 0, i), -1);
        }
        return c;
    }

    @Test
    void aCycleCommitsEvictionsThenBindingsThenReports() {
        HeldCommits commits = new HeldCommits(cluster(2));
        CycleRunner runner = new CycleRunner(Policies.defaultCycle(), Policies.reporter(), commits.cluster, commits, () -> 0, 4);
        runner.runOnce();
        assertThat(commits.log).containsExactly("bind ns/p0", "bind ns/p1", "report 2");
    }

    @Test
    void withCommitsInFlightTheNextCycleDecidesWithoutWaitingAndCountsWhatIsInFlight() throws Exception {
        HeldCommits commits = new HeldCommits(cluster(2));
        CycleRunner runner = new CycleRunner(Policies.defaultCycle(), Policies.reporter(), commits.cluster, commits, () -> 0, 4);
        CycleRunner.Outcome first = runner.runOnce(); // returns with both bindings unanswered
        assertThat(first.result().placed()).hasSize(2);
        assertThat(runner.commitsInFlight()).isEqualTo(2);
        commits.cluster.addPod(KubeObjects.pod(pod("ns", "late").gpus(8).build(), x -> 0, 5), -1);
        CycleRunner.Outcome second = runner.runOnce();
        // the node's 8 GPUs hold the two in flight: the late 8-GPU pod finds no room, nothing is offered twice
        assertThat(second.result().placed()).isEmpty();
        assertThat(second.result().decisions()).singleElement().satisfies(d -> assertThat(d.gangKey()).isEqualTo("ns/late"));
        commits.held.forEach(f -> f.complete(List.of()));
        runner.awaitCommits();
        assertThat(runner.commitsInFlight()).isZero();
    }

    @Test
    void atTheBoundACycleWaitsForTheOldestCommit() throws Exception {
        HeldCommits commits = new HeldCommits(cluster(3));
        CycleRunner runner = new CycleRunner(Policies.defaultCycle(), Policies.reporter(), commits.cluster, commits, () -> 0, 3);
        runner.runOnce(); // three gangs of one in flight: the bound
        CompletableFuture<CycleRunner.Outcome> next = CompletableFuture.supplyAsync(runner::runOnce);
        Thread.sleep(200);
        assertThat(next).as("it waits for the oldest commit").isNotDone();
        commits.held.get(0).complete(List.of(new Binding("ns", "p0", "n", List.of(0))));
        CycleRunner.Outcome o = next.get(10, TimeUnit.SECONDS);
        assertThat(o.failedBindings()).extracting(Binding::pod).containsExactly("p0");
    }

    @Test
    void withoutCommitsInFlightACycleWaitsForItsBindingsBeforeItReports() throws Exception {
        HeldCommits commits = new HeldCommits(cluster(1));
        CycleRunner runner = new CycleRunner(Policies.defaultCycle(), Policies.reporter(), commits.cluster, commits, () -> 0, 0);
        CompletableFuture<CycleRunner.Outcome> cycle = CompletableFuture.supplyAsync(runner::runOnce);
        Thread.sleep(200);
        assertThat(commits.log).containsExactly("bind ns/p0");
        commits.held.get(0).complete(List.of());
        cycle.get(10, TimeUnit.SECONDS);
        assertThat(commits.log).containsExactly("bind ns/p0", "report 1");
    }
}
