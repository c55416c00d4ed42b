package dev.phalanx.scheduler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.phalanx.core.kube.Durations;
import dev.phalanx.core.kube.YamlSyntax;
import dev.phalanx.core.model.Keys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
 * @param deviceClassResources the resource each DRA DeviceClass's devices count as in queues, quotas and fair
 *                        share (e.g. {@code gpu.nvidia.com: nvidia.com/gpu}); a class not named counts as its
 *                        {@code extendedResourceName}, NVIDIA's GPU class as nvidia.com/gpu, any other in no queue
 * @param fairness        how fair shares follow each queue's recent use
 * @param reclaim         when evicting for a gang of a queue below its fair share pays
 */
public record PhalanxConfig(String schedulerName, String cyclePeriod, String debounce, int bindParallelism,
                            String statusPeriod, Integer metricsPort, LeaderElection leaderElection,
                            boolean evictionFallbackToDelete, String staleGangGrace, Integer commitsInFlight,
                            java.util.Map<String, String> deviceClassResources, Fairness fairness, Reclaim reclaim) {
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
        deviceClassResources = deviceClassResources == null ? java.util.Map.of() : java.util.Map.copyOf(deviceClassResources);
        fairness = fairness == null ? Fairness.DEFAULT : fairness;
        reclaim = reclaim == null ? Reclaim.DEFAULT : reclaim;
        if (commitsInFlight < 0) {
            throw new IllegalArgumentException("commitsInFlight must be 0 or more, got " + commitsInFlight);
        }
        duration("cyclePeriod", cyclePeriod);
        duration("debounce", debounce);
        duration("statusPeriod", statusPeriod);
        duration("staleGangGrace", staleGangGrace);
    }

    /** Refuses a duration that does not parse, naming its field. */
    private static long duration(String field, String value) {
        try {
            return Durations.parseMillis(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage());
        }
    }

    public PhalanxConfig(String schedulerName, String cyclePeriod, String debounce, int bindParallelism, String statusPeriod,
                         Integer metricsPort, LeaderElection leaderElection, boolean evictionFallbackToDelete,
                         String staleGangGrace, Integer commitsInFlight) {
        this(schedulerName, cyclePeriod, debounce, bindParallelism, statusPeriod, metricsPort, leaderElection,
                evictionFallbackToDelete, staleGangGrace, commitsInFlight, null, null, null);
    }

    public static PhalanxConfig defaults() {
        return new PhalanxConfig(null, null, null, 0, null, null, null, false, null, null, null, null, null);
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
     * room longer than the victims' lost work (since their start or last checkpoint, plus {@code restartCost} for
     * each pod evicted) is worth, times {@code gainOverLoss}; 0 reclaims whenever the rules allow, whatever it costs.
     * {@code restartCost}: a duration, "0" counts the lost work alone. The default, 30m, was chosen on five weeks of the
     * Philly trace ({@code phalanx bench fairness}): with 15m and less, reclaim still evicts jobs that have just started
     * for gangs whose room frees soon, and the mean wait on a week far from full is up to 2.5 times never evicting;
     * with 30m it is within 1% of never evicting there. Where run times are unknown (live) a job is expected to run as
     * long again as it has, so a job that saves no checkpoints is then reclaimed only for a gang larger than it.
     */
    public record Reclaim(Double gainOverLoss, String restartCost) {
        public static final double DEFAULT_GAIN_OVER_LOSS = 1.0;
        public static final String DEFAULT_RESTART_COST = "30m";
        public static final Reclaim DEFAULT = new Reclaim(null, null);
        /** Reclaim whenever the rules allow, as before reclaim weighed its cost. */
        public static final Reclaim ALWAYS = new Reclaim(0.0, null);

        public Reclaim {
            gainOverLoss = gainOverLoss == null ? DEFAULT_GAIN_OVER_LOSS : gainOverLoss;
            if (!(gainOverLoss >= 0) || gainOverLoss.isInfinite()) {
                throw new IllegalArgumentException("reclaim.gainOverLoss must be 0 or more, got " + gainOverLoss);
            }
            restartCost = restartCost == null ? DEFAULT_RESTART_COST : restartCost.trim();
            if (!restartCost.equals("0")) {
                try {
                    Durations.parseMillis(restartCost);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("reclaim.restartCost must be a duration such as 30m, or 0, got '"
                            + restartCost + "'");
                }
            }
        }

        public long restartCostMillis() {
            return restartCost.equals("0") ? 0 : Durations.parseMillis(restartCost);
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
            long lease = duration("leaseDuration", leaseDuration);
            long renew = duration("renewDeadline", renewDeadline);
            long retry = duration("retryPeriod", retryPeriod);
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

    /**
     * Reads a configuration file; an empty one means every default. An error names the file and the field,
     * in the file's own terms: an unknown field with the ones there are, a value of the wrong type, a
     * duration that does not parse, timings that do not fit together.
     */
    public static PhalanxConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
        }
        try {
            // the whole file is parsed before any field is read, so a syntax error is reported as one
            JsonNode tree = YAML.readTree(text);
            if (tree == null || tree.isNull() || tree.isMissingNode()) {
                return defaults(); // empty, or comments only
            }
            return YAML.treeToValue(tree, PhalanxConfig.class);
        } catch (UnrecognizedPropertyException e) {
            List<String> known = e.getKnownPropertyIds() == null ? List.of()
                    : e.getKnownPropertyIds().stream().map(Object::toString).sorted().toList();
            throw new IllegalArgumentException(file + ": unknown field \"" + path(e) + "\""
                    + (known.isEmpty() ? "" : "; the fields there are " + String.join(", ", known)), e);
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            String where = path(e);
            String m = cause.getMessage();
            throw new IllegalArgumentException(file + ": " + (where.isEmpty() || m.startsWith(where) ? "" : where + ": ") + m, e);
        } catch (MismatchedInputException e) {
            String value = e instanceof InvalidFormatException f ? " \"" + f.getValue() + "\"" : "";
            throw new IllegalArgumentException(file + ": " + (path(e).isEmpty() ? "the file" : path(e)) + ": expected "
                    + expected(e.getTargetType()) + (value.isEmpty() ? "" : ", got" + value), e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not valid YAML " + YamlSyntax.describe(e), e);
        }
    }

    /** The field a Jackson error is about, as written in the file: leaderElection.leaseDuration. */
    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /** What a value of {@code type} looks like, in words for the person who wrote the file. */
    private static String expected(Class<?> type) {
        if (type == null) {
            return "another kind of value";
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "a whole number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a single value";
        }
        return "a mapping of fields";
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
                evictionFallbackToDelete, staleGangGrace, commitsInFlight, deviceClassResources, fairness, reclaim);
    }

    public PhalanxConfig withStatusPeriod(String period) {
        return new PhalanxConfig(schedulerName, cyclePeriod, debounce, bindParallelism, period, metricsPort, leaderElection,
                evictionFallbackToDelete, staleGangGrace, commitsInFlight, deviceClassResources, fairness, reclaim);
    }

    public PhalanxConfig withBindParallelism(int parallelism) {
        return new PhalanxConfig(schedulerName, cyclePeriod, debounce, parallelism, statusPeriod, metricsPort, leaderElection,
                evictionFallbackToDelete, staleGangGrace, commitsInFlight, deviceClassResources, fairness, reclaim);
    }

    public PhalanxConfig withMetricsPort(int port) {
        return new PhalanxConfig(schedulerName, cyclePeriod, debounce, bindParallelism, statusPeriod, port, leaderElection,
                evictionFallbackToDelete, staleGangGrace, commitsInFlight, deviceClassResources, fairness, reclaim);
    }

    public PhalanxConfig withEvictionFallbackToDelete(boolean fallback) {
        return new PhalanxConfig(schedulerName, cyclePeriod, debounce, bindParallelism, statusPeriod, metricsPort,
                leaderElection, fallback, staleGangGrace, commitsInFlight, deviceClassResources, fairness, reclaim);
    }

    public PhalanxConfig withStaleGangGrace(String grace) {
        return new PhalanxConfig(schedulerName, cyclePeriod, debounce, bindParallelism, statusPeriod, metricsPort,
                leaderElection, evictionFallbackToDelete, grace, commitsInFlight, deviceClassResources, fairness, reclaim);
    }

    public long staleGangGraceMillis() {
        return Durations.parseMillis(staleGangGrace);
    }

    public PhalanxConfig withCommitsInFlight(int n) {
        return new PhalanxConfig(schedulerName, cyclePeriod, debounce, bindParallelism, statusPeriod, metricsPort,
                leaderElection, evictionFallbackToDelete, staleGangGrace, n, deviceClassResources, fairness, reclaim);
    }

    public PhalanxConfig withFairness(Fairness f) {
        return new PhalanxConfig(schedulerName, cyclePeriod, debounce, bindParallelism, statusPeriod, metricsPort,
                leaderElection, evictionFallbackToDelete, staleGangGrace, commitsInFlight, deviceClassResources, f, reclaim);
    }

    public PhalanxConfig withReclaim(Reclaim r) {
        return new PhalanxConfig(schedulerName, cyclePeriod, debounce, bindParallelism, statusPeriod, metricsPort,
                leaderElection, evictionFallbackToDelete, staleGangGrace, commitsInFlight, deviceClassResources, fairness, r);
    }

    public PhalanxConfig withLeaderElection(LeaderElection election) {
        return new PhalanxConfig(schedulerName, cyclePeriod, debounce, bindParallelism, statusPeriod, metricsPort, election,
                evictionFallbackToDelete, staleGangGrace, commitsInFlight, deviceClassResources, fairness, reclaim);
    }
}
