package dev.phalanx.scheduler.inspect;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What a waiting gang needs, read from the reason the scheduler gave it. */
class WaitExplanationTest {
    @Test
    void aQueueOverItsLimitNeedsMoreLimitOrThatMuchOfItsWorkToFinish() {
        WaitExplanation e = WaitExplanation.of("QueueOverLimit",
                "needs 16 nvidia.com/gpu, queue team-a has 56 of its limit 64 in use", null, null);
        assertThat(e.waitsFor()).isEqualTo("room under queue team-a's nvidia.com/gpu limit: it needs 16, the queue has 56 of 64 in use");
        assertThat(e.wouldStart()).isEqualTo("raising queue team-a's spec.resources[nvidia.com/gpu].limit from 64 to 72 (8 more),"
                + " or 8 nvidia.com/gpu of the queue's running pods finishing");
    }

    @Test
    void aGangLargerThanTheWholeLimitCannotWaitForWorkToFinish() {
        WaitExplanation e = WaitExplanation.of("QueueOverLimit", "needs 4 nvidia.com/gpu, queue capped has 0.5 of its limit 2 in use",
                null, null);
        assertThat(e.wouldStart()).isEqualTo("raising queue capped's spec.resources[nvidia.com/gpu].limit from 2 to 4.5 (2.5 more);"
                + " it asks for more than the whole limit, so no pod finishing would do");
    }

    @Test
    void aGangThatMayNotBePreemptedMayAlsoBeMadePreemptible() {
        WaitExplanation e = WaitExplanation.of("QueueOverQuota",
                "the gang is not preemptible and needs 8 nvidia.com/gpu, queue q has 4 of its quota 8 in use", null, null);
        assertThat(e.wouldStart()).startsWith("raising queue q's spec.resources[nvidia.com/gpu].quota from 8 to 12 (4 more),"
                + " or 4 nvidia.com/gpu of the queue's running pods finishing").contains("spec.preemptible: true");
    }

    @Test
    void anInvalidGangIsToldWhatToChange() {
        assertThat(WaitExplanation.of("Invalid", "queue nope does not exist", null, null).wouldStart())
                .startsWith("creating Queue nope, or naming a queue that exists");
        assertThat(WaitExplanation.of("Invalid", "namespace b may not use queue team-a (its namespaceSelector does not match)",
                null, null).wouldStart()).isEqualTo("labelling namespace b to match queue team-a's spec.namespaceSelector, or using"
                + " a queue whose selector it matches");
        assertThat(WaitExplanation.of("Invalid", "PodGroup a/g does not exist", null, null).wouldStart())
                .isEqualTo("creating PodGroup a/g, or removing the label scheduling.phalanx.dev/pod-group from its pods");
    }

    @Test
    void aReasonItCannotReadIsShownAsItIs() {
        WaitExplanation e = WaitExplanation.of("QueueOverLimit", "something else entirely", null, null);
        assertThat(e.waitsFor()).isEqualTo("room in its queue: something else entirely");
        assertThat(WaitExplanation.of("SomethingNew", "a new reason", null, null).waitsFor()).isEqualTo("a new reason");
    }

    @Test
    void aPodsUnschedulableReasonCarriesPhalanxsCodeInItsMessage() {
        assertThat(WhyReport.Reason.ofPod("Unschedulable", "InsufficientResources: needs 4 nvidia.com/gpu"))
                .isEqualTo(new WhyReport.Reason("InsufficientResources", "needs 4 nvidia.com/gpu"));
        assertThat(WhyReport.Reason.ofPod("Unschedulable", "needs 16 nvidia.com/gpu for 1 pods; it would not fit: really"))
                .isEqualTo(new WhyReport.Reason("Unschedulable", "needs 16 nvidia.com/gpu for 1 pods; it would not fit: really"));
        assertThat(WhyReport.Reason.ofPod("QueueOverLimit", "needs 4")).isEqualTo(new WhyReport.Reason("QueueOverLimit", "needs 4"));
    }
}
