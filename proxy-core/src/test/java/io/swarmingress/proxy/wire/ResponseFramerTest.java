package io.swarmingress.proxy.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * The byte-level response reader: where a response ends, what the client gets of its head, and
 * which responses it refuses. Every case that takes more than one read is also fed split at every
 * byte, since a real socket may cut anywhere.
 */
class ResponseFramerTest {

    /** Records what the framer hands on; heads are encoded as the proxy would for a keep-alive HTTP/1.1 client. */
    private static final class Recorder implements ResponseFramer.Sink {
        final List<String> heads = new ArrayList<>();
        final StringBuilder body = new StringBuilder();
        final List<Boolean> ends = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
        final List<String> trailers = new ArrayList<>();
        /** The head's fields as HTTP/2 gets them (lower-case names), and the name objects themselves. */
        final List<String> fields = new ArrayList<>();
        final List<CharSequence> fieldNames = new ArrayList<>();
        boolean dechunk;
        String connection;
        boolean keepAlive;
        boolean chunked;
        boolean endsAtClose;

        @Override
        public void onResponseHead(ResponseFramer head) {
            keepAlive = head.keepAlive();
            chunked = head.chunked();
            endsAtClose = head.endsAtClose();
            head.forEachField((name, value) -> {
                fields.add(name + "=" + value);
                fieldNames.add(name);
            });
            if (dechunk && head.chunked()) {
                head.dechunk();
            }
            ByteBuf out = head.encodeHead(ByteBufAllocator.DEFAULT, dechunk && head.chunked(), connection, null);
            // A short body that arrived with the head is written with it; split it off again to compare.
            String written = out.toString(StandardCharsets.ISO_8859_1);
            int end = written.indexOf("\r\n\r\n") + 4;
            heads.add(written.substring(0, end));
            body.append(written.substring(end));
            out.release();
        }

        @Override
        public void onResponseBody(ByteBuf bytes) {
            body.append(bytes.toString(StandardCharsets.ISO_8859_1));
            bytes.release();
        }

        @Override
        public void onResponseTrailer(io.netty.util.AsciiString lowerName, io.netty.util.AsciiString value) {
            trailers.add(lowerName + "=" + value);
        }

        @Override
        public void onResponseEnd(boolean reusable) {
            ends.add(reusable);
        }

        @Override
        public void onResponseError(String reason) {
            errors.add(reason);
        }
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    private static Recorder feedWhole(String response, boolean headRequest) {
        Recorder r = new Recorder();
        ResponseFramer f = new ResponseFramer();
        f.start(headRequest);
        f.feed(bytes(response), r);
        return r;
    }

    /** Feeds the response in two reads, split at {@code at}. */
    private static Recorder feedSplit(String response, int at, boolean dechunk) {
        Recorder r = new Recorder();
        r.dechunk = dechunk;
        ResponseFramer f = new ResponseFramer();
        f.start(false);
        f.feed(bytes(response.substring(0, at)), r);
        f.feed(bytes(response.substring(at)), r);
        f.stop();
        return r;
    }

    @Test
    void aDechunkedBodysTrailersAreToldAsFieldsAtEverySplitAndStayInTheBytesOtherwise() {
        String response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"
                + "Grpc-Status: 0\r\ngrpc-message:  all \t fine \t\r\n\r\n";
        for (int at = 1; at < response.length(); at++) {
            Recorder r = feedSplit(response, at, true);
            assertThat(r.body).as("split at %d", at).hasToString("hello");
            assertThat(r.trailers).as("split at %d", at).containsExactly("grpc-status=0", "grpc-message=all \t fine");
            assertThat(r.ends).as("split at %d", at).containsExactly(true);
        }
        Recorder passed = feedSplit(response, 40, false);
        assertThat(passed.trailers).as("trailers of a body passed on chunked travel in its bytes").isEmpty();
        assertThat(passed.body.toString()).endsWith("0\r\nGrpc-Status: 0\r\ngrpc-message:  all \t fine \t\r\n\r\n");
    }

