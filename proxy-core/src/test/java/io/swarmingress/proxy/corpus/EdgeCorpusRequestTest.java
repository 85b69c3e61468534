package io.swarmingress.proxy.corpus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.swarmingress.proxy.testing.Closer;
import io.swarmingress.proxy.testing.ProxyFixture;

/**
 * The malformed-request corpus ({@code http-corpus/requests.txt}, the edge policy of issue 8) end to
 * end: each case is sent as raw bytes to a proxy started for it alone, in front of three
 * recording raw-socket backends, and afterwards the proxy is closed and every backend connection
 * read to its end, so "the backend saw nothing" is a fact about every byte, not a guess about timing.
 *
 * <p>Expectations: {@code refuse STATUS-LINE} (the proxy answers exactly that, with
 * {@code connection: close}, closes, and no backend received a single byte); {@code local
 * STATUS-LINE} (the proxy answers itself, nothing reaches a backend, the connection may stay);
 * {@code canonical BACKEND} (the client gets that backend's 200, and the backend received exactly
 * one request: the {@code upstream} request line, exactly the {@code header} lines plus the
 * proxy's fixed X-Forwarded-For/-Proto/-Port, names compared in lower case and values byte for byte,
 * and the {@code body}).
 */
class EdgeCorpusRequestTest {
    private static final Set<String> KEYS = Set.of("expect", "upstream", "header", "body", "send");
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SETTLE = Duration.ofSeconds(10);
    private static final List<String> BACKENDS = List.of("app", "good", "wild");

    static List<CorpusCase> cases() {
        return CorpusCase.selected(CorpusCase.load("http-corpus/requests.txt", KEYS));
    }

