package io.swarmingress.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.EnumSet;

import org.junit.jupiter.api.Test;

/** A service's retry, outlier and health-check settings as users write them, and the errors they get. */
class ServicePoliciesTest {
    private static ServiceConfig service(String options) {
        IngressConfig c = new ConfigParser(name -> null).parse("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "services:\n  - {name: app, endpoints: ['127.0.0.1:9000']" + options + "}\n", "s.yaml");
        return c.service("app");
    }

    @Test
    void defaultsRetryTwiceEjectOnAFailureAndCheckNothing() {
        ServiceConfig s = service("");
        assertThat(s.retry()).isEqualTo(RetryPolicy.DEFAULT);
        assertThat(s.retry().retries()).isEqualTo(2);
        assertThat(s.retry().on()).containsExactlyInAnyOrder(RetryPolicy.On.values());
        assertThat(s.outlier()).isEqualTo(OutlierPolicy.DEFAULT);
        assertThat(s.healthCheck()).isNull();
        assertThat(s.timeouts().request()).isNull();
        assertThat(s.timeouts().drain()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.timeouts().tunnel()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void everySettingIsRead() {
        ServiceConfig s = service(", retries: 1, retry_on: [reset, 503], retry_budget: 50, request_timeout: 9s, drain_timeout: 4s,"
                + " tunnel_timeout: 90s, outlier_detection: {consecutive_failures: 3, consecutive_5xx: 5, base_ejection_time: 2s, max_ejection_time: 20s,"
                + " max_ejection_percent: 34},"
                + " health_check: {path: /healthz, interval: 3s, timeout: 500ms, healthy_threshold: 2, unhealthy_threshold: 4}");
        assertThat(s.retry()).isEqualTo(new RetryPolicy(1, EnumSet.of(RetryPolicy.On.RESET, RetryPolicy.On.STATUS_503), 50));
        assertThat(s.outlier()).isEqualTo(new OutlierPolicy(3, 5, Duration.ofSeconds(2), Duration.ofSeconds(20), 34));
        assertThat(s.healthCheck()).isEqualTo(new HealthCheck("/healthz", Duration.ofSeconds(3), Duration.ofMillis(500), 2, 4));
        assertThat(s.timeouts().request()).isEqualTo(Duration.ofSeconds(9));
        assertThat(s.timeouts().drain()).isEqualTo(Duration.ofSeconds(4));
        assertThat(s.timeouts().tunnel()).isEqualTo(Duration.ofSeconds(90));
        assertThat(service(", retry_on: []").retry().on()).as("an empty list: connect failures only").isEmpty();
        assertThat(service(", health_check: {tcp: true}").healthCheck().path()).isNull();
    }

    @Test
    void mistakesNameTheirLineAndField() {
        assertThatThrownBy(() -> service(", retries: 11")).hasMessageContaining("s.yaml:3: services[0].retries: 11 (expected: 0-10)");
        assertThatThrownBy(() -> service(", tunnel_timeout: 0s")).hasMessageContaining("tunnel_timeout");
        assertThatThrownBy(() -> service(", retry_on: [timeout]")).hasMessageContaining("retry_on").hasMessageContaining("timeout");
        assertThatThrownBy(() -> service(", outlier_detection: {max_ejection_percent: 0}")).hasMessageContaining("max_ejection_percent");
        assertThatThrownBy(() -> service(", outlier_detection: {base_ejection_time: 10s, max_ejection_time: 5s}"))
                .hasMessageContaining("max_ejection_time");
        assertThatThrownBy(() -> service(", health_check: {interval: 1s}")).hasMessageContaining("either path");
        assertThatThrownBy(() -> service(", health_check: {path: /h, tcp: true}")).hasMessageContaining("either path");
        assertThatThrownBy(() -> service(", health_check: {path: /h, interval: 1s, timeout: 2s}")).hasMessageContaining("timeout");
        assertThatThrownBy(() -> service(", health_check: {path: h}")).hasMessageContaining("path");
        assertThatThrownBy(() -> service(", outlier_detection: {nonsense: 1}")).hasMessageContaining("nonsense");
    }
}
