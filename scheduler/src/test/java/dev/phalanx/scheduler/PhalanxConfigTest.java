package dev.phalanx.scheduler;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PhalanxConfigTest {
    @TempDir
    Path dir;

    private PhalanxConfig load(String yaml) throws Exception {
        Path f = dir.resolve("config.yaml");
        Files.writeString(f, yaml);
        return PhalanxConfig.load(f);
    }

    @Test
    void metricsAreServedOnPort8080AndLeaderElectionIsOffUnlessConfigured() {
        PhalanxConfig c = PhalanxConfig.defaults();
        assertThat(c.metricsPort()).isEqualTo(8080);
        assertThat(c.leaderElection().enabled()).isFalse();
    }

    @Test
    void readsMetricsPortAndLeaderElection() throws Exception {
        PhalanxConfig c = load("""
                metricsPort: 0
                leaderElection:
                  enabled: true
                  leaseNamespace: phalanx-system
                  leaseDuration: 20s
                """);
        assertThat(c.metricsPort()).isZero();
        assertThat(c.leaderElection().enabled()).isTrue();
        assertThat(c.leaderElection().leaseName()).isEqualTo("phalanx-scheduler");
        assertThat(c.leaderElection().leaseNamespace()).isEqualTo("phalanx-system");
        assertThat(c.leaderElection().leaseDurationMillis()).isEqualTo(20_000);
        assertThat(c.leaderElection().renewDeadlineMillis()).isEqualTo(10_000);
        assertThat(c.leaderElection().retryPeriodMillis()).isEqualTo(2_000);
    }

    @Test
    void readsWhatEachDeviceClassCountsAsInQueues() throws Exception {
        assertThat(PhalanxConfig.defaults().deviceClassResources()).isEmpty();
        PhalanxConfig c = load("deviceClassResources: {mig.nvidia.com: nvidia.com/mig-1g.10gb}\n");
        assertThat(c.deviceClassResources()).containsExactly(java.util.Map.entry("mig.nvidia.com", "nvidia.com/mig-1g.10gb"));
    }

    @Test
    void refusesTimingsThatWouldLetTwoLeadersOverlapAndPortsThatDoNotExist() {
        assertThatThrownBy(() -> load("leaderElection: {enabled: true, leaseDuration: 5s, renewDeadline: 10s}"))
                .hasMessageContaining("retryPeriod < renewDeadline < leaseDuration, got 2s, 10s, 5s");
        assertThatThrownBy(() -> load("metricsPort: 70000")).hasMessageContaining("metricsPort must be 0 (off) or a port");
        assertThatThrownBy(() -> load("leaderElection: {enabled: true, leaseName: x, lease: 1s}"))
                .hasMessageContaining("lease");
    }

    @Test
    void readsTheEvictionOptionsAndNamesTheFileAndFieldOfABadOne() throws Exception {
        PhalanxConfig c = load("evictionFallbackToDelete: true\nstaleGangGrace: 2m\n");
        assertThat(c.evictionFallbackToDelete()).isTrue();
        assertThat(c.staleGangGraceMillis()).isEqualTo(120_000);
        assertThat(PhalanxConfig.defaults().evictionFallbackToDelete()).isFalse();
        assertThat(PhalanxConfig.defaults().staleGangGraceMillis()).isEqualTo(60_000);
        assertThatThrownBy(() -> load("staleGangGrace: soon\n")).hasMessageContaining("config.yaml")
                .hasMessageContaining("soon");
        assertThatThrownBy(() -> load("evictionFallback: true\n")).hasMessageContaining("config.yaml")
                .hasMessageContaining("unknown field \"evictionFallback\"");
    }

    @Test
    void errorsNameTheFileAndTheFieldAsWrittenNeverAJavaClass() {
        String file = dir.resolve("config.yaml").toString();
        assertThatThrownBy(() -> load("leaderElection: {enabled: true, leaseName: x, lease: 1s}"))
                .hasMessage(file + ": unknown field \"leaderElection.lease\"; the fields there are enabled, leaseDuration, "
                        + "leaseName, leaseNamespace, renewDeadline, retryPeriod");
        assertThatThrownBy(() -> load("leaderElection: {enabled: true, leaseDuration: 5s, renewDeadline: 10s}"))
                .hasMessage(file + ": leaderElection needs retryPeriod < renewDeadline < leaseDuration, got 2s, 10s, 5s");
        assertThatThrownBy(() -> load("leaderElection: {leaseDuration: 10x}"))
                .hasMessage(file + ": leaderElection: leaseDuration: '10x' is not a duration (expected e.g. 90s, 5m, 2h, 1d)");
        assertThatThrownBy(() -> load("staleGangGrace: soon"))
                .hasMessage(file + ": staleGangGrace: 'soon' is not a duration (expected e.g. 90s, 5m, 2h, 1d)");
        assertThatThrownBy(() -> load("bindParallelism: many"))
                .hasMessage(file + ": bindParallelism: expected a whole number, got \"many\"");
        assertThatThrownBy(() -> load("leaderElection: on please"))
                .hasMessageStartingWith(file + ": leaderElection: expected a mapping of fields");
        assertThatThrownBy(() -> load("metricsPort: 70000"))
                .hasMessage(file + ": metricsPort must be 0 (off) or a port up to 65535, got 70000");
        assertThatThrownBy(() -> load("cyclePeriod: [10s\n"))
                .hasMessage(file + " is not valid YAML (line 2, column 1): expected ',' or ']', but got <stream end>"
                        + " (while parsing a flow sequence that starts at line 1, column 14)");
        for (String bad : new String[]{"leaderElection: {enabled: true, leaseName: x, lease: 1s}", "bindParallelism: many",
                "leaderElection: {leaseDuration: 10x}", "leaderElection: on please", "cyclePeriod: [10s\n"}) {
            assertThatThrownBy(() -> load(bad)).message().doesNotContain("dev.phalanx", "$", "class", "`");
        }
    }

    @Test
    void anEmptyFileMeansEveryDefault() throws Exception {
        assertThat(load("")).isEqualTo(PhalanxConfig.defaults());
        assertThat(load("# nothing set\n")).isEqualTo(PhalanxConfig.defaults());
    }

    @Test
    void readsUsageHistoryAndReclaimAndTurnsTheHistoryOffWithAZeroHalfLife() throws Exception {
        PhalanxConfig d = PhalanxConfig.defaults();
        assertThat(d.fairness().usageHalfLifeMillis()).isEqualTo(
                dev.phalanx.core.kube.Durations.parseMillis(PhalanxConfig.Fairness.DEFAULT_HALF_LIFE));
        assertThat(d.fairness().historyStrength()).isEqualTo(PhalanxConfig.Fairness.DEFAULT_STRENGTH);
        assertThat(d.reclaim().gainOverLoss()).isEqualTo(PhalanxConfig.Reclaim.DEFAULT_GAIN_OVER_LOSS);
        assertThat(d.reclaim().restartCostMillis()).isEqualTo(30 * 60_000L);
        assertThat(load("reclaim: {restartCost: \"0\"}\n").reclaim().restartCostMillis()).isZero();
        assertThat(load("reclaim: {restartCost: 5m}\n").reclaim().restartCostMillis()).isEqualTo(5 * 60_000L);
        assertThatThrownBy(() -> load("reclaim: {restartCost: soon}\n")).hasMessageContaining("reclaim.restartCost must be a duration");
        PhalanxConfig c = load("fairness: {usageHalfLife: 2d, historyStrength: 0.5}\nreclaim: {gainOverLoss: 3}\n");
        assertThat(c.fairness().usageHalfLifeMillis()).isEqualTo(2 * 86_400_000L);
        assertThat(c.fairness().historyStrength()).isEqualTo(0.5);
        assertThat(c.reclaim().gainOverLoss()).isEqualTo(3.0);
        assertThat(Policies.usageDecay(c).on()).isTrue();
        PhalanxConfig off = load("fairness: {usageHalfLife: \"0\"}\n");
        assertThat(off.fairness().usageHalfLifeMillis()).isZero();
        assertThat(Policies.usageDecay(off).on()).isFalse();
        assertThatThrownBy(() -> load("fairness: {usageHalfLife: often}\n")).hasMessageContaining("fairness.usageHalfLife")
                .hasMessageContaining("or 0 for none");
        assertThatThrownBy(() -> load("reclaim: {gainOverLoss: -1}\n")).hasMessageContaining("reclaim.gainOverLoss must be 0 or more");
    }
}
