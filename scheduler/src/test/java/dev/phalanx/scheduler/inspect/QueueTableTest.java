package dev.phalanx.scheduler.inspect;

import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.api.v1alpha1.QueueStatus;
import dev.phalanx.core.model.Keys;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;

class QueueTableTest {
    private static Queue withStatus(Queue q, String fair, String allocated, String requested) {
        QueueStatus s = new QueueStatus();
        s.setFairShare(Map.of(Keys.GPU, fair));
        s.setAllocated(Map.of(Keys.GPU, allocated));
        s.setRequested(Map.of(Keys.GPU, requested));
        q.setStatus(s);
        return q;
    }

    @Test
    void theTreeShowsEachQueuesSharesAndAParentCountsItsChildrensWaitingGangs() {
        ClusterObjects cluster = new ClusterObjects(List.of(node("n", 8)),
                List.of(pod("a", "p1").gpus(4).queue("llm").build(), pod("a", "p2").gpus(4).queue("llm").build(),
                        pod("a", "p3").gpus(2).queue("vision").build()),
                List.of(namespace("a")), List.of(),
                List.of(withStatus(queue("training").gpu("8", 1, "-1").build(), "8", "0", "10"),
                        withStatus(queue("llm").parent("training").gpu("6", 1, "12").build(), "6", "0", "8"),
                        withStatus(queue("vision").parent("training").gpu("2", 1, "-1").build(), "2", "1", "2"),
                        queue("orphan").parent("gone").build()),
                List.of());
        String out = QueueTable.render(cluster, Keys.SCHEDULER_NAME, Keys.GPU, 0);
        assertThat(out.lines().toList()).startsWith(
                "QUEUE      QUOTA   LIMIT   FAIR SHARE   ALLOCATED   REQUESTED   USE   WAITING",
                "orphan         0    none            -           0           0     -         0",
                "training       8    none            8           0          10    0%         3",
                "  llm          6      12            6           0           8    0%         2",
                "  vision       2    none            2           1           2   50%         1");
        assertThat(out).contains("! queue orphan: its parent gone does not exist");
    }
}
