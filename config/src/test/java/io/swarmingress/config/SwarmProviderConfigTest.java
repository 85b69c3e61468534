package io.swarmingress.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class SwarmProviderConfigTest {

    @Test
    void defaultsToTheDockerSocketAndIngressLabels() {
        SwarmProviderConfig c = SwarmProviderConfig.of(List.of());
        assertThat(c.endpoints()).containsExactly("unix:///var/run/docker.sock");
        assertThat(c.labelPrefix()).isEqualTo("ingress.");
        assertThat(c.label("http.host")).isEqualTo("ingress.http.host");
        assertThat(c.labels()).isTrue();
        assertThat(c.network()).isNull();
        assertThat(c.entrypoint()).isNull();
        assertThat(c.resyncInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.debounce()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.apiTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.tls()).isNull();
        assertThat(c.taskPollInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.source()).isEqualTo(SwarmSource.DOCKER);
        assertThat(c.relay()).isEqualTo(SwarmRelay.NONE);
    }

    @Test
    void relaysAreListedOnceWithAPort() {
        SwarmRelay r = new SwarmRelay(null, List.of(new HostPort("tasks.proxy", 9091)), " ");
        assertThat(r.tokenFile()).isNull();
        assertField(() -> new SwarmRelay(null, List.of(new HostPort("a", 1), new HostPort("a", 1)), null), "from",
                "listed twice");
        assertField(() -> new SwarmRelay(null, List.of(new HostPort("a", 0)), null), "from", "port 0");
        assertField(() -> SwarmProviderConfig.of(List.of()).followingRelays(SwarmRelay.NONE), "source", "relay.from");
        assertThat(SwarmProviderConfig.of(List.of()).followingRelays(r).source()).isEqualTo(SwarmSource.RELAY);
    }

    @Test
    void aShorterResyncTurnsTheTaskPollOffRatherThanFail() {
        SwarmProviderConfig c = SwarmProviderConfig.of(List.of());
        assertThat(c.withTimings(Duration.ofMillis(200), Duration.ZERO, Duration.ofSeconds(1)).taskPollInterval()).isZero();
        assertThat(c.withTimings(Duration.ofSeconds(1), Duration.ZERO, Duration.ofSeconds(1)).taskPollInterval())
                .isEqualTo(Duration.ofMillis(250));
        assertField(() -> c.withTaskPoll(Duration.ofSeconds(10)), "task_poll_interval", "below resync_interval 10s");
    }

    @Test
    void keepsEndpointsInFailoverOrder() {
        SwarmProviderConfig c = SwarmProviderConfig.of(List.of("tcp://10.0.0.2:2376", "unix:///run/docker.sock",
                "tcp://[fd00::1]:2376"));
        assertThat(c.endpoints()).containsExactly("tcp://10.0.0.2:2376", "unix:///run/docker.sock", "tcp://[fd00::1]:2376");
    }

    @Test
    void rejectsEndpointsItCannotDial() {
        assertField(() -> SwarmProviderConfig.of(List.of("http://manager:2375")), "endpoints", "unknown scheme");
        assertField(() -> SwarmProviderConfig.of(List.of("tcp://manager")), "endpoints", "expected: host:port");
        assertField(() -> SwarmProviderConfig.of(List.of("unix://relative.sock")), "endpoints", "absolute socket path");
        assertField(() -> SwarmProviderConfig.of(List.of("tcp://a:2375", "tcp://a:2375")), "endpoints", "listed twice");
    }

    @Test
    void blankNetworkAndEntrypointMeanNone() {
        SwarmProviderConfig c = SwarmProviderConfig.of(List.of()).withNetwork(" ").withEntrypoint("");
        assertThat(c.network()).isNull();
        assertThat(c.entrypoint()).isNull();
    }

    @Test
    void checksTimings() {
        SwarmProviderConfig c = SwarmProviderConfig.of(List.of());
        assertField(() -> c.withTimings(Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1)), "resync_interval", "> 0");
        assertField(() -> c.withTimings(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)), "debounce",
                "below resync_interval 1s");
        assertField(() -> c.withTimings(Duration.ofSeconds(1), Duration.ofMillis(-1), Duration.ofSeconds(1)), "debounce",
                ">= 0");
        assertField(() -> c.withTimings(Duration.ofSeconds(1), Duration.ZERO, Duration.ZERO), "api_timeout", "> 0");
        assertThat(c.withTimings(Duration.ofSeconds(1), Duration.ZERO, Duration.ofMillis(500)).debounce()).isZero();
    }

    @Test
    void checksLabelPrefixAndEntrypointName() {
        assertField(() -> new SwarmProviderConfig(null, null, "in gress.", true, null, null, null, null, null, null),
                "label_prefix", "expected");
        assertField(() -> SwarmProviderConfig.of(List.of()).withEntrypoint("we b"), "entrypoint", "character ' '");
    }

    @Test
    void tlsNeedsAllThreeFiles() {
        assertField(() -> new SwarmProviderConfig.Tls("ca.pem", "cert.pem", null), "key", "is required");
        assertField(() -> new SwarmProviderConfig.Tls("", "cert.pem", "key.pem"), "ca", "is required");
    }

    @Test
    void sameSettingsIgnoresOnlyWhereTheSectionWasWritten() {
        SwarmProviderConfig base = SwarmProviderConfig.of(List.of("unix:///run/docker.sock"));
        SwarmProviderConfig moved = new SwarmProviderConfig(base.endpoints(), null, "ingress.", true, null, null,
                base.resyncInterval(), base.debounce(), base.apiTimeout(), new Location("ingress.yaml", 30, java.util.Map.of()));
        assertThat(base.sameSettings(moved)).isTrue();
        assertThat(base).isNotEqualTo(moved);

        assertThat(base.sameSettings(null)).isFalse();
        assertThat(base.sameSettings(SwarmProviderConfig.of(List.of("unix:///other.sock")))).isFalse();
        assertThat(base.sameSettings(base.withNetwork("appnet"))).isFalse();
        assertThat(base.sameSettings(base.withEntrypoint("web"))).isFalse();
        assertThat(base.sameSettings(base.withTimings(base.resyncInterval(), Duration.ofMillis(50), base.apiTimeout())))
                .isFalse();
        assertThat(base.sameSettings(new SwarmProviderConfig(base.endpoints(), new SwarmProviderConfig.Tls("ca", "c", "k"),
                "ingress.", true, null, null, null, null, null, null))).isFalse();
        assertThat(base.sameSettings(new SwarmProviderConfig(base.endpoints(), null, "edge.", true, null, null, null, null,
                null, null))).isFalse();
        assertThat(base.sameSettings(base.withTaskPoll(Duration.ZERO))).isFalse();
        assertThat(base.sameSettings(base.serving(new SwarmRelay(new HostPort("0.0.0.0", 9091), List.of(), null)))).isFalse();
    }

    private static void assertField(Runnable r, String field, String message) {
        assertThatThrownBy(r::run)
                .isInstanceOfSatisfying(InvalidFieldException.class, e -> assertThat(e.field()).isEqualTo(field))
                .hasMessageContaining(message);
    }
}
