package dev.phalanx.scheduler.live;

import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.PodPhase;
import dev.phalanx.core.model.Snapshot;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static org.assertj.core.api.Assertions.assertThat;

class ClusterCacheTest {
    private final ClusterCache cache = new ClusterCache(Keys.SCHEDULER_NAME, () -> 0);

    private PodInfo inSnapshot(String key) {
        Snapshot s = cache.snapshot(0);
        return s.pods().stream().filter(p -> p.key().equals(key)).findFirst().orElseThrow();
    }

    @Test
    void anAssumedPodIsBoundInEverySnapshotUntilTheInformerConfirms() {
        cache.put(node("n", 8));
        Pod p = pod("a", "p").gpus(8).build();
        cache.put(p);
        cache.assume("a/p", "n", List.of(0, 1, 2, 3, 4, 5, 6, 7));
        assertThat(inSnapshot("a/p").phase()).isEqualTo(PodPhase.BOUND);
        assertThat(inSnapshot("a/p").nodeName()).isEqualTo("n");
        assertThat(cache.isAssumed("a/p")).isTrue();

        cache.put(p); // an older, still pending version arrives: the assumption stands
        assertThat(inSnapshot("a/p").nodeName()).isEqualTo("n");

        p.getSpec().setNodeName("n"); // the informer sees the binding
        cache.put(p);
        assertThat(cache.isAssumed("a/p")).isFalse();
        assertThat(inSnapshot("a/p").nodeName()).isEqualTo("n");
    }

    @Test
    void aForgottenAssumptionMakesThePodPendingAgain() {
        cache.put(pod("a", "p").gpus(1).build());
        cache.assume("a/p", "n", List.of(0));
        cache.forget("a/p");
        assertThat(inSnapshot("a/p").isPending()).isTrue();
    }

    @Test
    void aDeletedPodLeavesNoAssumptionBehind() {
        Pod p = pod("a", "p").gpus(1).build();
        cache.put(p);
        cache.assume("a/p", "n", List.of(0));
        cache.remove(p);
        assertThat(cache.isAssumed("a/p")).isFalse();
        assertThat(cache.snapshot(0).pods()).isEmpty();
    }

    @Test
    void everyChangeWakesTheListeners() {
        AtomicInteger woken = new AtomicInteger();
        cache.onChange(woken::incrementAndGet);
        cache.put(node("n", 8));
        cache.put(pod("a", "p").build());
        assertThat(woken.get()).isEqualTo(2);
    }

    @Test
    void aBoundPodBeingDeletedIsTerminatingAndItsStartTimeIsKnown() {
        Pod p = pod("a", "p").gpus(1).onNode("n").build();
        p.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running")
                .withStartTime("2026-01-01T00:00:00Z").build());
        cache.put(p);
        assertThat(cache.snapshot(0).planning().startedAt()).containsEntry("a/p", 1767225600000L);
        assertThat(cache.snapshot(0).planning().terminating()).isEmpty();

        p.getMetadata().setDeletionTimestamp("2026-01-01T01:00:00Z");
        cache.put(p);
        assertThat(cache.snapshot(0).planning().terminating()).containsExactly("a/p");
        cache.remove(p);
        assertThat(cache.snapshot(0).planning().terminating()).isEmpty();
        assertThat(cache.snapshot(0).planning().startedAt()).isEmpty();
    }
}
