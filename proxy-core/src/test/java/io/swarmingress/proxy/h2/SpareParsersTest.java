package io.swarmingress.proxy.h2;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.swarmingress.proxy.wire.RequestParser;

/** The parsers an HTTP/2 connection keeps: a whole batch of streams while busy, a few once idle. */
class SpareParsersTest {

    @Test
    void aBatchOfStreamsThatEndsTogetherIsServedAgainWithoutNewParsers() {
        SpareParsers spares = new SpareParsers(null);
        List<RequestParser> first = take(spares, 100);
        first.forEach(spares::giveBack);

        List<RequestParser> second = take(spares, 100);

        // Before: 32 spares were kept and 68 of the next batch's parsers were new.
        assertThat(second).containsExactlyInAnyOrderElementsOf(first);
        assertThat(spares.size()).isZero();
    }

    @Test
    void neverKeepsMoreThanAConnectionMayHaveStreamsOpen() {
        SpareParsers spares = new SpareParsers(null);
        take(spares, SpareParsers.BUSY + 50).forEach(spares::giveBack);

        assertThat(spares.size()).isEqualTo(H2Settings.MAX_CONCURRENT_STREAMS);
    }

    @Test
    void anIdleConnectionKeepsOnlyAFew() {
        SpareParsers spares = new SpareParsers(null);
        take(spares, 100).forEach(spares::giveBack);

        spares.connectionIdle();

        assertThat(spares.size()).isEqualTo(SpareParsers.IDLE);
    }

    private static List<RequestParser> take(SpareParsers spares, int n) {
        List<RequestParser> taken = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            taken.add(spares.take());
        }
        return taken;
    }
}
