package dev.phalanx.queue.reconcile;

import dev.phalanx.api.v1alpha1.Queue;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;

class QueueValidationTest {
    private static Condition find(List<Condition> cs, String type) {
        return cs.stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
    }

    @Test
    void aValidLeafQueueHasOneTrueCondition() {
        Queue q = queue("a").gpu("8", 1, "16").build();
        List<Condition> cs = QueueValidation.conditions(q, List.of(q), "t0");
        assertThat(cs).singleElement().satisfies(c -> {
            assertThat(c.getType()).isEqualTo("Valid");
            assertThat(c.getStatus()).isEqualTo("True");
        });
    }

    @Test
    void childrenWhoseQuotasExceedTheParentsAreReportedOnTheParent() {
        Queue org = queue("org").gpu("10", 1, "-1").build();
        List<Queue> all = List.of(org, queue("a").parent("org").gpu("6", 1, "-1").build(),
                queue("b").parent("org").gpu("6", 1, "-1").build());
        Condition c = find(QueueValidation.conditions(org, all, "t0"), "ChildQuotasFit");
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getMessage()).startsWith("the quotas of its children a, b add up to 12 nvidia.com/gpu, more than its own quota of 10");
    }

    @Test
    void aStringLimitBelowItsQuotaMakesTheQueueInvalid() {
        Queue q = queue("a").gpu("16", 1, "8").build();
        Condition c = find(QueueValidation.conditions(q, List.of(q), "t0"), "Valid");
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getMessage()).contains("limit 8 is below its quota 16");
    }

    @Test
    void anUnchangedConditionKeepsItsTransitionTime() {
        Condition before = new ConditionBuilder().withType("Valid").withStatus("True").withLastTransitionTime("t0").build();
        Condition now = new ConditionBuilder().withType("Valid").withStatus("True").withLastTransitionTime("t1").build();
        Condition flipped = new ConditionBuilder().withType("Valid").withStatus("False").withLastTransitionTime("t2").build();
        assertThat(QueueValidation.carryTransitionTimes(List.of(now), List.of(before)).get(0).getLastTransitionTime()).isEqualTo("t0");
        assertThat(QueueValidation.carryTransitionTimes(List.of(flipped), List.of(before)).get(0).getLastTransitionTime()).isEqualTo("t2");
    }
}
