package dev.phalanx.bench.trace;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.NodeInfo;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Locality on a tiny cluster of two NVLink domains (36 nodes, 144 GPUs). */
class LocalityReplayTest {
    private static final int DOMAINS = 2;

    private static PhillyTrace.Job job(long at, long seconds, int gpus) {
        return new PhillyTrace.Job(at, seconds, gpus, "vc");
    }

    private static int[] domainOf(List<NodeInfo> nodes) {
        int[] d = new int[nodes.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = i / NvlinkCluster.NODES_PER_DOMAIN;
        }
        return d;
    }

    @Test
    void aJobIsAGangOfFourGpuPodsWithTheRemainderInTheLast() {
        Gang g = LocalityReplay.gangOf(job(0, 1, 10), 7, 0);
        assertThat(g.members()).extracting(p -> p.wholeGpus()).containsExactly(4, 4, 2);
        assertThat(g.minMember()).isEqualTo(3);
        assertThat(g.topologyPreferred()).isEqualTo("nvidia.com/gpu.clique");
    }

    @Test
    void theFewestDomainsPossibleFollowTheFreeCapacity() {
        List<NodeInfo> nodes = NvlinkCluster.nodes(DOMAINS);
        CapacityView view = NvlinkCluster.emptyView(nodes);
        int[] domainOf = domainOf(nodes);
        Gang busy = LocalityReplay.gangOf(job(0, 1, 40), 0, 0); // 10 whole nodes
        assertThat(LocalityReplay.fewestDomains(busy, view, domainOf, DOMAINS)).isEqualTo(1);
        for (int i = 0; i < 10; i++) { // fill 10 nodes of domain 0
            view.take(i, busy.members().get(i), view.chooseDevices(i, busy.members().get(i)));
        }
        assertThat(LocalityReplay.fewestDomains(LocalityReplay.gangOf(job(0, 1, 72), 1, 0), view, domainOf, DOMAINS))
                .as("domain 1 is still whole").isEqualTo(1);
        assertThat(LocalityReplay.fewestDomains(LocalityReplay.gangOf(job(0, 1, 100), 2, 0), view, domainOf, DOMAINS))
                .as("25 nodes: 18 in domain 1 and 7 of the 8 left in domain 0").isEqualTo(2);
        assertThat(LocalityReplay.fewestDomains(LocalityReplay.gangOf(job(0, 1, 144), 3, 0), view, domainOf, DOMAINS))
                .isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void phalanxKeepsAGangInOneDomainWhereNodeByNodeBestFitScattersIt() {
        List<NodeInfo> nodes = NvlinkCluster.nodes(DOMAINS);
        CapacityView view = NvlinkCluster.emptyView(nodes);
        Gang gang = LocalityReplay.gangOf(job(0, 1, 72), 0, 0);
        List<Binding> phalanx = GangPlacer.phalanx(1).place(gang, view);
        List<Binding> scattered = GangPlacer.nodeByNodeBestFit(new SplittableRandom(1)).place(gang, view);
        assertThat(LocalityReplay.spannedDomains(phalanx, view, domainOf(nodes))).isEqualTo(1);
        assertThat(LocalityReplay.spannedDomains(scattered, view, domainOf(nodes))).isEqualTo(2);
        assertThat(view.freeGpuMilli(0)).as("placing leaves the capacity as it was").isEqualTo(4000);
    }

    @Test
    void gangsWaitUntilEverythingFitsAndDepartAfterTheirDuration() {
        List<PhillyTrace.Job> jobs = List.of(
                job(1000, 100, 144),  // the whole cluster for 100 s
                job(1010, 50, 8),     // waits 90 s
                job(1020, 10, 200));  // never fits
        LocalityReplay.Outcome o = LocalityReplay.run(DOMAINS, jobs, GangPlacer.phalanx(1));
        assertThat(o.gangs()).isEqualTo(3);
        assertThat(o.started()).isEqualTo(2);
        assertThat(o.multiNodeStarted()).isEqualTo(2);
        assertThat(o.multiNodeAtFewest()).isEqualTo(2);
        assertThat(o.meanWaitSeconds()).isEqualTo(45.0);
        assertThat(o.bySize().get(144).started()).isEqualTo(1);
    }

    @Test
    void onTheSameJobsPhalanxReachesTheFewestDomainsMoreOftenThanNodeByNodeBestFit() {
        List<PhillyTrace.Job> jobs = List.of(job(0, 500, 8), job(10, 500, 16), job(20, 500, 24), job(30, 500, 32),
                job(40, 100, 4), job(600, 100, 64));
        LocalityReplay.Outcome phalanx = LocalityReplay.run(DOMAINS, jobs, GangPlacer.phalanx(1));
        LocalityReplay.Outcome baseline = LocalityReplay.run(DOMAINS, jobs, GangPlacer.nodeByNodeBestFit(new SplittableRandom(5)));
        assertThat(phalanx.multiNodeAtFewest()).isEqualTo(5);
        assertThat(baseline.multiNodeAtFewest()).isLessThan(5);
        assertThat(phalanx.fitOneDomainInOne()).isEqualTo(phalanx.fitOneDomainStarted());
    }
}
