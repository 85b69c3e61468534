package io.swarmingress.proxy.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;

/**
 * The byte-level request reader: what the upstream gets of a request head, how bodies are framed,
 * and the requests it refuses before any byte could reach a backend (RFC 9112's smuggling shapes
 * first). Multi-read cases are fed split at every byte, as a socket may cut anywhere.
 */
class RequestParserTest {
    /** Client 10.0.0.9, no trusted proxy, on port 8080 over plain HTTP. */
    private static final ForwardedFields FORWARDED = new ForwardedFields("10.0.0.9", "http", 8080, false);

    /** Records what the parser hands on; each head is written as the proxy would for client 10.0.0.9. */
    private static class Recorder implements RequestParser.Sink {
        ForwardedFields forwarded = FORWARDED;
        final List<String> heads = new ArrayList<>();
        final StringBuilder body = new StringBuilder();
        int ends;
        HttpResponseStatus error;
        String reason;
        RequestParser last;
        boolean keepAlive;
        boolean expectContinue;
        boolean http10;
        String routeHeader;

        @Override
        public void onRequestHead(RequestParser head) {
            last = head;
            keepAlive = head.keepAlive();
            expectContinue = head.expectContinue();
            http10 = head.http10();
            routeHeader = head.header(AsciiString.cached("x-canary"));
            ByteBuf out = RequestHeadWriter.write(head, ByteBufAllocator.DEFAULT, head.target().path() + head.target().query(), null,
                    forwarded, head.host(), null);
            heads.add(out.toString(StandardCharsets.ISO_8859_1));
            out.release();
        }

        @Override
        public void onRequestBody(ByteBuf bytes) {
            body.append(bytes.toString(StandardCharsets.ISO_8859_1));
            bytes.release();
        }

        @Override
        public void onRequestEnd() {
            ends++;
        }

        @Override
        public void onRequestError(HttpResponseStatus status, String reason) {
            this.error = status;
            this.reason = reason;
        }
    }

    private final List<ByteBuf> buffers = new ArrayList<>();

    @AfterEach
    void release() {
        buffers.forEach(ByteBuf::release);
    }

    /** Feeds the pieces one read at a time into one buffer, as the handler does, parsing after each. */
    private Recorder feed(String... pieces) {
        return feed(new Recorder(), pieces);
    }

    private Recorder feed(Recorder r, String... pieces) {
        RequestParser parser = new RequestParser();
        ByteBuf in = Unpooled.buffer();
        buffers.add(in);
        for (String piece : pieces) {
            in.writeBytes(piece.getBytes(StandardCharsets.ISO_8859_1));
            while (in.isReadable() && parser.feed(in, r)) {
                // each call handles one head or the end of one body
            }
        }
        return r;
    }

    @Test
    void theUpstreamHeadKeepsTheClientsLinesButTheHopByHopOnesAndAddsTheForwardedOnes() {
        Recorder r = feed("GET /a?b=c HTTP/1.1\r\nHost: shop.example.com\r\nUser-Agent: curl\r\nConnection: keep-alive, X-Private\r\n"
                + "Keep-Alive: timeout=5\r\nX-Private: 1\r\nTE: trailers\r\nUpgrade: h2c\r\nProxy-Connection: x\r\n"
                + "Proxy-Authorization: Basic eA==\r\nX-Forwarded-For: 1.2.3.4\r\nx-forwarded-for: 5.6.7.8\r\n"
                + "X-Forwarded-Proto: https\r\nX-Forwarded-Host: evil\r\nX-Forwarded-Port: 1\r\nAccept: */*\r\n\r\n");
        assertThat(r.error).isNull();
        // The client is no trusted proxy: what it claims about itself is replaced by what the proxy saw.
        assertThat(r.heads).containsExactly("GET /a?b=c HTTP/1.1\r\nHost: shop.example.com\r\nUser-Agent: curl\r\nAccept: */*\r\n"
                + "x-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\nx-forwarded-port: 8080\r\n"
                + "x-forwarded-host: shop.example.com\r\n\r\n");
        assertThat(r.keepAlive).isTrue();
        assertThat(r.ends).as("no body, no end callback").isZero();
    }

