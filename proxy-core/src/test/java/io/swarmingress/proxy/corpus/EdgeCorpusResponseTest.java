package io.swarmingress.proxy.corpus;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.swarmingress.proxy.testing.ProxyFixture;

/**
 * The malformed-response corpus ({@code http-corpus/responses.txt}, the edge policy of issue 8) end
 * to end: a raw-socket backend answers {@code /case} with the case's bytes, a real client reads
 * what the proxy makes of them, and then later requests, from a new client and from the first one
 * when it is still connected, prove two things with bytes rather than timing: nothing of the bad
 * response reaches any client after the point where it went wrong, and the upstream connection
 * that carried it is never used again (those requests reach the backend on another connection).
 *
 * <p>Cases with late bytes run twice: the late bytes are let go once after the next client's
 * request reached the proxy (so a reused connection would hand them to it as its response), and
 * once before that request is sent (so they arrive on a connection idle in the pool). The first
 * order only makes sense where the connection must not be reused at all (HEAD, 204, 304).
 */
class EdgeCorpusResponseTest {
    private static final Set<String> KEYS = Set.of("expect", "request", "body", "client-header", "client-absent", "reuse", "next-request",
            "send");
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    /** How long the backend is watched for the next request before the late bytes go anyway. */
    private static final Duration NEXT_REQUEST_BOUND = Duration.ofSeconds(2);
    private static final String SECOND_REQUEST = "GET /second HTTP/1.1\r\nHost: app.test\r\n\r\n";
    /** Bytes of the corpus that no client may ever receive. */
    private static final List<String> NEVER = List.of("POISONED", "MARKER");
    /** The header names of the proxy's own answers: a 502 carries nothing of the backend's head. */
    private static final Set<String> LOCAL_HEADERS = Set.of("content-type", "content-length", "cache-control", "connection", "via");

