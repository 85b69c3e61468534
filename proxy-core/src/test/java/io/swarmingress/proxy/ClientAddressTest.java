package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.Haproxy;
import io.swarmingress.proxy.testing.ProxyFixture;

/**
 * The client's real address, end to end with real peers nobody here wrote: HAProxy (Debian's) in
 * front of the proxy sends PROXY headers ({@code send-proxy}, {@code send-proxy-v2}) from a
 * {@code mode http} and a {@code mode tcp} backend, and HAProxy behind the proxy takes them
 * ({@code bind ... accept-proxy}) and answers with the client address it saw ({@code %ci:%cp}).
 * Clients connect from 127.0.0.2, HAProxy and the proxy from 127.0.0.1, so every hop is told
 * apart; curl is the client for the X-Forwarded-For trust rules.
 *
 * <pre>
 *   client 127.0.0.2 -> HAProxy (send-proxy[-v2]) -> edge / relay (proxy_protocol) -> send_proxy_protocol -> HAProxy echo (accept-proxy)
 *                                                                                   -> backend /headers (X-Forwarded-For)
 *   client 127.0.0.2 -> HAProxy lb (option forwardfor, X-Forwarded-Proto https) -> trusting (trusted_proxies: 127.0.0.1)
 *   curl from 127.0.0.1 / 127.0.0.2 -> web (trusted_proxies: 127.0.0.2)
 * </pre>
 */
@Timeout(120)
class ClientAddressTest {
    private static final String CLIENT = "127.0.0.2";
    private static final String SPOOF = "198.51.100.66";

    @TempDir
    static Path dir;

    private static Backend backend;
    private static ProxyFixture proxy;
    private static Haproxy haproxy;
    private static int inHttpV1;
    private static int inHttpV2;
    private static int inTcpV1;
    private static int inTcpV2;
    private static int lb;
    private static int echo;

    @BeforeAll
    static void start() throws Exception {
        try (Socket s = new Socket()) {
            // Linux routes all of 127/8 to lo: the second loopback address is how peers are told apart.
            s.bind(new InetSocketAddress(CLIENT, 0));
        }
        backend = Backend.start("backend");
        inHttpV1 = Haproxy.freePort();
        inHttpV2 = Haproxy.freePort();
        inTcpV1 = Haproxy.freePort();
        inTcpV2 = Haproxy.freePort();
        lb = Haproxy.freePort();
        echo = Haproxy.freePort();
        // One event loop: every client connection shares it, so a shared pool would hand one
        // client's upstream connection to the next.
        proxy = ProxyFixture.start(String.join("\n",
                "io_threads: 1",
                "entrypoints:",
                "  - {name: edge, address: '127.0.0.1:0', proxy_protocol: true, request_header_timeout: 2s}",
                "  - {name: relay_v1, address: '127.0.0.1:0', protocol: tcp, proxy_protocol: true, service: echo_v1}",
                "  - {name: relay_v2, address: '127.0.0.1:0', protocol: tcp, proxy_protocol: true, service: echo_v2}",
                "  - {name: trusting, address: '127.0.0.1:0', trusted_proxies: [127.0.0.1/32]}",
                "  - {name: web, address: '127.0.0.1:0', trusted_proxies: ['" + CLIENT + "', '::1']}",
                "routes:",
                "  - {entrypoint: edge, path_prefix: /echo-v1, service: echo_v1}",
                "  - {entrypoint: edge, path_prefix: /echo-v2, service: echo_v2}",
                "  - {entrypoint: edge, service: backend}",
                "  - {entrypoint: trusting, service: backend}",
                "  - {entrypoint: web, path_prefix: /echo-v1, service: echo_v1}",
                "  - {entrypoint: web, path_prefix: /echo-v2, service: echo_v2}",
                "  - {entrypoint: web, path_prefix: /private, service: private}",
                "  - {entrypoint: web, service: backend}",
                "services:",
                "  - {name: backend, endpoints: ['" + backend.hostPort() + "']}",
                "  - {name: private, upstream_reuse: per_client, endpoints: ['" + backend.hostPort() + "']}",
                "  - {name: echo_v1, send_proxy_protocol: v1, endpoints: ['127.0.0.1:" + echo + "']}",
                "  - {name: echo_v2, send_proxy_protocol: v2, endpoints: ['127.0.0.1:" + echo + "']}",
                ""));
        String config = String.join("\n",
                "defaults",
                "    timeout connect 5s",
                "    timeout client 30s",
                "    timeout server 30s",
                "frontend in_http_v1",
                "    mode http",
                "    bind 127.0.0.1:" + inHttpV1,
                "    default_backend to_edge_v1",
                "backend to_edge_v1",
                "    mode http",
                "    server edge 127.0.0.1:" + proxy.port("edge") + " send-proxy",
                "frontend in_http_v2",
                "    mode http",
                "    bind 127.0.0.1:" + inHttpV2,
                "    option forwardfor",
                "    default_backend to_edge_v2",
                "backend to_edge_v2",
                "    mode http",
                "    server edge 127.0.0.1:" + proxy.port("edge") + " send-proxy-v2",
                "frontend in_tcp_v1",
                "    mode tcp",
                "    bind 127.0.0.1:" + inTcpV1,
                "    default_backend to_relay_v2",
                "backend to_relay_v2",
                "    mode tcp",
                "    server relay 127.0.0.1:" + proxy.port("relay_v2") + " send-proxy",
                "frontend in_tcp_v2",
                "    mode tcp",
                "    bind 127.0.0.1:" + inTcpV2,
                "    default_backend to_relay_v1",
                "backend to_relay_v1",
                "    mode tcp",
                "    server relay 127.0.0.1:" + proxy.port("relay_v1") + " send-proxy-v2",
                "# A TLS-terminating load balancer in front, as the trusting entrypoint sees it",
                "frontend lb",
                "    mode http",
                "    bind 127.0.0.1:" + lb,
                "    option forwardfor",
                "    http-request set-header X-Forwarded-Proto https",
                "    http-request set-header X-Forwarded-Port 443",
                "    default_backend to_trusting",
                "backend to_trusting",
                "    mode http",
                "    server trusting 127.0.0.1:" + proxy.port("trusting"),
                "# Behind the proxy: takes its PROXY header and answers with the client it names",
                "frontend echo",
                "    mode http",
                "    bind 127.0.0.1:" + echo + " accept-proxy",
                "    http-request return status 200 content-type text/plain lf-string \"%ci:%cp\"",
                "");
        haproxy = Haproxy.start(dir, config, List.of(inHttpV1, inHttpV2, inTcpV1, inTcpV2, lb, echo));
    }

