package dev.phalanx.core.model;

import dev.phalanx.testing.PropertySeeds;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The decay arithmetic of a queue's usage history, on worked numbers and as properties over random histories. */
class UsageHistoryTest {
    private static final long HOUR = 3_600_000L;

    @Test
    void oneHalfLifeLaterTheOldAverageCountsHalf() {
        // held 8 GPUs on average, then 0 for a half-life: 4; then 16 for another: 10
        UsageHistory h = new UsageHistory(0, Map.of(Keys.GPU, 8.0), Map.of());
        UsageHistory later = h.advance(6 * HOUR, 6 * HOUR);
        assertThat(later.decayed(Keys.GPU)).isCloseTo(4.0, within(1e-12));
        assertThat(later.at()).isEqualTo(6 * HOUR);
        assertThat(later.holding(Map.of(Keys.GPU, 16.0)).advance(12 * HOUR, 6 * HOUR).decayed(Keys.GPU))
                .isCloseTo(10.0, within(1e-12));
    }

    @Test
    void aQueueThatHeldTheSameForLongHasThatAsItsDecayedUsage() {
        UsageHistory h = UsageHistory.none(0).holding(Map.of(Keys.GPU, 12.0));
        assertThat(h.advance(60 * 6 * HOUR, 6 * HOUR).decayed(Keys.GPU)).isCloseTo(12.0, within(1e-9));
        // a new queue climbs towards it: half way after one half-life
        assertThat(h.advance(6 * HOUR, 6 * HOUR).decayed(Keys.GPU)).isCloseTo(6.0, within(1e-12));
    }

    @Test
    void timeThatRunsBackwardsChangesNothing() {
        UsageHistory h = new UsageHistory(10 * HOUR, Map.of(Keys.GPU, 3.0), Map.of(Keys.GPU, 9.0));
        assertThat(h.advance(9 * HOUR, HOUR)).isSameAs(h);
        assertThat(h.advance(10 * HOUR, HOUR)).isSameAs(h);
    }

    @Test
    void theLaterHistoryOfTwoIsTheOneToContinueFrom() {
        UsageHistory a = new UsageHistory(1, Map.of(Keys.GPU, 1.0), Map.of());
        UsageHistory b = new UsageHistory(2, Map.of(Keys.GPU, 2.0), Map.of());
        assertThat(UsageHistory.later(a, b)).isSameAs(b);
        assertThat(UsageHistory.later(b, a)).isSameAs(b);
        assertThat(UsageHistory.later(null, a)).isSameAs(a);
        assertThat(UsageHistory.later(a, null)).isSameAs(a);
    }

    @Test
    void aHalfLifeMustBePositive() {
        assertThatThrownBy(() -> UsageHistory.decayFactor(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @TestFactory
    Stream<DynamicTest> advancingInStepsAgreesWithOneStepAndStaysBetweenWhatWasAndWhatIsHeld() {
        return PropertySeeds.tests(500, seed -> {
            Random rnd = new Random(seed);
            long halfLife = 1 + (long) (rnd.nextDouble() * 7 * 24 * HOUR);
            double before = rnd.nextInt(4) == 0 ? 0 : rnd.nextDouble() * 1000;
            double held = rnd.nextInt(4) == 0 ? 0 : rnd.nextDouble() * 1000;
            long at = (long) (rnd.nextDouble() * 1e12);
            UsageHistory h = new UsageHistory(at, Map.of(Keys.GPU, before), Map.of(Keys.GPU, held));
            long dt1 = (long) (rnd.nextDouble() * 10 * halfLife), dt2 = (long) (rnd.nextDouble() * 10 * halfLife);
            UsageHistory once = h.advance(at + dt1 + dt2, halfLife);
            UsageHistory twice = h.advance(at + dt1, halfLife).advance(at + dt1 + dt2, halfLife);
            double scale = Math.max(1, Math.max(before, held));
            assertThat(twice.decayed(Keys.GPU)).as("two steps, one step").isCloseTo(once.decayed(Keys.GPU), within(1e-9 * scale));
            assertThat(once.decayed(Keys.GPU)).isBetween(Math.min(before, held), Math.max(before, held));
            assertThat(once.held()).isEqualTo(h.held());
            // closer to what is held the longer it is held: never further from it than before
            assertThat(Math.abs(once.decayed(Keys.GPU) - held)).isLessThanOrEqualTo(Math.abs(before - held));
            // the exact form: d = 2^(-dt/h)
            double d = Math.pow(2, -(double) (dt1 + dt2) / halfLife);
            assertThat(once.decayed(Keys.GPU)).isCloseTo(before * d + held * (1 - d), within(1e-9 * scale));
        });
    }

    @TestFactory
    Stream<DynamicTest> decayedUsageNeverExceedsTheMostEverHeld() {
        return PropertySeeds.tests(200, seed -> {
            Random rnd = new Random(seed);
            long halfLife = HOUR * (1 + rnd.nextInt(48));
            UsageHistory h = UsageHistory.none(0);
            double most = 0;
            long t = 0;
            for (int step = 0; step < 50; step++) {
                double held = rnd.nextInt(64);
                most = Math.max(most, held);
                h = h.holding(Map.of(Keys.GPU, held));
                t += (long) (rnd.nextDouble() * 3 * halfLife);
                h = h.advance(t, halfLife);
                assertThat(h.decayed(Keys.GPU)).isBetween(0.0, most);
            }
        });
    }

    @Test
    void aCheckpointSavesTheWorkBeforeIt() {
        long start = 1000, now = start + 5 * HOUR;
        assertThat(Checkpoint.NONE.workLostMillis(start, now)).isEqualTo(5 * HOUR);
        assertThat(new Checkpoint(start + 4 * HOUR, 0).workLostMillis(start, now)).isEqualTo(HOUR);
        // every 2h from the start: saved at 2h and 4h
        assertThat(new Checkpoint(null, 2 * HOUR).workLostMillis(start, now)).isEqualTo(HOUR);
        // the later of the two counts; a checkpoint before this run started, or in the future, does not
        assertThat(new Checkpoint(start + 4 * HOUR + 1800_000, 2 * HOUR).workLostMillis(start, now)).isEqualTo(1800_000);
        assertThat(new Checkpoint(start - HOUR, 0).workLostMillis(start, now)).isEqualTo(5 * HOUR);
        assertThat(new Checkpoint(now + HOUR, 0).workLostMillis(start, now)).isEqualTo(5 * HOUR);
        assertThat(Checkpoint.NONE.workLostMillis(now, start)).isZero();
    }
}