    @Test
    void contentLengthResponseKeepsItsHeadersButTheHopByHopOnesAndEndsAfterItsBody() {
        String response = "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 5\r\nConnection: keep-alive, X-Private\r\n"
                + "Keep-Alive: timeout=5\r\nX-Private: secret\r\nProxy-Connection: x\r\nTE: trailers\r\nUpgrade: h2c\r\n"
                + "Trailer: x\r\nX-Kept: yes\r\n\r\nhello";
        Recorder r = feedWhole(response, false);
        assertThat(r.heads).containsExactly("HTTP/1.1 200 OK\r\nServer: nginx\r\nX-Kept: yes\r\ncontent-length: 5\r\n\r\n");
        assertThat(r.body).hasToString("hello");
        assertThat(r.ends).containsExactly(true);
        assertThat(r.errors).isEmpty();
        assertThat(r.keepAlive).isTrue();
    }

    @Test
    void fieldsForHttp2HaveLowerCaseNamesAndTheCommonNamesAreSharedNotBuiltPerResponse() {
        String response = "HTTP/1.1 200 OK\r\nServer: nginx\r\nCONTENT-TYPE: text/plain\r\nDate: today\r\n"
                + "X-Mixed-Case: Value\r\nDates: plural\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
        Recorder first = feedWhole(response, false);
        Recorder second = feedWhole(response, false);

        assertThat(first.fields).containsExactly("server=nginx", "content-type=text/plain", "date=today",
                "x-mixed-case=Value", "dates=plural");
        for (int i = 0; i < 3; i++) {
            assertThat(second.fieldNames.get(i)).as(first.fields.get(i)).isSameAs(first.fieldNames.get(i));
        }
        assertThat(second.fieldNames.get(3)).as("an uncommon name is built for each response").isNotSameAs(first.fieldNames.get(3));
    }

    @Test
    void everySplitOfAContentLengthResponseGivesTheSameResult() {
        String response = "HTTP/1.1 201 Created\r\nContent-Length: 11\r\nX-A: b\r\n\r\nhello world";
        for (int at = 1; at < response.length(); at++) {
            Recorder r = feedSplit(response, at, false);
            assertThat(r.heads).as("split at %d", at).containsExactly("HTTP/1.1 201 Created\r\nX-A: b\r\ncontent-length: 11\r\n\r\n");
            assertThat(r.body).as("split at %d", at).hasToString("hello world");
            assertThat(r.ends).as("split at %d", at).containsExactly(true);
        }
    }

