package dev.phalanx.bench.trace;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.cycle.CapacityView;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodInfo;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Segmented jobs on 2 spines of 2 NVL72 racks (72 nodes, 288 GPUs). */
class SegmentReplayTest {
    private static Set<String> labels(List<Binding> bindings, CapacityView view, String key) {
        Set<String> out = new HashSet<>();
        bindings.forEach(b -> out.add(view.node(view.indexOf(b.node())).label(key)));
        return out;
    }

    /** Takes the first {@code nodes} nodes of rack {@code rack} with 4-GPU pods. */
    private static void fill(CapacityView view, int rack, int nodes) {
        Gang busy = SegmentReplay.gangOf(new SegmentReplay.Shape(1, nodes), 999 + rack, 0);
        for (int k = 0; k < nodes; k++) {
            int i = rack * NvlinkCluster.NODES_PER_DOMAIN + k;
            PodInfo p = busy.members().get(k);
            view.take(i, p, view.chooseDevices(i, p));
        }
    }

    @Test
    void theMixRunsFrom64To512GpusInSegmentsOf64Or72() {
        Set<Integer> sizes = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            SegmentReplay.Shape s = SegmentReplay.shape(7, i);
            assertThat(s.segmentPods()).isIn(16, 18);
            sizes.add(s.gpus());
        }
        assertThat(sizes).contains(64, 72, 504, 512).allSatisfy(g -> assertThat(g).isBetween(64, 512));
    }

    @Test
    void phalanxKeepsAJobUnderOneSpineWhereSegmentBySegmentSplitsIt() {
        List<NodeInfo> nodes = SegmentReplay.nodes(2, 2);
        CapacityView view = NvlinkCluster.emptyView(nodes);
        fill(view, 0, 2); // rack 0 (spine 0): 16 nodes free, the least free rack that holds a 16-pod segment
        fill(view, 2, 2); // rack 2 (spine 1): the same
        fill(view, 3, 2); // rack 3 (spine 1): the same; rack 1 (spine 0) is whole
        Gang job = SegmentReplay.gangOf(new SegmentReplay.Shape(2, 16), 1, 0);
        assertThat(SegmentReplay.fewestSpines(new SegmentReplay.Shape(2, 16), view, rackOf(nodes), spineOf(nodes), 4, 2))
                .isEqualTo(1);

        List<Binding> phalanx = GangPlacer.phalanx(1).place(job, view.withPods(job.members()));
        List<Binding> greedy = GangPlacer.segmentBySegment().place(job, view.withPods(job.members()));

        assertThat(phalanx).hasSize(32);
        assertThat(greedy).hasSize(32);
        assertThat(SegmentReplay.everySegmentInOneRack(job, phalanx, view, rackOf(nodes))).isTrue();
        assertThat(SegmentReplay.everySegmentInOneRack(job, greedy, view, rackOf(nodes))).isTrue();
        assertThat(labels(phalanx, view, Keys.SPINE_LABEL)).hasSize(1);
        assertThat(labels(greedy, view, Keys.SPINE_LABEL)).as("rack 0 first, then a rack of spine 1").hasSize(2);
    }

    private static int[] rackOf(List<NodeInfo> nodes) {
        int[] out = new int[nodes.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = i / NvlinkCluster.NODES_PER_DOMAIN;
        }
        return out;
    }

    private static int[] spineOf(List<NodeInfo> nodes) {
        int[] out = rackOf(nodes);
        for (int i = 0; i < out.length; i++) {
            out[i] /= 2;
        }
        return out;
    }
}
