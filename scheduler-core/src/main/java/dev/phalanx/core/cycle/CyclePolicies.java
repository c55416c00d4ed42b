package dev.phalanx.core.cycle;

/**
 * What a {@link SchedulingCycle} is made of: the policy of each pure step and the options that shape
 * them. {@code reservations} false: no room is held for a blocked gang (the plain first-fit baseline);
 * {@code staleGangGraceMillis}: how long a gang may hold fewer than minMember bound members before they
 * are evicted ({@link StaleGangs}).
 */
public record CyclePolicies(FairSharePolicy fairShare, AdmissionPolicy admission, PlacementPolicy placement,
                            PreemptionPolicy preemption, boolean reservations, long staleGangGraceMillis) {
    /** How long a gang may hold fewer than minMember bound members before they are evicted, unless told. */
    public static final long DEFAULT_STALE_GANG_GRACE_MILLIS = 60_000;

    public CyclePolicies {
        if (fairShare == null || admission == null || placement == null || preemption == null) {
            throw new IllegalArgumentException("every step of the cycle needs a policy");
        }
        if (staleGangGraceMillis < 0) {
            throw new IllegalArgumentException("the stale gang grace period must not be negative, got " + staleGangGraceMillis);
        }
    }

    /** Reservations on, no preemption, the default grace period. */
    public static CyclePolicies of(FairSharePolicy fairShare, AdmissionPolicy admission, PlacementPolicy placement) {
        return new CyclePolicies(fairShare, admission, placement, PreemptionPolicy.NONE, true, DEFAULT_STALE_GANG_GRACE_MILLIS);
    }

    public CyclePolicies withPreemption(PreemptionPolicy p) {
        return new CyclePolicies(fairShare, admission, placement, p, reservations, staleGangGraceMillis);
    }

    public CyclePolicies withReservations(boolean on) {
        return new CyclePolicies(fairShare, admission, placement, preemption, on, staleGangGraceMillis);
    }

    public CyclePolicies withStaleGangGrace(long millis) {
        return new CyclePolicies(fairShare, admission, placement, preemption, reservations, millis);
    }

    public CyclePolicies withFairShare(FairSharePolicy p) {
        return new CyclePolicies(p, admission, placement, preemption, reservations, staleGangGraceMillis);
    }

    public CyclePolicies withPlacement(PlacementPolicy p) {
        return new CyclePolicies(fairShare, admission, p, preemption, reservations, staleGangGraceMillis);
    }
}
