package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.Closer;
import io.swarmingress.proxy.testing.ProxyFixture;

/** Edge cases of the exchange state machine, each a bug once: pipelining, drained bodies, 1xx, DNS, idle pools. */
class ReviewFixesTest {
    private final Closer closer = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
    }

    private Backend backend(String name) {
        return closer.add(Backend.start(name));
    }

    private ProxyFixture proxy(String service, String endpoints) {
        return proxy("", service, endpoints);
    }

    private ProxyFixture proxy(String entrypointOptions, String serviceOptions, String endpoints) {
        ProxyFixture p = ProxyFixture.start("entrypoints: [{name: web, address: '127.0.0.1:0'" + entrypointOptions + "}]\n"
                + "routes: [{entrypoint: web, host: app.test, service: app}]\n"
                + "services: [{name: app" + serviceOptions + ", endpoints: [" + endpoints + "]}]\n");
        closer.add(p);
        return p;
    }

    /** One HTTP/1.1 response with a Content-Length body, read off a raw stream. */
    private record Response(String statusLine, String head, String body) {
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c == -1 && b.size() == 0) {
            return null;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static Response read(InputStream in) throws IOException {
        String status = line(in);
        StringBuilder head = new StringBuilder();
        int length = 0;
        String l;
        while ((l = line(in)) != null && !l.isEmpty()) {
            head.append(l.toLowerCase()).append('\n');
            if (l.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(l.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return new Response(status, head.toString(), new String(body, StandardCharsets.ISO_8859_1));
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Test
    void pipelinedRequestsWithBodiesAllReachTheBackend() throws Exception {
        Backend a = backend("a");
        ProxyFixture p = proxy("", "'" + a.hostPort() + "'");
        try (Socket s = new Socket("127.0.0.1", p.port("web"))) {
            s.setSoTimeout(5000);
            send(s, "POST /upload HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\n\r\nhello"
                    + "POST /upload HTTP/1.1\r\nHost: app.test\r\nContent-Length: 7\r\n\r\nworld!!");
            InputStream in = new BufferedInputStream(s.getInputStream());
            Response first = read(in);
            Response second = read(in);
            assertThat(first.statusLine()).isEqualTo("HTTP/1.1 200 OK");
            assertThat(first.body()).isEqualTo("5");
            assertThat(second.statusLine()).isEqualTo("HTTP/1.1 200 OK");
            assertThat(second.body()).isEqualTo("7");
        }
    }

    @Test
    void aLocalAnswerQueuedBehindAProxiedOneIsSent() throws Exception {
        Backend a = backend("a");
        ProxyFixture p = proxy("", "'" + a.hostPort() + "'");
        try (Socket s = new Socket("127.0.0.1", p.port("web"))) {
            s.setSoTimeout(5000);
            send(s, "GET / HTTP/1.1\r\nHost: app.test\r\n\r\nGET / HTTP/1.1\r\nHost: nowhere.test\r\n\r\n");
            InputStream in = new BufferedInputStream(s.getInputStream());
            assertThat(read(in).statusLine()).isEqualTo("HTTP/1.1 200 OK");
            assertThat(read(in).statusLine()).isEqualTo("HTTP/1.1 404 Not Found");
        }
    }

    @Test
    void aClientThatStopsSendingARejectedBodyIsDisconnected() throws Exception {
        Backend a = backend("a");
        ProxyFixture p = proxy(", request_body_timeout: 500ms", "", "'" + a.hostPort() + "'");
        try (Socket s = new Socket("127.0.0.1", p.port("web"))) {
            s.setSoTimeout(10_000);
            send(s, "POST / HTTP/1.1\r\nHost: nowhere.test\r\nContent-Length: 100000\r\n\r\n0123456789");
            InputStream in = new BufferedInputStream(s.getInputStream());
            assertThat(read(in).statusLine()).isEqualTo("HTTP/1.1 404 Not Found");
            long start = System.nanoTime();
            assertThat(in.read()).as("closed by the proxy, not held open").isEqualTo(-1);
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
        }
    }

    @Test
    void anIdleKeepAliveClientIsClosedAfterTheClientIdleTimeout() throws Exception {
        Backend a = backend("a");
        ProxyFixture p = proxy(", client_idle_timeout: 400ms", "", "'" + a.hostPort() + "'");
        try (Socket s = new Socket("127.0.0.1", p.port("web"))) {
            s.setSoTimeout(10_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            for (int i = 0; i < 3; i++) {
                // Activity keeps it open past the timeout.
                send(s, "GET / HTTP/1.1\r\nHost: app.test\r\n\r\n");
                assertThat(read(in).body()).isEqualTo("a");
                Thread.sleep(250);
            }
            long start = System.nanoTime();
            assertThat(in.read()).isEqualTo(-1);
            long waitedMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(waitedMs).isBetween(100L, 5_000L);
        }
    }

    @Test
    void aConnectionKeptAliveAfterA504IsStillClosedWhenIdle() throws Exception {
        Backend a = backend("a");
        ProxyFixture p = proxy(", client_idle_timeout: 400ms", ", response_timeout: 200ms", "'" + a.hostPort() + "'");
        try (Socket s = new Socket("127.0.0.1", p.port("web"))) {
            s.setSoTimeout(10_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            send(s, "GET /hang HTTP/1.1\r\nHost: app.test\r\n\r\n");
            Response r = read(in);
            assertThat(r.statusLine()).isEqualTo("HTTP/1.1 504 Gateway Timeout");
            assertThat(r.head()).doesNotContain("connection: close");
            long start = System.nanoTime();
            assertThat(in.read()).as("closed by the idle timeout, not held forever").isEqualTo(-1);
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
        }
    }

    @Test
    void unresolvableEndpointIs502() {
        ProxyFixture p = proxy("", "'no-such-host.invalid:8080'");
        var r = p.get("web", "/", "Host", "app.test");
        assertThat(r.statusCode()).isEqualTo(502);
    }

    @Test
    void http10RequestWithoutHostGoesUpstreamWithOne() throws Exception {
        Backend echo = backend("echo");
        ProxyFixture p = ProxyFixture.start("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, endpoints: ['" + echo.hostPort() + "']}]\n");
        closer.add(p);
        String response = p.raw("web", "GET /headers HTTP/1.0\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 200 OK").contains("host: " + echo.hostPort() + "\n");
    }

    @Test
    void interimResponsesReachHttp11ClientsOnly() throws Exception {
        try (ServerSocket hints = new ServerSocket(0)) {
            // A minimal peer that answers 103 Early Hints before its 200, then closes.
            Thread answering = new Thread(() -> {
                try {
                    for (int i = 0; i < 2; i++) {
                        try (Socket c = hints.accept()) {
                            InputStream in = c.getInputStream();
                            String l;
                            while ((l = line(in)) != null && !l.isEmpty()) {
                                // request head
                            }
                            send(c, "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                                    + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
                            Thread.sleep(200);
                        }
                    }
                } catch (Exception ignored) {
                    // test over
                }
            });
            answering.setDaemon(true);
            answering.start();
            ProxyFixture p = proxy("", "'127.0.0.1:" + hints.getLocalPort() + "'");
            String http11 = p.raw("web", "GET / HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n");
            assertThat(http11).startsWith("HTTP/1.1 103 Early Hints").contains("HTTP/1.1 200 OK").endsWith("ok");
            String http10 = p.raw("web", "GET / HTTP/1.0\r\nHost: app.test\r\n\r\n");
            assertThat(http10).startsWith("HTTP/1.1 200 OK").doesNotContain("103").endsWith("ok");
        }
    }

    @Test
    void idlePooledUpstreamConnectionsAreClosed() throws Exception {
        Backend a = backend("a");
        ProxyFixture p = proxy("", ", idle_timeout: 300ms", "'" + a.hostPort() + "'");
        assertThat(p.get("web", "/", "Host", "app.test").body()).isEqualTo("a");
        assertThat(p.get("web", "/", "Host", "app.test").body()).isEqualTo("a");
        assertThat(a.connections()).as("reused while fresh").isEqualTo(1);
        Thread.sleep(1_200);
        assertThat(p.get("web", "/", "Host", "app.test").body()).isEqualTo("a");
        assertThat(a.connections()).as("the idle one was closed, a new one opened").isEqualTo(2);
    }

    /**
     * A client that pipelines requests and never reads the answers must not make the proxy buffer
     * them without bound. Before the fix every request was answered into the connection's outbound
     * buffer (10 MB of requests -> ~55 MB of 404s held in memory).
     */
    @Test
    void aClientThatNeverReadsItsAnswersGetsNoMoreOfThem() throws Exception {
        ProxyFixture p = proxy("", "'127.0.0.1:1'");
        byte[] batch = "GET / HTTP/1.1\r\nHost: unrouted.test\r\n\r\n".repeat(10_000).getBytes(StandardCharsets.US_ASCII);
        int batches = 25;
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new java.net.InetSocketAddress("127.0.0.1", p.port("web")));
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    for (int i = 0; i < batches; i++) {
                        out.write(batch);
                    }
                } catch (IOException e) {
                    // closed by the test
                }
            });
            writer.setDaemon(true);
            writer.start();
            writer.join(5000);
            Thread.sleep(500);
            long answered = answered404(p);
            assertThat(answered).as("404s answered to a client that reads none (it sent %d requests)", batches * 10_000L)
                    .isLessThan(100_000);
            assertThat(writer.isAlive()).as("the proxy stopped reading, so the client's writes block").isTrue();
        }
    }

    private static long answered404(ProxyFixture p) {
        for (String line : p.metrics().scrape().split("\n")) {
            if (line.startsWith("ingress_requests_total{code=\"404\"")) {
                return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }
}