    private static final String CLAIMS = "GET / HTTP/1.1\r\nHost: shop.example.com\r\nX-Forwarded-For: 203.0.113.7\r\n"
            + "X-Real-IP: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nForwarded: for=203.0.113.7;proto=https\r\n"
            + "x-forwarded-for: 198.51.100.2\r\nX-Forwarded-Host: www.example.com\r\nX-Forwarded-Port: 443\r\nAccept: */*\r\n\r\n";

    @Test
    void anUntrustedPeersClaimsAboutTheClientAreReplacedOrRemoved() {
        Recorder r = feed(CLAIMS);
        assertThat(r.heads).containsExactly("GET / HTTP/1.1\r\nHost: shop.example.com\r\nAccept: */*\r\n"
                + "x-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\nx-forwarded-port: 8080\r\n"
                + "x-forwarded-host: shop.example.com\r\n\r\n");
    }

    @Test
    void aTrustedPeersChainIsKeptAndTheClientAppended() {
        // A TLS-terminating load balancer in front: its scheme, host and port are the ones the client used.
        Recorder r = new Recorder();
        r.forwarded = new ForwardedFields("10.0.0.9", "http", 8080, true);
        feed(r, CLAIMS);
        assertThat(r.heads).containsExactly("GET / HTTP/1.1\r\nHost: shop.example.com\r\n"
                + "X-Real-IP: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nForwarded: for=203.0.113.7;proto=https\r\n"
                + "X-Forwarded-Host: www.example.com\r\nX-Forwarded-Port: 443\r\nAccept: */*\r\n"
                + "x-forwarded-for: 203.0.113.7, 198.51.100.2, 10.0.0.9\r\nforwarded: for=10.0.0.9\r\n\r\n");
    }

    @Test
    void aTrustedPeerThatSentNoClaimsGetsTheProxysOwn() {
        Recorder r = new Recorder();
        r.forwarded = new ForwardedFields("2001:db8::9", "https", 443, true);
        feed(r, "GET / HTTP/1.1\r\nHost: shop.example.com\r\nX-Forwarded-Proto: https\r\n\r\n");
        // Only the kinds the peer sent are its own; IPv6 goes into X-Forwarded-For bare.
        assertThat(r.heads).containsExactly("GET / HTTP/1.1\r\nHost: shop.example.com\r\nX-Forwarded-Proto: https\r\n"
                + "x-forwarded-for: 2001:db8::9\r\nx-forwarded-port: 443\r\nx-forwarded-host: shop.example.com\r\n\r\n");
        Recorder forwarded = new Recorder();
        forwarded.forwarded = new ForwardedFields("2001:db8::9", "http", 80, true);
        feed(forwarded, "GET / HTTP/1.1\r\nHost: h\r\nForwarded: for=192.0.2.1\r\n\r\n");
        // RFC 7239 section 6: an IPv6 node is bracketed and quoted.
        assertThat(forwarded.heads).hasSize(1).first().asString().contains("Forwarded: for=192.0.2.1\r\n")
                .contains("forwarded: for=\"[2001:db8::9]\"\r\n");
    }

    @Test
    void anUnderscoreSpellingOfXRealIpIsRefused() {
        // X_Real_IP reaches a CGI/PHP backend as HTTP_X_REAL_IP: a claim that would bypass the trust rule.
        assertThat(feed("GET / HTTP/1.1\r\nHost: h\r\nX_Real_IP: 1.2.3.4\r\n\r\n").error).isEqualTo(HttpResponseStatus.BAD_REQUEST);
    }

    @Test
    void connectionCannotRemoveFramingHeadersOrHost() {
        Recorder r = feed("POST / HTTP/1.1\r\nHost: h\r\nConnection: content-length, host, transfer-encoding\r\nContent-Length: 2\r\n\r\nok");
        assertThat(r.heads).hasSize(1).first().asString().contains("Host: h\r\n").contains("content-length: 2\r\n");
        assertThat(r.body).hasToString("ok");
        assertThat(r.ends).isEqualTo(1);
    }

    @Test
    void headsSplitAnywhereGiveTheSameUpstreamHead() {
        String request = "GET / HTTP/1.1\r\nHost: a.example\r\nX-Canary: yes\r\n\r\n";
        String expected = feed(request).heads.get(0);
        for (int at = 1; at < request.length(); at++) {
            Recorder r = feed(request.substring(0, at), request.substring(at));
            assertThat(r.heads).as("split at %d", at).containsExactly(expected);
            assertThat(r.routeHeader).isEqualTo("yes");
        }
    }

