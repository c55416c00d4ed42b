package dev.phalanx.scheduler;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.phalanx.core.kube.Durations;
import dev.phalanx.core.model.Keys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The scheduler's configuration ({@code phalanx run --config F}, YAML). Every field has a default.
 *
 * @param schedulerName   pods whose spec.schedulerName is this are scheduled; others are left alone
 * @param cyclePeriod     a cycle runs at least this often, even when nothing changed
 * @param debounce        after a change, wait this long for more changes before a cycle
 * @param bindParallelism the most bindings in flight at once; how many are follows the API server's latency
 * @param statusPeriod    PodGroup and Queue status are written at most this often per object
 * @param metricsPort     port of the HTTP endpoints /metrics, /healthz and /readyz; 0 turns them off
 * @param leaderElection  whether and how replicas elect the one that schedules
 * @param evictionFallbackToDelete when a PodDisruptionBudget refuses an eviction that preemption or reclaim
 *                        needs, delete the pod instead (still with its termination grace period), and say so
 *                        in an Event; off by default: the budget wins and the gang waits
 * @param staleGangGrace  a gang holding fewer than minMember bound members this long (a commit cut short)
 *                        has them evicted, so no half gang holds GPUs
 * @param commitsInFlight gangs whose bindings may still be in flight while the next cycle decides (0: a cycle
 *                        waits for its bindings)
 * @param fairness        how fair shares follow each queue's recent use
 * @param reclaim         when evicting for a gang of a queue below its fair share pays
 */
