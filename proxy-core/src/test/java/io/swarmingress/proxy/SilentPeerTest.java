package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.netty.channel.epoll.Epoll;
import io.swarmingress.proxy.testing.Closer;
import io.swarmingress.proxy.testing.Command;
import io.swarmingress.proxy.testing.NamespacedBackend;
import io.swarmingress.proxy.testing.ProxyFixture;
import io.swarmingress.proxy.testing.ScriptedBackend;

/**
 * On real sockets with epoll: an endpoint whose link is cut while it holds a kept-alive connection
 * (its packets vanish, no FIN, no RST: a lost node) is given up once it has acknowledged nothing
 * for the connect timeout, and the request goes to another endpoint instead of waiting for the
 * response timeout; while a backend that is only slow to answer, or that does not read the body
 * before answering, is waited for. (A backend that stops reading a large upload: StreamingTest.)
 */
@Timeout(120)
class SilentPeerTest {
    /** The response timeout, far above what a silent peer may cost (about the connect timeout, 1 s). */
    private static final String TIMEOUTS = "connect_timeout: 1s, response_timeout: 30s";
    private final Closer closer = new Closer();

    @AfterEach
    void close() throws Exception {
        closer.close();
    }

    private ProxyFixture proxy(String serviceOptions, String... endpoints) {
        assertThat(Epoll.isAvailable()).as("epoll, as the proxy uses on Linux").isTrue();
        return closer.add(ProxyFixture.start("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, lb: round_robin, " + TIMEOUTS + serviceOptions
                + ", endpoints: ['" + String.join("', '", endpoints) + "']}]\n"));
    }

    private static HttpResponse<String> send(ProxyFixture p, String method) throws Exception {
        HttpRequest.BodyPublisher body = method.equals("GET") ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString("form");
        return p.client().send(HttpRequest.newBuilder(p.uri("web", "/x")).method(method, body)
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Requests until both endpoints answered once: each now has an idle kept-alive connection from the client's loop. */
    private static void warm(ProxyFixture p, String... names) throws Exception {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 10 && seen.size() < names.length; i++) {
            HttpResponse<String> r = send(p, "GET");
            assertThat(r.statusCode()).isEqualTo(200);
            seen.add(r.body().split(" ")[0]);
        }
        assertThat(seen).containsExactlyInAnyOrder(names);
    }

    @Test
    void aRequestSentToAnEndpointWhoseLinkWasCutIsRetriedElsewhereAfterTheConnectTimeout() throws Exception {
        NamespacedBackend lost = closer.add(NamespacedBackend.start("lost"));
        ScriptedBackend live = closer.add(ScriptedBackend.start("live"));
        ProxyFixture p = proxy("", lost.hostPort(), live.hostPort());
        warm(p, "lost", "live");
        lost.cut();

        long slowest = 0;
        for (int i = 0; i < 4; i++) {
            long start = System.nanoTime();
            HttpResponse<String> r = send(p, "GET");
            slowest = Math.max(slowest, (System.nanoTime() - start) / 1_000_000);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).startsWith("live GET /x");
        }
        assertThat(slowest).as("ms for the request that met the silent endpoint: about the connect timeout,"
                + " far from the response timeout").isBetween(900L, 10_000L);
        assertThat(p.metrics().scrape()).as("given up like a reset, and passive health ejected it")
                .contains("ingress_retries_total{reason=\"reset\",service=\"app\"} 1.0")
                .contains("ingress_endpoint_ejections_total{service=\"app\"} 1.0");
    }

    @Test
    void aRequestTheEndpointAcknowledgedJustBeforeItsLinkWasCutIsRetriedElsewhereOnceItsKernelAnswersNoProbe()
            throws Exception {
        // The request reached the endpoint's kernel, which acknowledged it, and then the node was
        // lost: nothing is in flight, so nothing is retransmitted; only a keepalive question tells.
        NamespacedBackend lost = closer.add(NamespacedBackend.start("lost"));
        ScriptedBackend live = closer.add(ScriptedBackend.start("live"));
        ProxyFixture p = proxy("", lost.hostPort(), live.hostPort());
        warm(p, "lost", "live");

        HttpRequest hold = HttpRequest.newBuilder(p.uri("web", "/hold")).timeout(Duration.ofSeconds(60)).build();
        var first = p.client().sendAsync(hold, HttpResponse.BodyHandlers.ofString());
        var second = p.client().sendAsync(hold, HttpResponse.BodyHandlers.ofString());
        Awaitility.await("the lost endpoint holding one request").atMost(Duration.ofSeconds(10)).until(lost::holding);
        long cutAt = System.nanoTime();
        lost.cut();

        for (var answer : java.util.List.of(first, second)) {
            HttpResponse<String> r = answer.get(60, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).startsWith("live GET /hold");
        }
        long ms = (System.nanoTime() - cutAt) / 1_000_000;
        assertThat(ms).as("ms from the cut until both were answered: a few connect timeouts and keepalive probes,"
                + " far from the 30 s response timeout").isLessThan(15_000L);
        assertThat(p.metrics().scrape()).as("given up like a reset, and passive health ejected it")
                .contains("ingress_retries_total{reason=\"reset\",service=\"app\"} 1.0")
                .contains("ingress_endpoint_ejections_total{service=\"app\"} 1.0");
    }

