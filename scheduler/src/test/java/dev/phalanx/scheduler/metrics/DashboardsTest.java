package dev.phalanx.scheduler.metrics;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DashboardsTest {
    @Test
    void findsTheMetricsOfAnExpressionAndNothingElse() {
        assertThat(Dashboards.metricNames("histogram_quantile(0.95, sum by (queue, le) "
                + "(rate(phalanx_gang_wait_seconds_bucket{queue=~\"a|b\", x='}'}[5m])))"))
                .containsExactly("phalanx_gang_wait_seconds_bucket");
        assertThat(Dashboards.metricNames("sum by (step) (rate(a_sum[1m])) / ignoring(step) group_left sum(rate(b_count[1m]))"))
                .containsExactly("a_sum", "b_count");
        assertThat(Dashboards.metricNames("time() - max(last_ts > 0) and on (instance) up offset 5m"))
                .containsExactly("last_ts", "up");
        assertThat(Dashboards.metricNames("max by (queue) (m1{r=\"nvidia.com/gpu\"}) / max by (queue) (m2 > 0.5e3)"))
                .containsExactly("m1", "m2");
    }
}