    @Test
    void chunkedBodyIsPassedOnByteForByteWithExtensionsAndTrailersWhereverTheReadsSplitIt() {
        String chunks = "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 1\r\n\r\n";
        String response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks;
        for (int at = 1; at < response.length(); at++) {
            Recorder r = feedSplit(response, at, false);
            assertThat(r.heads).as("split at %d", at).containsExactly("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            assertThat(r.body).as("split at %d", at).hasToString(chunks);
            assertThat(r.ends).as("split at %d", at).containsExactly(true);
            assertThat(r.errors).as("split at %d", at).isEmpty();
        }
    }

    @Test
    void dechunkedForAnHttp10ClientTheDataGoesOnWithoutFramingTrailersOrTransferEncoding() {
        String response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n"
                + "a\r\n0123456789\r\n1\r\n!\r\n0\r\nX-Checksum: 1\r\n\r\n";
        for (int at = 1; at < response.length(); at++) {
            Recorder r = feedSplit(response, at, true);
            assertThat(r.heads).as("split at %d", at).containsExactly("HTTP/1.1 200 OK\r\nX-A: b\r\n\r\n");
            assertThat(r.body).as("split at %d", at).hasToString("0123456789!");
            assertThat(r.ends).as("split at %d", at).containsExactly(true);
        }
    }

    @Test
    void aBodyWithoutLengthEndsWhenTheUpstreamCloses() {
        Recorder r = new Recorder();
        ResponseFramer f = new ResponseFramer();
        f.start(false);
        f.feed(bytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npart one, "), r);
        f.feed(bytes("part two"), r);
        assertThat(r.endsAtClose).isTrue();
        assertThat(r.ends).isEmpty();
        assertThat(f.onClose(r)).isTrue();
        assertThat(r.body).hasToString("part one, part two");
        assertThat(r.ends).containsExactly(false);
        // A transfer coding other than chunked is also read to the close (RFC 9112 section 6.3).
        Recorder gz = feedWhole("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz", false);
        assertThat(gz.endsAtClose).isTrue();
        assertThat(gz.ends).isEmpty();
    }

    @Test
    void aClosedConnectionDoesNotEndABodyWithAKnownLength() {
        Recorder r = new Recorder();
        ResponseFramer f = new ResponseFramer();
        f.start(false);
        f.feed(bytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"), r);
        assertThat(f.onClose(r)).isFalse();
        assertThat(f.inMessage()).isTrue();
        assertThat(r.ends).isEmpty();
        f.stop();
    }

    @Test
    void responsesWithoutABodyEndAfterTheirHead() {
        // Ended, but not reusable: a body these responses lack by definition may still arrive from a
        // lenient backend, and must not reach the next client on the connection (response poisoning).
        assertThat(feedWhole("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", true).ends).containsExactly(false);
        assertThat(feedWhole("HTTP/1.1 204 No Content\r\n\r\n", false).ends).containsExactly(false);
        assertThat(feedWhole("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", false).ends).containsExactly(false);
        assertThat(feedWhole("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false).ends).containsExactly(true);
        assertThat(feedWhole("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", false).heads)
                .containsExactly("HTTP/1.1 200\r\ncontent-length: 0\r\n\r\n");
        assertThat(feedWhole("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", true).heads)
                .as("a HEAD response keeps the length of the body it does not have").containsExactly("HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n");
    }

    @Test
    void interimResponsesComeBeforeTheFinalOneInTheSameRead() {
        Recorder r = feedWhole("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
        assertThat(r.heads).containsExactly("HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n",
                "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n");
        assertThat(r.body).hasToString("ok");
        assertThat(r.ends).containsExactly(true);
    }

    @Test
    void anHttp10ResponseIsSentAsHttp11AndKeepsTheConnectionOnlyWhenItSaysSo() {
        Recorder closing = feedWhole("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
        assertThat(closing.heads).containsExactly("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n");
        assertThat(closing.keepAlive).isFalse();
        Recorder kept = feedWhole("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", false);
        assertThat(kept.keepAlive).isTrue();
        assertThat(feedWhole("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", false).keepAlive).isFalse();
    }

    @Test
    void connectionMayNotRemoveTheFramingHeaders() {
        Recorder r = feedWhole("HTTP/1.1 200 OK\r\nConnection: content-length, transfer-encoding, host, x-a\r\n"
                + "Content-Length: 2\r\nX-A: 1\r\n\r\nok", false);
        assertThat(r.heads).containsExactly("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n");
        assertThat(r.ends).containsExactly(true);
    }

    @Test
    void transferEncodingWinsOverContentLengthWhichIsNotPassedOn() {
        Recorder r = feedWhole("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", false);
        assertThat(r.heads).containsExactly("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        assertThat(r.body).hasToString("2\r\nok\r\n0\r\n\r\n");
        assertThat(r.ends).containsExactly(true);
        assertThat(r.keepAlive).as("a backend that sent both may frame its next response otherwise: not reused").isFalse();
    }

    @Test
    void theProxysOwnConnectionHeaderIsAdded() {
        Recorder r = new Recorder();
        r.connection = "close";
        ResponseFramer f = new ResponseFramer();
        f.start(false);
        f.feed(bytes("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"), r);
        assertThat(r.heads).containsExactly("HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    }

    @Test
    void bytesAfterTheEndOfAResponseMakeTheConnectionUnusable() {
        assertThat(feedWhole("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA", false).ends).containsExactly(false);
        assertThat(feedWhole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nHTTP/1.1", false).ends).containsExactly(false);
    }

    @Test
    void headsSentBitByBitAreJoinedAndLargeOnesRefused() {
        String response = "HTTP/1.1 200 OK\r\nX-Long: " + "v".repeat(5000) + "\r\nContent-Length: 2\r\n\r\nok";
        Recorder r = new Recorder();
        ResponseFramer f = new ResponseFramer();
        f.start(false);
        for (int i = 0; i < response.length(); i += 7) {
            f.feed(bytes(response.substring(i, Math.min(response.length(), i + 7))), r);
        }
        assertThat(r.heads).hasSize(1);
        assertThat(r.body).hasToString("ok");
        assertThat(r.ends).containsExactly(true);

        Recorder big = new Recorder();
        ResponseFramer g = new ResponseFramer();
        g.start(false);
        String huge = "HTTP/1.1 200 OK\r\nX-Huge: " + "v".repeat(ResponseFramer.MAX_HEAD) + "\r\n\r\n";
        for (int i = 0; i < huge.length(); i += 1000) {
            g.feed(bytes(huge.substring(i, Math.min(huge.length(), i + 1000))), big);
        }
        assertThat(big.errors).hasSize(1).first().asString().contains("larger than");
        assertThat(big.heads).isEmpty();
    }

    @Test
    void malformedResponsesAreRefusedBeforeAnythingIsPassedOn() {
        String[] bad = {
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nX A: b\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nX-A : b\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\n: b\r\n\r\n",
            "HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
            "ICY 200 OK\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200OK\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length:   \r\n\r\nhello",
        };
        for (String response : bad) {
            Recorder r = feedWhole(response, false);
            assertThat(r.errors).as(response).hasSize(1);
            assertThat(r.heads).as(response).isEmpty();
            assertThat(r.body).as(response).isEmpty();
            assertThat(r.ends).as(response).isEmpty();
        }
    }

    @Test
    void malformedChunkFramingIsAnErrorAfterTheHead() {
        String[] bad = {
            "zz\r\nok\r\n0\r\n\r\n",          // not a size
            "2\r\nokX\r\n0\r\n\r\n",          // more data than the size
            "\r\n0\r\n\r\n",                  // no digits
            "1000000000000000\r\n",           // 16 hex digits
            "2\rXok\r\n0\r\n\r\n",            // CR without LF
            "2 zzz\r\nok\r\n0\r\n\r\n",       // whitespace after the size, but no extension
            "2;a\rXYZ\r\nok\r\n0\r\n\r\n",     // bare CR in an extension
            "0\r\nX: a\rb\r\n\r\n",           // bare CR in a trailer
            "0\r\n folded\r\n\r\n",          // folded trailer
        };
        for (String chunks : bad) {
            Recorder r = feedWhole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks, false);
            assertThat(r.heads).as(chunks).hasSize(1);
            assertThat(r.errors).as(chunks).hasSize(1);
            assertThat(r.ends).as(chunks).isEmpty();
        }
    }

    @Test
    void chunkSizesMayHaveLeadingZerosAndExtensionsAfterWhitespace() {
        String chunks = "0000000000000002 ;a=b\r\nok\r\n0\r\n\r\n";
        Recorder r = feedWhole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks, false);
        assertThat(r.errors).isEmpty();
        assertThat(r.body).hasToString(chunks);
        assertThat(r.ends).containsExactly(true);
    }

    @Test
    void anHttp10ResponseWithTransferEncodingIsNeverKeptAlive() {
        // RFC 9112 section 6.1: its framing is faulty; the connection closes after it.
        Recorder r = feedWhole("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", false);
        assertThat(r.keepAlive).isFalse();
        assertThat(r.ends).hasSize(1);
    }

    @Test
    void aStoppedFramerDropsWhatStillArrivesAndFreesAPartialHead() {
        Recorder r = new Recorder();
        ResponseFramer f = new ResponseFramer();
        f.start(false);
        f.feed(bytes("HTTP/1.1 200 OK\r\nContent-"), r);
        f.stop();
        f.feed(bytes("Length: 2\r\n\r\nok"), r);
        assertThat(r.heads).isEmpty();
        assertThat(r.ends).isEmpty();
        assertThat(f.inMessage()).isFalse();
    }
}