    @Test
    void aTunnelWhoseEndpointTookItsTimeToSwitchProtocolsRunsWithoutKeepaliveProbes() throws Exception {
        try (ServerSocket endpoint = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            int port = endpoint.getLocalPort();
            ProxyFixture p = proxy("", "127.0.0.1:" + port);
            try (Socket client = new Socket("127.0.0.1", p.port("web"))) {
                client.setSoTimeout(10_000);
                client.getOutputStream().write(("GET /chat HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\n"
                        + "Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                try (Socket upstream = endpoint.accept()) {
                    assertThat(readHead(upstream.getInputStream())).isTrue();
                    // The endpoint says nothing for longer than the connect timeout: the probe asks its kernel.
                    Awaitility.await("keepalive probes on the proxy's connection to the endpoint")
                            .atMost(Duration.ofSeconds(10)).until(() -> keepaliveTimer(port));
                    upstream.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                            + "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    assertThat(readHead(client.getInputStream())).isTrue();
                    Awaitility.await("the question withdrawn once the connection became a tunnel")
                            .atMost(Duration.ofSeconds(10)).until(() -> !keepaliveTimer(port));
                    upstream.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                    assertThat(client.getInputStream().readNBytes(4)).asString(StandardCharsets.US_ASCII).isEqualTo("ping");
                }
            }
        }
    }

    /** Whether the proxy's socket to {@code port} has a keepalive timer, as {@code ss -o} shows the kernel's timers. */
    private static boolean keepaliveTimer(int port) {
        String sockets = Command.of("ss", "-tnoH", "state", "established",
                "( dport = :" + port + " )").check();
        assertThat(sockets).as("the proxy's connection to the endpoint").contains(":" + port);
        return sockets.contains("timer:(keepalive");
    }

    @Test
    void aPostToASilentEndpointIsAnswered502AfterTheConnectTimeoutNotTheResponseTimeout() throws Exception {
        NamespacedBackend lost = closer.add(NamespacedBackend.start("lost"));
        ScriptedBackend live = closer.add(ScriptedBackend.start("live"));
        // No ejection: the round robin keeps sending every other request to the silent endpoint.
        ProxyFixture p = proxy(", outlier_detection: {consecutive_failures: 0}", lost.hostPort(), live.hostPort());
        warm(p, "lost", "live");
        lost.cut();

        int bad = 0;
        for (int i = 0; i < 2; i++) {
            long start = System.nanoTime();
            HttpResponse<String> r = send(p, "POST");
            long ms = (System.nanoTime() - start) / 1_000_000;
            if (r.statusCode() == 502) {
                bad++;
                assertThat(ms).as("ms until the 502").isBetween(900L, 10_000L);
            } else {
                assertThat(r.body()).isEqualTo("live POST /x form");
            }
        }
        assertThat(bad).as("a POST as a reset: not sent again (the rule for resets), answered 502").isEqualTo(1);
        assertThat(live.requests()).as("the POST the silent endpoint held was not resent").containsOnlyOnce("POST /x form");
    }

    @Test
    void aBackendSlowToAnswerOrNotReadingTheBodyIsWaitedForWellPastTheConnectTimeout() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Thread backend = new Thread(() -> answerLate(server), "late-backend");
            backend.setDaemon(true);
            backend.start();
            ProxyFixture p = proxy("", "127.0.0.1:" + server.getLocalPort());
            // 3.5 s without a byte: more than three probes of a 1 s connect timeout. The POST's body
            // is never read: it sits in the backend's socket buffer, acknowledged by its kernel.
            HttpResponse<String> get = send(p, "GET");
            HttpResponse<String> post = send(p, "POST");
            assertThat(get.statusCode()).isEqualTo(200);
            assertThat(get.body()).isEqualTo("late");
            assertThat(post.statusCode()).isEqualTo(200);
            assertThat(p.metrics().scrape()).doesNotContain("ingress_retries_total{reason=\"reset\",service=\"app\"} 1.0")
                    .contains("ingress_endpoint_ejections_total{service=\"app\"} 0.0");
        }
    }

    /** Answers each connection's requests 3.5 s after their head, reading nothing but the head. */
    private static void answerLate(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                while (readHead(in)) {
                    Thread.sleep(3500);
                    // The body, if any, was never read: the connection cannot carry another request.
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nlate"
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    break;
                }
            } catch (IOException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static boolean readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            head.write(c);
            byte[] b = head.toByteArray();
            int n = b.length;
            if (n >= 4 && b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n') {
                return true;
            }
        }
        return false;
    }
}