public record PhalanxConfig(String schedulerName, String cyclePeriod, String debounce, int bindParallelism,
                            String statusPeriod, Integer metricsPort, LeaderElection leaderElection,
                            boolean evictionFallbackToDelete, String staleGangGrace, Integer commitsInFlight,
                            Fairness fairness, Reclaim reclaim) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    public PhalanxConfig {
        schedulerName = schedulerName == null ? Keys.SCHEDULER_NAME : schedulerName;
        cyclePeriod = cyclePeriod == null ? "10s" : cyclePeriod;
        debounce = debounce == null ? "100ms" : debounce;
        bindParallelism = bindParallelism <= 0 ? 64 : bindParallelism;
        statusPeriod = statusPeriod == null ? "1s" : statusPeriod;
        metricsPort = metricsPort == null ? 8080 : metricsPort;
        if (metricsPort < 0 || metricsPort > 65535) {
            throw new IllegalArgumentException("metricsPort must be 0 (off) or a port up to 65535, got " + metricsPort);
        }
        leaderElection = leaderElection == null ? LeaderElection.OFF : leaderElection;
        staleGangGrace = staleGangGrace == null ? "60s" : staleGangGrace;
        commitsInFlight = commitsInFlight == null ? 64 : commitsInFlight;
        if (commitsInFlight < 0) {
            throw new IllegalArgumentException("commitsInFlight must be 0 or more, got " + commitsInFlight);
        }
        for (String d : new String[]{cyclePeriod, debounce, statusPeriod, staleGangGrace}) {
            Durations.parseMillis(d);
        }
        fairness = fairness == null ? Fairness.DEFAULT : fairness;
        reclaim = reclaim == null ? Reclaim.DEFAULT : reclaim;
    }

    public PhalanxConfig(String schedulerName, String cyclePeriod, String debounce, int bindParallelism, String statusPeriod,
                         Integer metricsPort, LeaderElection leaderElection, boolean evictionFallbackToDelete,
                         String staleGangGrace, Integer commitsInFlight) {
        this(schedulerName, cyclePeriod, debounce, bindParallelism, statusPeriod, metricsPort, leaderElection,
                evictionFallbackToDelete, staleGangGrace, commitsInFlight, null, null);
    }

    public static PhalanxConfig defaults() {
        return new PhalanxConfig(null, null, null, 0, null, null, null, false, null, null);
    }

    /**
     * How fair shares follow each queue's recent use ({@code UsageDecay}): every queue's decayed usage, kept in its
     * status, with half-life {@code usageHalfLife} ("0" turns the history off: fair shares follow the moment
     * alone), and the {@code historyStrength} with which it shifts over-quota weights (each part of the surplus a
     * queue used beyond its own halves its weight at 1).
     */
    public record Fairness(String usageHalfLife, Double historyStrength) {
        public static final String DEFAULT_HALF_LIFE = "12h";
        public static final double DEFAULT_STRENGTH = 1.0;
        public static final Fairness DEFAULT = new Fairness(null, null);
        /** Fair shares from the moment alone, as before usage history. */
        public static final Fairness OFF = new Fairness("0", null);

        public Fairness {
            usageHalfLife = usageHalfLife == null ? DEFAULT_HALF_LIFE : usageHalfLife.trim();
            historyStrength = historyStrength == null ? DEFAULT_STRENGTH : historyStrength;
            if (!usageHalfLife.equals("0")) {
                try {
                    Durations.parseMillis(usageHalfLife);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("fairness.usageHalfLife: " + e.getMessage() + ", or 0 for none");
                }
            }
            if (!(historyStrength >= 0) || historyStrength > 10) {
                throw new IllegalArgumentException("fairness.historyStrength must be between 0 and 10, got " + historyStrength);
            }
        }

        public long usageHalfLifeMillis() {
            return usageHalfLife.equals("0") ? 0 : Durations.parseMillis(usageHalfLife);
        }
    }

    /**
     * When reclaim pays ({@code ReclaimPayoff}): only when the gang it makes room for would otherwise wait for its
     * room longer than the victims' lost work (since their start or last checkpoint) is worth, times
     * {@code gainOverLoss}; 0 reclaims whenever the rules allow, whatever it costs.
     */
    public record Reclaim(Double gainOverLoss) {
        public static final double DEFAULT_GAIN_OVER_LOSS = 1.0;
        public static final Reclaim DEFAULT = new Reclaim(null);
        /** Reclaim whenever the rules allow, as before reclaim weighed its cost. */
        public static final Reclaim ALWAYS = new Reclaim(0.0);

        public Reclaim {
            gainOverLoss = gainOverLoss == null ? DEFAULT_GAIN_OVER_LOSS : gainOverLoss;
            if (!(gainOverLoss >= 0) || gainOverLoss.isInfinite()) {
                throw new IllegalArgumentException("reclaim.gainOverLoss must be 0 or more, got " + gainOverLoss);
            }
        }
    }

    /**
     * Leader election on a coordination.k8s.io Lease: of all replicas only the holder runs cycles, binds
     * and writes status; the others keep their informers warm to take over.
     *
     * @param enabled        false: this replica schedules at once, alone (one replica only)
     * @param leaseName      the Lease's name
     * @param leaseNamespace the Lease's namespace; default: $POD_NAMESPACE, else the client's namespace
     * @param leaseDuration  how long others wait after the last renewal before taking over
     * @param renewDeadline  the leader gives up when it could not renew for this long (below leaseDuration)
     * @param retryPeriod    how often candidates try to acquire, and the leader renews
     */
    public record LeaderElection(boolean enabled, String leaseName, String leaseNamespace, String leaseDuration,
                                 String renewDeadline, String retryPeriod) {
        public static final LeaderElection OFF = new LeaderElection(false, null, null, null, null, null);

        public LeaderElection {
            leaseName = leaseName == null ? Keys.SCHEDULER_NAME : leaseName;
            leaseDuration = leaseDuration == null ? "15s" : leaseDuration;
            renewDeadline = renewDeadline == null ? "10s" : renewDeadline;
            retryPeriod = retryPeriod == null ? "2s" : retryPeriod;
            long lease = Durations.parseMillis(leaseDuration);
            long renew = Durations.parseMillis(renewDeadline);
            long retry = Durations.parseMillis(retryPeriod);
            if (!(retry < renew && renew < lease)) {
                throw new IllegalArgumentException("leaderElection needs retryPeriod < renewDeadline < leaseDuration, got "
                        + retryPeriod + ", " + renewDeadline + ", " + leaseDuration);
            }
        }

        public static LeaderElection on(String leaseNamespace, String leaseDuration, String renewDeadline, String retryPeriod) {
            return new LeaderElection(true, null, leaseNamespace, leaseDuration, renewDeadline, retryPeriod);
        }

        public long leaseDurationMillis() {
            return Durations.parseMillis(leaseDuration);
        }

        public long renewDeadlineMillis() {
            return Durations.parseMillis(renewDeadline);
        }

        public long retryPeriodMillis() {
            return Durations.parseMillis(retryPeriod);
        }
    }

    public static PhalanxConfig load(Path file) {
        try {
            PhalanxConfig c = YAML.readValue(Files.readString(file), PhalanxConfig.class);
            return c == null ? defaults() : c;
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage().split("\n")[0], e);
        }
    }

    public long cyclePeriodMillis() {
        return Durations.parseMillis(cyclePeriod);
    }

    public long debounceMillis() {
        return Durations.parseMillis(debounce);
    }

    public long statusPeriodMillis() {
        return Durations.parseMillis(statusPeriod);
    }

    public PhalanxConfig withCyclePeriod(String period) {
        return new PhalanxConfig(schedulerName, period, debounce, bindParallelism, statusPeriod, metricsPort, leaderElection,
                evictionFallbackToDelete, staleGangGrace, commitsInFlight, fairness, reclaim);
    }

    public PhalanxConfig withStatusPeriod(String period) {
        return new PhalanxConfig(schedulerName, cyclePeriod, debounce, bindParallelism, period, metricsPort, leaderElection,
                evictionFallbackToDelete, staleGangGrace, commitsInFlight, fairness, reclaim);
    }

    public PhalanxConfig withBindParallelism(int parallelism) {
        return new PhalanxConfig(schedulerName, cyclePeriod, debounce, parallelism, statusPeriod, metricsPort, leaderElection,
                evictionFallbackToDelete, staleGangGrace, commitsInFlight, fairness, reclaim);
    }

    public PhalanxConfig withMetricsPort(int port) {
        return new PhalanxConfig(schedulerName, cyclePeriod, debounce, bindParallelism, statusPeriod, port, leaderElection,
                evictionFallbackToDelete, staleGangGrace, commitsInFlight, fairness, reclaim);
    }

    public PhalanxConfig withEvictionFallbackToDelete(boolean fallback) {
        return new PhalanxConfig(schedulerName, cyclePeriod, debounce, bindParallelism, statusPeriod, metricsPort,
                leaderElection, fallback, staleGangGrace, commitsInFlight, fairness, reclaim);
    }

    public PhalanxConfig withStaleGangGrace(String grace) {
        return new PhalanxConfig(schedulerName, cyclePeriod, debounce, bindParallelism, statusPeriod, metricsPort,
                leaderElection, evictionFallbackToDelete, grace, commitsInFlight, fairness, reclaim);
    }

    public long staleGangGraceMillis() {
        return Durations.parseMillis(staleGangGrace);
    }

    public PhalanxConfig withCommitsInFlight(int n) {
        return new PhalanxConfig(schedulerName, cyclePeriod, debounce, bindParallelism, statusPeriod, metricsPort,
                leaderElection, evictionFallbackToDelete, staleGangGrace, n, fairness, reclaim);
    }

    public PhalanxConfig withFairness(Fairness f) {
        return new PhalanxConfig(schedulerName, cyclePeriod, debounce, bindParallelism, statusPeriod, metricsPort,
                leaderElection, evictionFallbackToDelete, staleGangGrace, commitsInFlight, f, reclaim);
    }

    public PhalanxConfig withReclaim(Reclaim r) {
        return new PhalanxConfig(schedulerName, cyclePeriod, debounce, bindParallelism, statusPeriod, metricsPort,
                leaderElection, evictionFallbackToDelete, staleGangGrace, commitsInFlight, fairness, r);
    }

    public PhalanxConfig withLeaderElection(LeaderElection election) {
        return new PhalanxConfig(schedulerName, cyclePeriod, debounce, bindParallelism, statusPeriod, metricsPort, election,
                evictionFallbackToDelete, staleGangGrace, commitsInFlight, fairness, reclaim);
    }
}