    @AfterAll
    static void stop() throws Exception {
        if (haproxy != null) {
            haproxy.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    // ---------------------------------------------------------------- PROXY protocol, in and out

    @Test
    void httpThroughHaproxySendProxyV2ThenOutWithV1() throws IOException {
        Reply r = request(CLIENT, inHttpV2, "GET /echo-v1 HTTP/1.1\r\nHost: shop.example.com\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).as("the client HAProxy's echo saw, two PROXY hops and two HAProxies away").isEqualTo(CLIENT + ":" + r.localPort());
    }

    @Test
    void httpThroughHaproxySendProxyV1ThenOutWithV2() throws IOException {
        Reply r = request(CLIENT, inHttpV1, "GET /echo-v2 HTTP/1.1\r\nHost: shop.example.com\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(CLIENT + ":" + r.localPort());
    }

    @Test
    void tcpThroughHaproxySendProxyV2ThenOutWithV1() throws IOException {
        // HAProxy mode tcp -> relay_v1 (tcp, proxy_protocol) -> echo with a v1 header.
        Reply r = request(CLIENT, inTcpV2, "GET / HTTP/1.1\r\nHost: echo\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(CLIENT + ":" + r.localPort());
    }

    @Test
    void tcpThroughHaproxySendProxyV1ThenOutWithV2() throws IOException {
        Reply r = request(CLIENT, inTcpV1, "GET / HTTP/1.1\r\nHost: echo\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(CLIENT + ":" + r.localPort());
    }

    @Test
    void theBackendSeesTheClientFromThePROXYHeaderAndNotItsClaims() throws IOException {
        for (int port : new int[] {inHttpV1, inHttpV2}) {
            // in_http_v2 has option forwardfor: HAProxy appends the client to the spoofed value. The
            // PROXY sender is trusted by configuration; the client it names (127.0.0.2) is not.
            Reply r = request(CLIENT, port, "GET /headers HTTP/1.1\r\nHost: shop.example.com\r\nX-Forwarded-For: " + SPOOF
                    + "\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).as("through port %d", port).contains("x-forwarded-for: " + CLIENT + "\n")
                    .doesNotContain(SPOOF).contains("x-forwarded-proto: http\n")
                    // The port the client connected to, from the header: HAProxy's frontend, not the edge.
                    .contains("x-forwarded-port: " + port + "\n");
        }
    }

    @Test
    void aConnectionWithoutAProxyHeaderIsRefusedAndCounted() throws IOException {
        double before = errors("edge", "invalid");
        int requests = backend.requests();
        Reply r = request("127.0.0.1", proxy.port("edge"), "GET /headers HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertThat(r.raw()).as("closed without a word").isEmpty();
        Reply malformed = request("127.0.0.1", proxy.port("edge"),
                "PROXY TCP4 203.0.113.7 127.0.0.1 1234\r\nGET /headers HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertThat(malformed.raw()).isEmpty();
        Reply relay = request("127.0.0.1", proxy.port("relay_v1"), "GET / HTTP/1.1\r\nHost: echo\r\nConnection: close\r\n\r\n");
        assertThat(relay.raw()).as("a tcp entrypoint refuses it too, before it connects upstream").isEmpty();
        assertThat(errors("edge", "invalid")).isEqualTo(before + 2);
        assertThat(errors("relay_v1", "invalid")).isGreaterThanOrEqualTo(1);
        assertThat(backend.requests()).as("nothing reached the backend").isEqualTo(requests);
    }

    @Test
    void aSilentConnectionIsClosedAfterTheHeaderTimeout() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", proxy.port("edge")));
            // request_header_timeout is 2s on this entrypoint (its timing is ProxyProtocolReaderTest's, on a fake clock).
            s.setSoTimeout(15_000);
            s.getOutputStream().write("PROXY TCP4 ".getBytes(StandardCharsets.US_ASCII));
            assertThat(s.getInputStream().read()).as("closed by the proxy").isEqualTo(-1);
        }
        assertThat(errors("edge", "timeout")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aProxyHeaderOnAnEntrypointWithoutProxyProtocolIsABadRequest() throws IOException {
        Reply v1 = request("127.0.0.1", proxy.port("web"),
                "PROXY TCP4 203.0.113.7 127.0.0.1 1234 80\r\nGET /headers HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(v1.status()).isEqualTo(400);
        byte[] v2 = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11, 0x00, 0x0C,
            (byte) 203, 0, 113, 7, 127, 0, 0, 1, 0x04, (byte) 0xD2, 0, 80};
        Reply binary = request("127.0.0.1", proxy.port("web"),
                new String(v2, StandardCharsets.ISO_8859_1) + "GET /headers HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(binary.status()).isEqualTo(400);
    }

    // ---------------------------------------------------------------- connections that describe one client

    @Test
    void anUpstreamConnectionThatStartedWithAProxyHeaderNeverServesAnotherClient() throws IOException {
        // One loop, one endpoint: a shared pool would give the second client the first one's idle connection,
        // and the echo behind it would name the first client.
        try (Conversation first = new Conversation("127.0.0.1", proxy.port("web"));
             Conversation second = new Conversation(CLIENT, proxy.port("web"))) {
            for (String path : new String[] {"/echo-v1", "/echo-v2"}) {
                assertThat(first.get(path).body()).isEqualTo("127.0.0.1:" + first.localPort());
                assertThat(second.get(path).body()).isEqualTo(CLIENT + ":" + second.localPort());
                assertThat(first.get(path).body()).isEqualTo("127.0.0.1:" + first.localPort());
            }
        }
        // And after the first client left, a third does not inherit what it had.
        try (Conversation third = new Conversation(CLIENT, proxy.port("web"))) {
            assertThat(third.get("/echo-v1").body()).isEqualTo(CLIENT + ":" + third.localPort());
        }
    }

    @Test
    void perClientReuseKeepsAConnectionPerClientAndClosesItWithTheClient() throws IOException {
        int connectionsBefore = backend.connections();
        int openBefore = backend.openConnections();
        try (Conversation a = new Conversation("127.0.0.1", proxy.port("web"));
             Conversation b = new Conversation(CLIENT, proxy.port("web"))) {
            for (int i = 0; i < 3; i++) {
                assertThat(a.get("/private").status()).isEqualTo(200);
                assertThat(b.get("/private").status()).isEqualTo(200);
            }
            assertThat(backend.connections() - connectionsBefore).as("one upstream connection per client, each reused").isEqualTo(2);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(backend.openConnections()).as("closed with their clients").isEqualTo(openBefore));
    }

    // ---------------------------------------------------------------- X-Forwarded-For trust, with curl

    @Test
    void fromATrustedPeerTheChainIsKeptAndItsSchemeBelieved() throws Exception {
        String headers = curl(CLIENT, "-H", "X-Forwarded-For: " + SPOOF, "-H", "X-Forwarded-Proto: https", "-H", "X-Real-IP: " + SPOOF,
                "-H", "Forwarded: for=" + SPOOF);
        assertThat(headers).contains("x-forwarded-for: " + SPOOF + ", " + CLIENT + "\n").contains("x-forwarded-proto: https\n")
                .contains("x-real-ip: " + SPOOF + "\n")
                // RFC 7239: the proxy's element follows the peer's, as a line of its own (one list either way).
                .containsSubsequence("forwarded: for=" + SPOOF + "\n", "forwarded: for=" + CLIENT + "\n");
    }

    @Test
    void fromAnUntrustedPeerEveryClaimIsReplaced() throws Exception {
        String headers = curl("127.0.0.1", "-H", "X-Forwarded-For: " + SPOOF, "-H", "X-Forwarded-Proto: https", "-H",
                "X-Real-IP: " + SPOOF, "-H", "Forwarded: for=" + SPOOF, "-H", "X-Forwarded-Host: evil.example", "-H",
                "X-Forwarded-Port: 1");
        assertThat(headers).contains("x-forwarded-for: 127.0.0.1\n").contains("x-forwarded-proto: http\n")
                .contains("x-forwarded-port: " + proxy.port("web") + "\n").contains("x-forwarded-host: 127.0.0.1:" + proxy.port("web"))
                .doesNotContain(SPOOF).doesNotContain("evil.example").doesNotContain("x-real-ip").doesNotContain("forwarded: for");
    }

    @Test
    void aTrustedLoadBalancerThatTerminatesTlsKeepsItsScheme() throws IOException {
        // HAProxy as the balancer: it appends the client to X-Forwarded-For and says https on 443.
        Reply r = request(CLIENT, lb, "GET /headers HTTP/1.1\r\nHost: shop.example.com\r\nX-Forwarded-For: " + SPOOF
                + "\r\nConnection: close\r\n\r\n");
        assertThat(r.body()).contains("x-forwarded-for: " + SPOOF + ", " + CLIENT + ", 127.0.0.1\n")
                .contains("x-forwarded-proto: https\n").contains("x-forwarded-port: 443\n")
                .doesNotContain("x-forwarded-proto: http\n");
    }

    // ---------------------------------------------------------------- helpers

    private static double errors(String entrypoint, String reason) {
        String series = "ingress_proxy_protocol_errors_total{entrypoint=\"" + entrypoint + "\",reason=\"" + reason + "\"} ";
        for (String line : proxy.metrics().scrape().split("\n")) {
            if (line.startsWith(series)) {
                return Double.parseDouble(line.substring(series.length()));
            }
        }
        throw new AssertionError("no series " + series);
    }

    /** Runs curl from {@code from} against the web entrypoint's /headers and returns the body. */
    private static String curl(String from, String... headers) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "--interface", from));
        command.addAll(List.of(headers));
        command.add("http://127.0.0.1:" + proxy.port("web") + "/headers");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("curl: %s", text).isZero();
        return text;
    }

    private record Reply(String raw, int localPort) {
        int status() {
            return raw.length() >= 12 ? Integer.parseInt(raw.substring(9, 12)) : -1;
        }

        String body() {
            int i = raw.indexOf("\r\n\r\n");
            return i < 0 ? "" : raw.substring(i + 4);
        }
    }

    /** One request on a new connection from {@code from}; everything read until the other side closes. */
    private static Reply request(String from, int port, String request) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port));
            s.setSoTimeout(20_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            String raw;
            try {
                raw = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            } catch (java.net.SocketException reset) {
                // A connection refused at the PROXY header may be reset rather than closed: no bytes either way.
                raw = "";
            }
            return new Reply(raw, s.getLocalPort());
        }
    }

    /** A keep-alive client connection from a given address: requests one after another, each answer read whole. */
    private static final class Conversation implements AutoCloseable {
        private final Socket socket = new Socket();
        private final InputStream in;
        private final OutputStream out;

        Conversation(String from, int port) throws IOException {
            socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port));
            socket.setSoTimeout(20_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        int localPort() {
            return socket.getLocalPort();
        }

        Reply get(String path) throws IOException {
            out.write(("GET " + path + " HTTP/1.1\r\nHost: shop.example.com\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed mid-head: " + head.toString(StandardCharsets.ISO_8859_1));
                }
                head.write(b);
            }
            String h = head.toString(StandardCharsets.ISO_8859_1);
            int length = 0;
            for (String line : h.split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring("content-length:".length()).trim());
                }
            }
            byte[] body = in.readNBytes(length);
            return new Reply(h + new String(body, StandardCharsets.ISO_8859_1), socket.getLocalPort());
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