    @Test
    void bodiesAreFramedByContentLengthOrPassedOnChunkedWhereverTheReadsSplitThem() {
        String fixed = "POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello worldGET /next HTTP/1.1\r\nHost: h\r\n\r\n";
        String chunks = "5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 1\r\n\r\n";
        String chunked = "POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
        for (int at = 1; at < fixed.length(); at++) {
            Recorder r = feed(fixed.substring(0, at), fixed.substring(at));
            assertThat(r.body).as("split at %d", at).hasToString("hello world");
            assertThat(r.ends).isEqualTo(1);
            assertThat(r.heads).hasSize(2);
            assertThat(r.heads.get(1)).startsWith("GET /next HTTP/1.1\r\n");
        }
        for (int at = 1; at < chunked.length(); at++) {
            Recorder r = feed(chunked.substring(0, at), chunked.substring(at));
            assertThat(r.body).as("split at %d", at).hasToString(chunks);
            assertThat(r.ends).isEqualTo(1);
            assertThat(r.heads).hasSize(2);
            assertThat(r.error).isNull();
        }
    }

    @Test
    void http10AndExpectAndKeepAliveAreReadFromTheHead() {
        Recorder old = feed("GET / HTTP/1.0\r\n\r\n");
        assertThat(old.http10).isTrue();
        assertThat(old.keepAlive).isFalse();
        assertThat(old.heads).containsExactly("GET / HTTP/1.1\r\nx-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\n"
                + "x-forwarded-port: 8080\r\n\r\n");
        assertThat(feed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keepAlive).isTrue();
        assertThat(feed("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").keepAlive).isFalse();
        assertThat(feed("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n").expectContinue).isTrue();
        assertThat(feed("PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n").expectContinue)
                .as("RFC 9110 section 10.1.1: ignored from HTTP/1.0").isFalse();
    }

    @Test
    void smugglingShapesAreRefused() {
        String[] bad = {
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n",
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\nabc",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n Transfer-Encoding: chunked\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u0000b\r\n\r\n",
            "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /\u00e9 HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET / HTTP/1.1 x\r\nHost: h\r\n\r\n",
            "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET / HTTX/1.1\r\nHost: h\r\n\r\n",
            "G(T / HTTP/1.1\r\nHost: h\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer_Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nContent_Length: 3\r\n\r\nabc",
        };
        for (String request : bad) {
            Recorder r = feed(request);
            assertThat(r.error).as(request).isEqualTo(HttpResponseStatus.BAD_REQUEST);
            assertThat(r.heads).as(request).isEmpty();
            assertThat(r.body).as(request).isEmpty();
        }
        assertThat(feed("GET / HTTP/2.0\r\nHost: h\r\n\r\n").error).isEqualTo(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED);
        Recorder twice = feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3, 003\r\n\r\nabc");
        assertThat(twice.body).as("the same length twice is one length").hasToString("abc");
        assertThat(twice.heads).hasSize(1).first().asString().as("and goes on as one canonical line")
                .contains("\r\ncontent-length: 3\r\n").doesNotContain("Content-Length").doesNotContain("003");
    }

