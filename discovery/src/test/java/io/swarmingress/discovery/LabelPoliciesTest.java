package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.swarmingress.config.HealthCheck;
import io.swarmingress.config.OutlierPolicy;
import io.swarmingress.config.RetryPolicy;
import io.swarmingress.config.ServiceConfig;
import io.swarmingress.config.SwarmProviderConfig;
import io.swarmingress.config.Timeouts;
import io.swarmingress.config.UpstreamOptions;
import io.swarmingress.config.UpstreamProtocol;

/**
 * The resilience labels of a labelled service, through {@link SnapshotBuilder}: each one reaches
 * the service's config, and a bad value is a warning naming the label with the service left out.
 */
class LabelPoliciesTest {
    private static final Instant NOW = Instant.parse("2026-11-30T07:00:00Z");
    private final SwarmProviderConfig provider = SwarmProviderConfig.of(List.of()).withEntrypoint("web");

    private DiscoverySnapshot build(String... labels) {
        Map<String, String> all = new HashMap<>(Map.of("ingress.enable", "true", "ingress.port", "8080"));
        for (int i = 0; i < labels.length; i += 2) {
            all.put(labels[i], labels[i + 1]);
        }
        return new SnapshotBuilder(provider, List.of()).build(List.of(
                new SwarmService("id-web", "web", all, 0, false, List.of(), 1)), NOW);
    }

    private ServiceConfig service(String... labels) {
        DiscoverySnapshot s = build(labels);
        assertThat(s.warnings()).isEmpty();
        assertThat(s.services()).hasSize(1);
        return s.services().get(0);
    }

    @Test
    void withoutResilienceLabelsAServiceHasTheDefaults() {
        ServiceConfig web = service();
        assertThat(web.timeouts()).isEqualTo(Timeouts.DEFAULT);
        assertThat(web.retry()).isEqualTo(RetryPolicy.DEFAULT);
        assertThat(web.outlier()).isEqualTo(OutlierPolicy.DEFAULT);
        assertThat(web.healthCheck()).isNull();
    }