    /**
     * {@code app.test} has a plain prefix route (/public, /static) and a strip_prefix route (/api);
     * {@code good.example} and {@code *.wild.example} go to backends of their own. Nothing routes
     * /admin, and there is no host-less route. One I/O thread, as elsewhere in the corpus tests.
     */
    static String config(Map<String, RawBackend> backends) {
        return """
                io_threads: 1
                entrypoints: [{name: web, address: '127.0.0.1:0'}]
                routes:
                  - {entrypoint: web, host: app.test, path_prefix: /public, service: app}
                  - {entrypoint: web, host: app.test, path_prefix: /static, service: app}
                  - {entrypoint: web, host: app.test, path_prefix: /api, strip_prefix: true, service: app}
                  - {entrypoint: web, host: good.example, path_prefix: /, service: good}
                  - {entrypoint: web, host: '*.wild.example', path_prefix: /, service: wild}
                services:
                  - {name: app, endpoints: ['%s']}
                  - {name: good, endpoints: ['%s']}
                  - {name: wild, endpoints: ['%s']}
                """.formatted(backends.get("app").hostPort(), backends.get("good").hostPort(), backends.get("wild").hostPort());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void request(CorpusCase c) throws Exception {
        String[] expect = c.value("expect").split(" ", 2);
        String kind = expect[0];
        if (!Set.of("refuse", "local", "canonical").contains(kind) || expect.length < 2) {
            throw new IllegalStateException(c.source() + ": expect must be 'refuse STATUS', 'local STATUS' or 'canonical BACKEND'");
        }
        String request = c.text("send");
        try (Closer closer = new Closer()) {
            Map<String, RawBackend> backends = new LinkedHashMap<>();
            for (String name : BACKENDS) {
                backends.put(name, closer.add(RawBackend.start(name, RawBackend.namedOk(name))));
            }
            ProxyFixture proxy = ProxyFixture.start(config(backends));
            int port = proxy.port("web");
            RawClient.Response response = null;
            IOException failure = null;
            RawClient.Rest rest = null;
            String received;
            try (RawClient client = new RawClient(port, READ_TIMEOUT)) {
                client.send(request);
                try {
                    response = client.readResponse(false);
                    if (kind.equals("refuse") && response.statusLine().equals(expect[1]) && response.closes()) {
                        // Only then is it worth waiting for the close: any other answer fails already.
                        rest = client.readToEnd();
                    }
                } catch (IOException e) {
                    failure = e;
                }
                received = client.receivedText();
            } finally {
                proxy.close();
            }
            for (RawBackend b : backends.values()) {
                b.settle(SETTLE);
            }

            SoftAssertions softly = new SoftAssertions();
            softly.assertThat(failure).as("reading the response").isNull();
            switch (kind) {
                case "refuse" -> refused(softly, expect[1], response, rest, backends);
                case "local" -> local(softly, expect[1], response, backends);
                default -> canonical(softly, c, expect[1], port, response, backends);
            }
            try {
                softly.assertAll();
            } catch (AssertionError e) {
                throw new AssertionError(report(c, request, received, backends) + "\n" + e.getMessage(), e);
            }
        }
    }

    private static void refused(SoftAssertions softly, String statusLine, RawClient.Response response, RawClient.Rest rest,
            Map<String, RawBackend> backends) {
        if (response != null) {
            softly.assertThat(response.statusLine()).as("status line").isEqualTo(statusLine);
            softly.assertThat(response.header("connection")).as("connection header of the refusal").isEqualTo("close");
        }
        if (rest != null) {
            softly.assertThat(rest.end()).as("the proxy closed the connection after refusing").isIn(RawClient.End.EOF, RawClient.End.RESET);
            softly.assertThat(new String(rest.bytes(), StandardCharsets.ISO_8859_1)).as("bytes after the refusal").isEmpty();
        }
        nothingReached(softly, backends, null);
    }

    private static void local(SoftAssertions softly, String statusLine, RawClient.Response response,
            Map<String, RawBackend> backends) {
        if (response != null) {
            softly.assertThat(response.statusLine()).as("status line").isEqualTo(statusLine);
        }
        nothingReached(softly, backends, null);
    }

    private static void canonical(SoftAssertions softly, CorpusCase c, String backendName, int port,
            RawClient.Response response, Map<String, RawBackend> backends) {
        RawBackend target = backends.get(backendName);
        if (target == null) {
            throw new IllegalStateException(c.source() + ": no backend '" + backendName + "' (expected one of " + BACKENDS + ")");
        }
        if (response != null) {
            softly.assertThat(response.statusLine()).as("status line").isEqualTo("HTTP/1.1 200 OK");
            softly.assertThat(response.bodyText()).as("response body (the backend's name)").isEqualTo(backendName);
        }
        nothingReached(softly, backends, backendName);
        List<RawBackend.Request> requests = target.requests();
        softly.assertThat(requests).as("requests read by backend " + backendName).hasSize(1);
        if (requests.size() != 1) {
            return;
        }
        RawBackend.Request r = requests.get(0);
        softly.assertThat(r.line()).as("request line upstream").isEqualTo(CorpusCase.decode(c.value("upstream")));
        List<String> expected = new ArrayList<>(c.decodedValues("header"));
        expected.add("x-forwarded-for: 127.0.0.1");
        expected.add("x-forwarded-proto: http");
        expected.add("x-forwarded-port: " + port);
        softly.assertThat(r.headers().stream().map(EdgeCorpusRequestTest::lowerName).toList())
                .as("header lines upstream (names in lower case)").containsExactlyInAnyOrderElementsOf(expected);
        softly.assertThat(new String(r.body(), StandardCharsets.ISO_8859_1)).as("body upstream").isEqualTo(c.text("body"));
        int length = r.line().length() + 2 + 2 + r.body().length;
        for (String h : r.headers()) {
            length += h.length() + 2;
        }
        softly.assertThat(target.allBytes().length).as("bytes upstream beyond the one request").isEqualTo(length);
    }

    private static void nothingReached(SoftAssertions softly, Map<String, RawBackend> backends, String except) {
        for (RawBackend b : backends.values()) {
            if (!b.name().equals(except)) {
                softly.assertThat(CorpusCase.escape(b.allBytes())).as("bytes received by backend " + b.name()).isEmpty();
            }
        }
    }

    static String lowerName(String headerLine) {
        int colon = headerLine.indexOf(':');
        return colon < 0 ? headerLine : headerLine.substring(0, colon).toLowerCase(Locale.ROOT) + headerLine.substring(colon);
    }

    private static String report(CorpusCase c, String sent, String received, Map<String, RawBackend> backends) {
        StringBuilder sb = new StringBuilder()
                .append("case ").append(c.name()).append(" (").append(c.source()).append(")\n");
        for (String comment : c.comments()) {
            sb.append("  # ").append(comment).append('\n');
        }
        sb.append("  expect:   ").append(c.value("expect")).append('\n')
                .append("  sent:     ").append(CorpusCase.escape(CorpusCase.bytes(sent))).append('\n')
                .append("  received: ").append(CorpusCase.escape(CorpusCase.bytes(received))).append('\n');
        for (RawBackend b : backends.values()) {
            for (RawBackend.Connection conn : b.connections()) {
                byte[] bytes = conn.bytes();
                if (bytes.length > 0) {
                    sb.append("  backend ").append(b.name()).append(" connection ").append(conn.id).append(": ")
                            .append(CorpusCase.escape(bytes)).append('\n');
                }
            }
        }
        return sb.toString();
    }
}