    /**
     * Chunked bodies go upstream as sent, so the walker must not accept what a strict backend
     * would read differently: a lone LF instead of CRLF anywhere in the framing, or whitespace
     * after a size without an extension ("2;\nxx\r\n5a..." would smuggle a request).
     */
    @Test
    void chunkFramingThatAStrictPeerWouldReadDifferentlyIsRefused() {
        String[] bad = {
            "2;\nxx\r\n5a\r\n0\r\n\r\n",       // lone LF ends an extension
            "5\nhello\r\n0\r\n\r\n",           // lone LF after the size
            "5\r\nhello\n0\r\n\r\n",           // lone LF after the data
            "0\r\n\n",                         // lone LF ends the body
            "0\r\nX: 1\n\r\n",                  // lone LF ends a trailer
            "5 \r\nhello\r\n0\r\n\r\n",         // whitespace after the size, no extension
        };
        for (String chunks : bad) {
            Recorder r = feed("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks);
            assertThat(r.error).as(chunks).isEqualTo(HttpResponseStatus.BAD_REQUEST);
            assertThat(r.ends).as(chunks).isZero();
        }
    }

    @Test
    void leadingEmptyLinesAreSkippedButNotWithoutLimit() {
        assertThat(feed("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n").heads).hasSize(1);
        // Without a limit, 13,000 of them would hold the request until the idle timeout.
        Recorder many = feed("\r\n".repeat(13_000) + "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        assertThat(many.error).isNotNull();
        assertThat(many.heads).isEmpty();
    }

    @Test
    void aHeadTrickledByteByByteIsParsedOnce() {
        String request = "GET /t HTTP/1.1\r\nHost: h\r\nX-A: " + "a".repeat(2000) + "\r\n\r\n";
        String[] bytes = request.split("");
        Recorder r = feed(bytes);
        assertThat(r.heads).hasSize(1).first().asString().startsWith("GET /t HTTP/1.1\r\nHost: h\r\nX-A: aaa");
    }

    @Test
    void theClientsForwardedHeaderIsNotPassedOn() {
        Recorder r = feed("GET / HTTP/1.1\r\nHost: h\r\nForwarded: for=1.2.3.4;proto=https\r\n\r\n");
        assertThat(r.heads).hasSize(1).first().asString().doesNotContainIgnoringCase("forwarded: for=1.2.3.4");
    }

    @Test
    void malformedChunksEndTheRequestWithA400() {
        Recorder r = feed("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n0\r\n\r\n");
        assertThat(r.heads).hasSize(1);
        assertThat(r.error).isEqualTo(HttpResponseStatus.BAD_REQUEST);
        assertThat(r.reason).contains("chunk");
        assertThat(r.ends).isZero();
    }

    @Test
    void oversizedLinesAndHeadsAreRefusedWithTheirOwnStatus() {
        Recorder longLine = feed("GET /" + "a".repeat(RequestParser.MAX_REQUEST_LINE + 10));
        assertThat(longLine.error).isEqualTo(HttpResponseStatus.REQUEST_URI_TOO_LONG);
        Recorder longLineComplete = feed("GET /" + "a".repeat(RequestParser.MAX_REQUEST_LINE) + " HTTP/1.1\r\nHost: h\r\n\r\n");
        assertThat(longLineComplete.error).isEqualTo(HttpResponseStatus.REQUEST_URI_TOO_LONG);
        Recorder bigHeaders = feed("GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + "b".repeat(RequestParser.MAX_HEADERS) + "\r\n\r\n");
        assertThat(bigHeaders.error).isEqualTo(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE);
        Recorder bigIncomplete = feed("GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + "b".repeat(RequestParser.MAX_HEADERS + 10));
        assertThat(bigIncomplete.error).isEqualTo(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE);
        StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: h\r\n");
        for (int i = 0; i < 300; i++) {
            many.append("X-").append(i).append(": v\r\n");
        }
        assertThat(feed(many.append("\r\n").toString()).error).isEqualTo(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE);
    }

    @Test
    void theHostLineCanBeReplaced() {
        Recorder r = new Recorder() {
            @Override
            public void onRequestHead(RequestParser head) {
                head.dropHost();
                ByteBuf out = RequestHeadWriter.write(head, ByteBufAllocator.DEFAULT, "/x", "new.example", FORWARDED, null,
                        "1.1 swarm-ingress");
                heads.add(out.toString(StandardCharsets.ISO_8859_1));
                out.release();
            }
        };
        RequestParser parser = new RequestParser();
        ByteBuf in = Unpooled.copiedBuffer("GET http://new.example/x HTTP/1.1\r\nHost: a\r\n\r\n", StandardCharsets.US_ASCII);
        buffers.add(in);
        parser.feed(in, r);
        assertThat(r.heads).containsExactly("GET /x HTTP/1.1\r\nhost: new.example\r\nx-forwarded-for: 10.0.0.9\r\n"
                + "x-forwarded-proto: http\r\nx-forwarded-port: 8080\r\nvia: 1.1 swarm-ingress\r\n\r\n");
        // RFC 9112 section 3.2: two Host lines are refused whatever the form of the target.
        assertThat(feed("GET http://new.example/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").error).isEqualTo(HttpResponseStatus.BAD_REQUEST);
    }
}
