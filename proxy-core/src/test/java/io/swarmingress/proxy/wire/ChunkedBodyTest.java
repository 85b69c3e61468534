package io.swarmingress.proxy.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * The chunked walker on its own: the extension grammar, the size-line limits, trailers checked as
 * field lines, and no line handed on before it has been checked whole, however the reads split it.
 */
class ChunkedBodyTest {
    /** Walks the body fed in pieces as a caller does: keeps what the walker holds back, appends the next read. */
    private static String walk(String... pieces) {
        ChunkedBody chunks = new ChunkedBody();
        chunks.reset();
        ByteBuf in = Unpooled.buffer();
        StringBuilder passed = new StringBuilder();
        try {
            for (String piece : pieces) {
                in.writeBytes(piece.getBytes(StandardCharsets.ISO_8859_1));
                int from = in.readerIndex();
                int result = chunks.walk(in, from, null);
                if (result == ChunkedBody.ERROR) {
                    return passed + " ERROR " + chunks.error();
                }
                passed.append(in.toString(from, chunks.position() - from, StandardCharsets.ISO_8859_1));
                in.readerIndex(chunks.position());
                if (result == ChunkedBody.DONE) {
                    return passed + " DONE";
                }
            }
            return passed + " MORE";
        } finally {
            in.release();
        }
    }

    @Test
    void extensionsFollowTheirGrammar() {
        for (String ok : new String[] {"5;a\r\n", "5;a=b\r\n", "5 ;a=b\r\n", "5; a = b ;c\r\n", "5;a=\"x y;\\\"z\"\r\n", "5;a=\"\"\r\n"}) {
            assertThat(walk(ok + "hello\r\n0\r\n\r\n")).as(ok).endsWith(" DONE");
        }
        for (String bad : new String[] {"5;\r\n", "5;=x\r\n", "5;a=\r\n", "5;a=\"x\r\n", "5;a=\"x\" y\r\n", "5;a b\r\n", "5;a=b c\r\n",
            "5;a=\"\u0001\"\r\n", "5 \r\n", "5;a \r\n", "5;a=(\r\n"}) {
            assertThat(walk(bad + "hello\r\n0\r\n\r\n")).as(bad).contains(" ERROR ");
        }
    }

    @Test
    void sizeLinesHaveAtMostSixteenDigitsLeadingZerosIncluded() {
        assertThat(walk("0000000000000005\r\nhello\r\n0\r\n\r\n")).endsWith(" DONE");
        assertThat(walk("00000000000000005\r\nhello\r\n0\r\n\r\n")).contains("too many digits");
        assertThat(walk("1000000000000000\r\n")).contains("too large");
    }

    @Test
    void trailersMustBeFieldLinesThatMayBeTrailers() {
        assertThat(walk("0\r\nX-Checksum: 1\r\nServer-Timing: a;dur=1\r\n\r\n")).endsWith(" DONE");
        for (String bad : new String[] {"GET /admin HTTP/1.1\r\nHost: x\r\n\r\n", "Content-Length: 5\r\n\r\n", "Transfer-Encoding: chunked\r\n\r\n",
            "Host: evil\r\n\r\n", "X_Forwarded_For: 1.2.3.4\r\n\r\n", " folded\r\n\r\n", "X : 1\r\n\r\n", ": 1\r\n\r\n", "X: a\u0000b\r\n\r\n", "X-A\r\n\r\n"}) {
            assertThat(walk("0\r\n" + bad)).as(bad).contains(" ERROR ");
        }
    }

    @Test
    void aLineIsHandedOnOnlyOnceItHasBeenCheckedWhole() {
        // The read ends inside a trailer that turns out to be a request line: none of it was passed on.
        String result = walk("5\r\nhello\r\n0\r\nGET /adm", "in HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(result).startsWith("5\r\nhello\r\n0\r\n ERROR");
        // A size line split anywhere: passed on whole, once, after its CRLF.
        String body = "15;name=\"v a l\"\r\n" + "x".repeat(0x15) + "\r\n0\r\nX-A: 1\r\n\r\n";
        for (int at = 1; at < body.length(); at++) {
            assertThat(walk(body.substring(0, at), body.substring(at))).as("split at %d", at).isEqualTo(body + " DONE");
        }
        for (int at = 1; at < body.length(); at++) {
            String first = walk(body.substring(0, at));
            assertThat(body).as("split at %d", at).startsWith(first.substring(0, first.length() - " MORE".length()));
        }
    }
}
