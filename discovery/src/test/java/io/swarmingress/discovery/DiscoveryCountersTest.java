package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

class DiscoveryCountersTest {

    @Test
    void countsByResultTypeAndFailoverAndStampsTheLastSuccessWithItsClock() {
        Clock clock = Clock.fixed(Instant.parse("2026-11-28T07:00:00.250Z"), ZoneOffset.UTC);
        DiscoveryCounters counters = new DiscoveryCounters(clock);
        assertThat(counters.lastSuccessEpochSeconds()).isZero();

        counters.onSync(false);
        assertThat(counters.lastSuccessEpochSeconds()).as("a failure is no success").isZero();
        counters.onSync(true);
        counters.onSync(true);
        counters.onEvent("service");
        counters.onFailover("unix:///a.sock", "unix:///b.sock");

        assertThat(counters.syncs(true)).isEqualTo(2);
        assertThat(counters.syncs(false)).isEqualTo(1);
        assertThat(counters.events()).containsEntry("service", 1L);
        assertThat(counters.failovers()).isEqualTo(1);
        assertThat(counters.lastSuccessEpochSeconds()).isEqualTo(1795849200.25);
    }
}