    @Test
    void timeoutLabels() {
        assertThat(service("ingress.connect_timeout", "500ms").timeouts().connect()).isEqualTo(Duration.ofMillis(500));
        assertThat(service("ingress.response_timeout", "5s").timeouts().response()).isEqualTo(Duration.ofSeconds(5));
        assertThat(service("ingress.idle_timeout", "2m").timeouts().idle()).isEqualTo(Duration.ofMinutes(2));
        assertThat(service("ingress.request_timeout", "15s").timeouts().request()).isEqualTo(Duration.ofSeconds(15));
        assertThat(service("ingress.drain_timeout", "10s").timeouts().drain()).isEqualTo(Duration.ofSeconds(10));
        assertThat(service("ingress.tunnel_timeout", "5m").timeouts().tunnel()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void retryLabels() {
        assertThat(service("ingress.retries", "3").retry().retries()).isEqualTo(3);
        assertThat(service("ingress.retry_on", "reset, 503").retry().on())
                .isEqualTo(EnumSet.of(RetryPolicy.On.RESET, RetryPolicy.On.STATUS_503));
        assertThat(service("ingress.retry_budget", "50").retry().budgetPercent()).isEqualTo(50);
        assertThat(service("ingress.retries", "0").retry().retries()).as("retries off").isZero();
    }

    @Test
    void outlierLabels() {
        assertThat(service("ingress.outlier.consecutive_failures", "3").outlier().consecutiveFailures()).isEqualTo(3);
        assertThat(service("ingress.outlier.consecutive_5xx", "5").outlier().consecutive5xx()).isEqualTo(5);
        assertThat(service("ingress.outlier.base_ejection_time", "2s").outlier().baseEjection()).isEqualTo(Duration.ofSeconds(2));
        assertThat(service("ingress.outlier.max_ejection_time", "5m").outlier().maxEjection()).isEqualTo(Duration.ofMinutes(5));
        assertThat(service("ingress.outlier.max_ejection_percent", "30").outlier().maxEjectionPercent()).isEqualTo(30);
    }

    @Test
    void healthLabels() {
        assertThat(service("ingress.health.path", "/healthz").healthCheck())
                .isEqualTo(new HealthCheck("/healthz", HealthCheck.DEFAULT_INTERVAL, HealthCheck.DEFAULT_TIMEOUT, 1, 2));
        assertThat(service("ingress.health.tcp", "true").healthCheck())
                .isEqualTo(new HealthCheck(null, HealthCheck.DEFAULT_INTERVAL, HealthCheck.DEFAULT_TIMEOUT, 1, 2));
        assertThat(service("ingress.health.path", "/", "ingress.health.interval", "1s", "ingress.health.timeout", "500ms",
                "ingress.health.healthy_threshold", "2", "ingress.health.unhealthy_threshold", "3").healthCheck())
                .isEqualTo(new HealthCheck("/", Duration.ofSeconds(1), Duration.ofMillis(500), 2, 3));
        assertThat(service("ingress.health.tcp", "false").healthCheck()).as("tcp=false is no check").isNull();
    }

    @Test
    void protocolLabelMakesTheServiceH2c() {
        assertThat(service("ingress.protocol", "h2c").upstream().protocol()).isEqualTo(UpstreamProtocol.H2C);
        assertThat(service("ingress.protocol", "http1").upstream()).isEqualTo(UpstreamOptions.DEFAULT);
        assertThat(service().upstream()).isEqualTo(UpstreamOptions.DEFAULT);
    }

    @Test
    void theLabelPrefixAppliesToTheResilienceLabels() {
        SwarmProviderConfig other = new SwarmProviderConfig(List.of(), null, "edge.", true, null, "web", null, null, null,
                null);
        DiscoverySnapshot s = new SnapshotBuilder(other, List.of()).build(List.of(new SwarmService("id-web", "web",
                Map.of("edge.enable", "true", "edge.port", "80", "edge.retries", "4", "ingress.retries", "1"), 0, false,
                List.of(), 1)), NOW);
        assertThat(s.services()).singleElement().extracting(c -> c.retry().retries()).isEqualTo(4);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "ingress.connect_timeout|5|not a duration",
        "ingress.response_timeout|0s|expected: > 0",
        "ingress.idle_timeout|soon|not a duration",
        "ingress.request_timeout|-1s|not a duration",
        "ingress.drain_timeout|0ms|expected: > 0",
        "ingress.tunnel_timeout|0s|expected: > 0",
        "ingress.retries|three|not a whole number",
        "ingress.retries|11|expected: 0-10",
        "ingress.retry_on|reset,504|'504' (expected: reset, 502 or 503)",
        "ingress.retry_budget|0|expected: 1-100",
        "ingress.outlier.consecutive_failures|-1|expected: >= 0",
        "ingress.outlier.consecutive_5xx|x|not a whole number",
        "ingress.outlier.base_ejection_time|0s|expected: > 0",
        "ingress.outlier.max_ejection_time|1s|expected: >= base_ejection_time",
        "ingress.outlier.max_ejection_percent|101|expected: 1-100",
        "ingress.health.path|healthz|expected: starts with '/'",
        "ingress.health.tcp|yes|expected: true or false",
        "ingress.health.interval|50ms|expected: >= 100ms",
        "ingress.health.timeout|5s|expected: > 0 and <= interval",
        "ingress.health.healthy_threshold|0|expected: >= 1",
        "ingress.health.unhealthy_threshold|none|not a whole number",
        "ingress.protocol|h2|(expected: http1 or h2c)",
    })
    void aBadValueIsAWarningNamingTheLabelAndTheServiceIsLeftOut(String label, String value, String expected) {
        List<String> check = label.startsWith("ingress.health.") && !label.equals("ingress.health.path")
                && !label.equals("ingress.health.tcp") ? List.of("ingress.health.path", "/") : List.of();
        String[] labels = check.isEmpty() ? new String[] {label, value}
                : new String[] {label, value, check.get(0), check.get(1)};
        DiscoverySnapshot s = build(labels);
        assertThat(s.services()).isEmpty();
        assertThat(s.endpoints()).isEmpty();
        assertThat(s.warnings()).singleElement().asString()
                .startsWith("swarm service 'web': label " + label + "='" + value + "': ")
                .contains(expected);
    }

    @Test
    void healthSettingsWithoutAPathOrTcpAreAWarning() {
        DiscoverySnapshot s = build("ingress.health.interval", "1s");
        assertThat(s.services()).isEmpty();
        assertThat(s.warnings()).containsExactly("swarm service 'web': labels ingress.health.* set without"
                + " ingress.health.path=/... (HTTP) or ingress.health.tcp=true");
        assertThat(build("ingress.health.path", "/", "ingress.health.tcp", "true").warnings()).containsExactly(
                "swarm service 'web': label ingress.health.path and ingress.health.tcp=true both set (a health check is"
                        + " either HTTP or TCP)");
    }

    @Test
    void aMisspeltLabelIsAWarningAndTheServiceStaysRouted() {
        DiscoverySnapshot s = build("ingress.health.pth", "/healthz", "ingress.retry", "3", "other.retry", "3");
        assertThat(s.services()).singleElement().satisfies(c -> {
            assertThat(c.healthCheck()).isNull();
            assertThat(c.retry()).isEqualTo(RetryPolicy.DEFAULT);
        });
        assertThat(s.warnings()).containsExactly(
                "swarm service 'web': label ingress.health.pth is not one the proxy knows (ignored)",
                "swarm service 'web': label ingress.retry is not one the proxy knows (ignored)");
    }

    @Test
    void theBalancingLabelsAreKnownLabels() {
        DiscoverySnapshot s = build("ingress.lb", "hash", "ingress.hash_on", "header:X-User-Id", "ingress.weight", "10",
                "ingress.sticky", "true", "ingress.sticky.max_age", "1h", "ingress.sticky.secret", "s3cret");
        assertThat(s.warnings()).isEmpty();
        assertThat(s.services()).hasSize(1);
    }

    @Test
    void everyBadLabelIsNamedNotJustTheFirst() {
        DiscoverySnapshot s = build("ingress.retries", "many", "ingress.connect_timeout", "fast");
        assertThat(s.warnings()).containsExactly(
                "swarm service 'web': label ingress.connect_timeout='fast': not a duration (expected: a number with a unit"
                        + " ms, s, m or h, e.g. 5s)",
                "swarm service 'web': label ingress.retries='many': not a whole number");
    }
}
