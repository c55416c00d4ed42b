package dev.phalanx.queue.status;

import dev.phalanx.core.model.GangPhase;
import dev.phalanx.queue.status.GangLifecycle.Observation;
import dev.phalanx.testing.PropertySeeds;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The phase machine: what each observation means, and every transition in its table reached. */
class GangLifecycleTest {
    // a gang of 4 members, minMember 3
    private static final Observation WAITING = new Observation(4, 3, 0, 0, 0, 0, false);
    private static final Observation ADMITTED = new Observation(4, 3, 0, 0, 0, 0, true);
    private static final Observation BOUND = new Observation(4, 3, 3, 0, 0, 0, false);
    private static final Observation RUNNING = new Observation(4, 3, 3, 3, 0, 0, false);
    private static final Observation REPLACING = new Observation(4, 3, 3, 2, 0, 0, false); // one member bound, not yet running
    private static final Observation SUCCEEDED = new Observation(4, 3, 0, 0, 4, 0, false);
    private static final Observation FAILED = new Observation(4, 3, 0, 0, 3, 1, false);
    private static final Observation TOO_FEW = new Observation(2, 3, 0, 0, 0, 0, false);

    /** An observation that takes a gang from {@code from} to {@code to}, for every pair in the table. */
    private static Observation leading(GangPhase from, GangPhase to) {
        return switch (to) {
            case PENDING -> from == GangPhase.SUCCEEDED || from == GangPhase.FAILED ? new Observation(5, 3, 0, 0, 4, 0, false)
                    : WAITING;
            case ADMITTED -> from == GangPhase.SUCCEEDED || from == GangPhase.FAILED ? new Observation(5, 3, 0, 0, 4, 0, true)
                    : ADMITTED;
            case SCHEDULED -> BOUND;
            case RUNNING -> RUNNING;
            case SUCCEEDED -> SUCCEEDED;
            case FAILED -> FAILED;
        };
    }

    @Test
    void everyTransitionInTheTableIsReached() {
        Map<GangPhase, Set<GangPhase>> reached = new EnumMap<>(GangPhase.class);
        for (GangPhase from : GangPhase.values()) {
            for (GangPhase to : GangLifecycle.TRANSITIONS.get(from)) {
                assertThat(GangLifecycle.next(from, leading(from, to))).as(from + " -> " + to).isEqualTo(to);
                reached.computeIfAbsent(from, k -> EnumSet.noneOf(GangPhase.class)).add(to);
            }
        }
        assertThat(reached).isEqualTo(GangLifecycle.TRANSITIONS.entrySet().stream()
                .filter(e -> !e.getValue().isEmpty())
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> EnumSet.copyOf(e.getValue()))));
    }

    @Test
    void theTableLeavesOutOnlyWhatTheRulesForbid() {
        assertThat(GangLifecycle.TRANSITIONS.get(GangPhase.RUNNING)).doesNotContain(GangPhase.SCHEDULED);
        assertThat(GangLifecycle.TRANSITIONS.get(GangPhase.SUCCEEDED)).doesNotContain(GangPhase.FAILED);
        assertThat(GangLifecycle.TRANSITIONS.get(GangPhase.FAILED)).doesNotContain(GangPhase.SUCCEEDED);
    }

    @Test
    void aFirstObservationMayStartAnywhere() {
        assertThat(GangLifecycle.next(null, TOO_FEW)).isEqualTo(GangPhase.PENDING);
        assertThat(GangLifecycle.next(null, ADMITTED)).isEqualTo(GangPhase.ADMITTED);
        assertThat(GangLifecycle.next(null, BOUND)).isEqualTo(GangPhase.SCHEDULED);
        assertThat(GangLifecycle.next(null, RUNNING)).isEqualTo(GangPhase.RUNNING);
        assertThat(GangLifecycle.next(null, SUCCEEDED)).isEqualTo(GangPhase.SUCCEEDED);
        assertThat(GangLifecycle.next(null, FAILED)).isEqualTo(GangPhase.FAILED);
    }

    @Test
    void aRunningGangWhoseMemberIsBeingReplacedStaysRunning() {
        assertThat(GangLifecycle.next(GangPhase.RUNNING, REPLACING)).isEqualTo(GangPhase.RUNNING);
        assertThat(GangLifecycle.next(GangPhase.SCHEDULED, REPLACING)).isEqualTo(GangPhase.SCHEDULED);
    }

    @Test
    void aGangThatLosesMembersItNeedsGoesBackToWaiting() {
        Observation twoLeft = new Observation(4, 3, 2, 2, 0, 0, true);
        assertThat(GangLifecycle.next(GangPhase.RUNNING, twoLeft)).isEqualTo(GangPhase.ADMITTED);
        assertThat(GangLifecycle.next(GangPhase.SCHEDULED, new Observation(3, 3, 2, 0, 0, 0, false))).isEqualTo(GangPhase.PENDING);
    }

    @Test
    void anOutcomeIsNotRevised() {
        assertThat(GangLifecycle.next(GangPhase.SUCCEEDED, FAILED)).isEqualTo(GangPhase.SUCCEEDED);
        assertThat(GangLifecycle.next(GangPhase.FAILED, SUCCEEDED)).isEqualTo(GangPhase.FAILED);
    }

    @TestFactory
    Stream<DynamicTest> noObservationLeadsOutsideTheTable() {
        return PropertySeeds.tests(20, GangLifecycleTest::randomObservations);
    }

    private static void randomObservations(long seed) {
        Random r = new Random(seed);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 2_000; i++) {
            int members = r.nextInt(6), min = 1 + r.nextInt(4);
            int succeeded = r.nextInt(members + 1), failed = r.nextInt(members - succeeded + 1);
            int bound = r.nextInt(members - succeeded - failed + 1), running = r.nextInt(bound + 1);
            Observation o = new Observation(members, min, bound, running, succeeded, failed, r.nextBoolean());
            GangPhase from = r.nextInt(7) == 0 ? null : GangPhase.values()[r.nextInt(GangPhase.values().length)];
            GangPhase to = GangLifecycle.next(from, o); // throws when it leaves the table
            seen.add(from + "->" + to);
        }
        assertThat(seen).hasSizeGreaterThan(30);
    }

    @Test
    void phasesAreSpelledAsTheApiShowsThem() {
        assertThat(List.of(GangPhase.values())).extracting(GangPhase::display)
                .containsExactly("Pending", "Admitted", "Scheduled", "Running", "Succeeded", "Failed");
    }
}