    /** When the next client's request is sent, relative to a case's late bytes. */
    enum Late {
        /** The case has no late bytes. */
        NONE,
        /** The late bytes go once the next request reached the proxy. */
        NEXT_REQUEST_FIRST,
        /** The late bytes go first; the next request follows once the case's upstream connection ended. */
        LATE_BYTES_FIRST
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (CorpusCase c : CorpusCase.selected(CorpusCase.load("http-corpus/responses.txt", KEYS))) {
            if (new BackendScript(c.text("send")).late()) {
                if (!c.value("next-request", "both").equals("after-late-bytes")) {
                    out.add(Arguments.of(c, Late.NEXT_REQUEST_FIRST));
                }
                out.add(Arguments.of(c, Late.LATE_BYTES_FIRST));
            } else {
                out.add(Arguments.of(c, Late.NONE));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void response(CorpusCase c, Late late) throws Exception {
        String expect = c.value("expect");
        String method = c.value("request", "GET");
        BackendScript script = new BackendScript(c.text("send"));
        SoftAssertions softly = new SoftAssertions();
        List<RawClient> clients = new ArrayList<>();
        try (RawBackend backend = RawBackend.start("app", script)) {
            ProxyFixture proxy = ProxyFixture.start("""
                    io_threads: 1
                    entrypoints: [{name: web, address: '127.0.0.1:0'}]
                    routes: [{entrypoint: web, path_prefix: /, service: app}]
                    services: [{name: app, endpoints: ['%s']}]
                    """.formatted(backend.hostPort()));
            try {
                int port = proxy.port("web");
                RawClient first = open(clients, port);
                first.send(method + " /case HTTP/1.1\r\nHost: app.test\r\n\r\n");
                boolean firstStillOpen = first(softly, c, expect, method.equals("HEAD"), script, first);
                int caseConnection = backend.requests().stream().filter(r -> r.path().equals("/case"))
                        .mapToInt(RawBackend.Request::connection).findFirst().orElse(-1);

                RawClient next = open(clients, port);
                switch (late) {
                    case NEXT_REQUEST_FIRST -> {
                        next.send(SECOND_REQUEST);
                        backend.awaitRequest(r -> r.path().equals("/second"), NEXT_REQUEST_BOUND);
                        script.release();
                    }
                    case LATE_BYTES_FIRST -> {
                        script.release();
                        script.awaitWritten(READ_TIMEOUT.toSeconds());
                        backend.awaitEnded(caseConnection, NEXT_REQUEST_BOUND);
                        next.send(SECOND_REQUEST);
                    }
                    default -> next.send(SECOND_REQUEST);
                }
                expectSecond(softly, "a new client's GET /second", next);
                if (firstStillOpen) {
                    first.send(SECOND_REQUEST);
                    expectSecond(softly, "the first client's next GET /second", first);
                }
                List<Integer> later = backend.requests().stream().filter(r -> r.path().equals("/second"))
                        .map(RawBackend.Request::connection).toList();
                softly.assertThat(later).as("upstream connections of the later requests").isNotEmpty();
                if (!c.value("reuse", "never").equals("allowed")) {
                    softly.assertThat(later).as("upstream connections of the later requests (the case used connection %d)",
                            caseConnection).doesNotContain(caseConnection);
                }
                for (RawClient client : clients) {
                    for (String never : NEVER) {
                        softly.assertThat(client.receivedText()).as("bytes a client received").doesNotContain(never);
                    }
                }
            } finally {
                script.release();
                for (RawClient client : clients) {
                    client.close();
                }
                proxy.close();
            }
            try {
                softly.assertAll();
            } catch (AssertionError e) {
                throw new AssertionError(report(c, late, clients, backend) + "\n" + e.getMessage(), e);
            }
        }
    }

    /**
     * Checks what the first client got for {@code /case}.
     *
     * @return whether its connection is still open for another request
     */
    private static boolean first(SoftAssertions softly, CorpusCase c, String expect, boolean head, BackendScript script,
            RawClient client) throws IOException {
        String[] e = expect.split(" ", 2);
        switch (e[0]) {
            case "complete" -> {
                RawClient.Response r = read(softly, client, head);
                if (r == null) {
                    return false;
                }
                softly.assertThat(r.statusLine()).as("status line").isEqualTo(e[1]);
                softly.assertThat(r.interim()).as("interim heads").isLessThanOrEqualTo(16);
                softly.assertThat(r.bodyText()).as("body").isEqualTo(c.text("body"));
                List<String> lines = r.headers().stream().map(EdgeCorpusRequestTest::lowerName).toList();
                softly.assertThat(lines).as("header lines").containsAll(c.decodedValues("client-header"));
                for (String absent : c.decodedValues("client-absent")) {
                    softly.assertThat(r.header(absent)).as("header " + absent).isNull();
                }
                return !r.closes();
            }
            case "502" -> {
                RawClient.Response r = read(softly, client, false);
                return r != null && localBadGateway(softly, r);
            }
            case "502-or-abort" -> {
                try {
                    RawClient.Response r = client.readResponse(false);
                    softly.assertThat(r.interim()).as("interim heads passed on").isLessThanOrEqualTo(16);
                    return localBadGateway(softly, r);
                } catch (RawClient.Incomplete incomplete) {
                    softly.assertThat(incomplete.end).as("how the connection ended").isNotEqualTo(RawClient.End.TIMEOUT);
                    return false;
                }
            }
            case "abort" -> {
                RawClient.Rest rest = client.readToEnd();
                softly.assertThat(rest.end()).as("the client connection is closed (aborted)").isNotEqualTo(RawClient.End.TIMEOUT);
                String got = client.receivedText();
                if (!got.isEmpty()) {
                    softly.assertThat(got).as("what the client received").startsWith(e[1] + "\r\n");
                    String good = script.goodPrefix();
                    String goodBody = good.substring(good.indexOf("\r\n\r\n") + 4);
                    int headEnd = got.indexOf("\r\n\r\n");
                    if (headEnd >= 0) {
                        softly.assertThat(goodBody).as("the body bytes before the error (what the client got must be a prefix)")
                                .startsWith(got.substring(headEnd + 4));
                    }
                }
                return false;
            }
            default -> throw new IllegalStateException(c.source() + ": unknown expectation '" + expect + "'");
        }
    }

    private static RawClient.Response read(SoftAssertions softly, RawClient client, boolean head) {
        try {
            return client.readResponse(head);
        } catch (IOException e) {
            softly.fail("no complete response for /case: " + e.getMessage());
            return null;
        }
    }

    /** @return whether the connection stays open after the 502 */
    private static boolean localBadGateway(SoftAssertions softly, RawClient.Response r) {
        softly.assertThat(r.statusLine()).as("status line").isEqualTo("HTTP/1.1 502 Bad Gateway");
        softly.assertThat(r.bodyText()).as("the proxy's own body").startsWith("502 Bad Gateway");
        for (String line : r.headers()) {
            String name = line.substring(0, Math.max(0, line.indexOf(':'))).toLowerCase(Locale.ROOT);
            softly.assertThat(LOCAL_HEADERS).as("header line of the 502: %s", line).contains(name);
        }
        return !r.closes();
    }

    private static void expectSecond(SoftAssertions softly, String who, RawClient client) {
        try {
            RawClient.Response r = client.readResponse(false);
            softly.assertThat(r.interim()).as(who + ": interim heads").isZero();
            softly.assertThat(r.statusLine()).as(who + ": status line").isEqualTo("HTTP/1.1 200 OK");
            softly.assertThat(r.bodyText()).as(who + ": body").isEqualTo("second");
        } catch (IOException e) {
            softly.fail(who + ": no complete response: " + e.getMessage());
        }
    }

    private static RawClient open(List<RawClient> clients, int port) throws IOException {
        RawClient client = new RawClient(port, READ_TIMEOUT);
        clients.add(client);
        return client;
    }

    private static String report(CorpusCase c, Late late, List<RawClient> clients, RawBackend backend) {
        StringBuilder sb = new StringBuilder()
                .append("case ").append(c.name()).append(' ').append(late).append(" (").append(c.source()).append(")\n");
        for (String comment : c.comments()) {
            sb.append("  # ").append(comment).append('\n');
        }
        sb.append("  expect:  ").append(c.value("expect")).append('\n')
                .append("  backend: ").append(CorpusCase.escape(CorpusCase.bytes(c.text("send")))).append('\n');
        for (int i = 0; i < clients.size(); i++) {
            sb.append("  client ").append(i + 1).append(" received: ")
                    .append(CorpusCase.escape(clients.get(i).received())).append('\n');
        }
        for (RawBackend.Request r : backend.requests()) {
            sb.append("  backend read on connection ").append(r.connection()).append(": ").append(r.line()).append('\n');
        }
        return sb.toString();
    }
}
