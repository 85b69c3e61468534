package io.swarmingress.proxy.h2;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpResponseStatus;
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

    @Test
    void aParserThatGrewForALargeHeadIsDroppedNotKept() {
        SpareParsers spares = new SpareParsers(null);
        RequestParser small = spares.take();
        RequestParser large = spares.take();
        read(small, "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n");
        read(large, "GET / HTTP/1.1\r\nHost: a.test\r\nX-Big: " + "a".repeat(10_000) + "\r\n\r\n");

        spares.giveBack(small);
        spares.giveBack(large);

        // Kept, 128 grown parsers would hold about 3 MiB for a connection whose streams have ended.
        assertThat(spares.size()).isEqualTo(1);
        assertThat(spares.take()).isSameAs(small);
    }

    /** Feeds one head and checks that it was read. */
    private static void read(RequestParser parser, String head) {
        boolean[] read = {false};
        ByteBuf bytes = Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1);
        try {
            parser.feed(bytes, new RequestParser.Sink() {
                @Override
                public void onRequestHead(RequestParser h) {
                    read[0] = true;
                }

                @Override
                public void onRequestBody(ByteBuf body) {
                    body.release();
                }

                @Override
                public void onRequestEnd() {
                }

                @Override
                public void onRequestError(HttpResponseStatus status, String reason) {
                    throw new AssertionError(status + " " + reason);
                }
            });
        } finally {
            bytes.release();
        }
        assertThat(read[0]).isTrue();
    }

    private static List<RequestParser> take(SpareParsers spares, int n) {
        List<RequestParser> taken = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            taken.add(spares.take());
        }
        return taken;
    }
}
