package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.core.instrument.Counter;
import io.swarmingress.proxy.testing.Command;
import io.swarmingress.proxy.testing.NodeGrpc;
import io.swarmingress.proxy.testing.ProxyFixture;
import io.swarmingress.proxy.testing.RawH2Client;

/**
 * The proxy's h2c connections to a grpc-js server: more calls at once than the server allows
 * streams per connection all complete (the proxy opens more connections, or queues); a server that
 * goes away makes calls fail as UNAVAILABLE, counted as failed connects, and once it is back on
 * the same port a new connection reaches it; an HTTP/1.1 client's request reaches an h2c service
 * too, its response's trailers arriving in the chunked body's trailer section; and a client that
 * does not read its server stream holds back no other call on the same upstream connection (one
 * event loop, one connection), then gets every byte of its stream once it reads.
 */
@Timeout(300)
class GrpcUpstreamConnectionsTest {
    private final java.util.List<AutoCloseable> toClose = new java.util.ArrayList<>();
    private ProxyFixture proxy;

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private static String config(String endpoints) {
        return """
                io_threads: 1
                entrypoints:
                  - name: web
                    address: 127.0.0.1:0
                    protocol: http
                routes:
                  - entrypoint: web
                    path_prefix: /
                    service: grpc
                services:
                  - name: grpc
                    protocol: h2c
                    endpoints: [%s]
                """.formatted(endpoints);
    }

    private void proxyTo(String endpoint) {
        proxy = ProxyFixture.start(config(endpoint));
        toClose.add(proxy);
    }

    private String target() {
        return "127.0.0.1:" + proxy.port("web");
    }

    private double requests(String code) {
        Counter c = proxy.metrics().registry().find("ingress.requests").tag("service", "grpc").tag("code", code).tag("protocol", "grpc").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aClientThatDoesNotReadItsStreamHoldsBackNoOtherCallOnTheSameConnection() throws Exception {
        NodeGrpc.Server server = NodeGrpc.Server.start("a");
        toClose.add(server);
        proxyTo(server.hostPort());
        try (RawH2Client slow = new RawH2Client(proxy.port("web"))) {
            slow.keepData = false;
            slow.headers(1, RawH2Client.request("POST", "/swarm.test.Echo/ServerStream", "127.0.0.1")
                    .add("content-type", "application/grpc").add("te", "trailers"), false);
            // Msg{text: "s", count: 20000}: 300 KB of messages, more than the client's window and the proxy's upstream stream window.
            slow.data(1, new byte[] {0, 0, 0, 0, 7, 0x0a, 1, 's', 0x10, (byte) 0xa0, (byte) 0x9c, 0x01}, true);
            long got = 0;
            while (got < 65_535) {
                RawH2Client.Frame f = slow.await(fr -> fr.streamId() == 1 && fr.type().equals("DATA"), 60_000);
                assertThat(f).as("DATA until the client's window (65,535 bytes) is used up").isNotNull();
                got += f.errorCode();
            }
            assertThat(got).as("never more than the client's window").isEqualTo(65_535);

            assertThat(NodeGrpc.client(target(), Duration.ofSeconds(60), "unary", "x")).isEqualTo("{\"ok\":true,\"text\":\"a:x\"}");
            assertThat(NodeGrpc.client(target(), Duration.ofSeconds(60), "chat", "50"))
                    .isEqualTo("{\"ok\":true,\"count\":50,\"first\":\"a:m0\",\"last\":\"a:m49\"}");

            // Now it reads, with room for all of it at once (a window given back 20 bytes at a time would pace the stream).
            slow.autoWindowUpdate = true;
            slow.windowUpdate(1, 4 * 1024 * 1024);
            slow.windowUpdate(0, 4 * 1024 * 1024);
            RawH2Client.Frame f;
            String status = null;
            while ((f = slow.await(fr -> fr.streamId() == 1, 60_000)) != null) {
                if (f.type().equals("DATA")) {
                    got += f.errorCode();
                } else if (f.type().equals("HEADERS") && f.endStream()) {
                    status = String.valueOf(f.headers().get("grpc-status"));
                    break;
                } else if (f.type().equals("RST_STREAM")) {
                    break;
                }
            }
            assertThat(status).as("the stream's trailers").isEqualTo("0");
            // Every byte: 20,000 messages of 5 bytes of prefix and a Msg of 2 + len("a:s:" + i) bytes.
            assertThat(got).isEqualTo(20_000L * (5 + 2 + 4) + 88_890);
        }
    }

    @Test
    void aCallInProgressEndsNormallyWhenItsServerSendsGoawayAndNewCallsGoElsewhere() {
        NodeGrpc.Server a = NodeGrpc.Server.start("a");
        toClose.add(a);
        NodeGrpc.Server b = NodeGrpc.Server.start("b");
        toClose.add(b);
        proxyTo(a.hostPort());
        try (NodeGrpc.Conversation chat = NodeGrpc.Conversation.open(target())) {
            assertThat(chat.send("one")).isEqualTo("{\"reply\":\"a:one\"}");
            String port = "127.0.0.1:" + proxy.port("web");
            proxy.server().apply(new io.swarmingress.config.ConfigParser().parse(
                    config(a.hostPort() + ", " + b.hostPort()).replace("127.0.0.1:0", port), "test.yaml"));

            a.shutdownGracefully();
            // New calls: not on a's connection (GOAWAY), and a new one to a is refused, so b answers.
            for (int i = 0; i < 4; i++) {
                assertThat(NodeGrpc.client(target(), Duration.ofSeconds(60), "unary", "n" + i)).isEqualTo("{\"ok\":true,\"text\":\"b:n" + i + "\"}");
            }
            assertThat(chat.send("two")).as("the call in progress, still on a").isEqualTo("{\"reply\":\"a:two\"}");
            assertThat(chat.finish()).isEqualTo("{\"ok\":true,\"code\":0}");
        }
    }

    @Test
    void moreCallsAtOnceThanTheServerAllowsStreamsPerConnectionAllComplete() {
        NodeGrpc.Server server = NodeGrpc.Server.start("a", 0, 4);
        toClose.add(server);
        proxyTo(server.hostPort());

        String out = NodeGrpc.client(target(), Duration.ofSeconds(120), "parallel", "60", "200");

        assertThat(out).isEqualTo("{\"ok\":true,\"answered\":60,\"failures\":0}");
        assertThat(requests("200")).isEqualTo(60);
    }

    @Test
    void aServerThatWentAwayIsUnavailableAndReachedAgainOnceBack() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        NodeGrpc.Server first = NodeGrpc.Server.start("first", port, 0);
        proxyTo(first.hostPort());
        assertThat(NodeGrpc.client(target(), Duration.ofSeconds(60), "unary", "1")).isEqualTo("{\"ok\":true,\"text\":\"first:1\"}");

        first.close();
        String down = NodeGrpc.client(target(), Duration.ofSeconds(60), "unary", "2");
        assertThat(down).startsWith("{\"ok\":false,\"code\":14,");
        assertThat(requests("502") + requests("503")).as("answered by the proxy").isGreaterThanOrEqualTo(1);
        assertThat(proxy.metrics().registry().get("ingress.upstream.connect.errors").tag("service", "grpc").counter().count())
                .as("counted as a failed connect, as for HTTP/1.1 (passive health)").isGreaterThanOrEqualTo(1);

        NodeGrpc.Server second = NodeGrpc.Server.start("second", port, 0);
        toClose.add(second);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() ->
                NodeGrpc.client(target(), Duration.ofSeconds(60), "unary", "3").equals("{\"ok\":true,\"text\":\"second:3\"}"));
    }

    @Test
    void anHttp1ClientsRequestReachesAnH2cServiceAndGetsItsTrailers() throws Exception {
        NodeGrpc.Server server = NodeGrpc.Server.start("a");
        toClose.add(server);
        proxyTo(server.hostPort());
        Path quick = dir.resolve("quick.bin");
        // A gRPC message: no compression, length 3, Msg{text: "q"}.
        Files.write(quick, new byte[] {0, 0, 0, 0, 3, 0x0a, 0x01, 'q'});

        String out = Command.of("curl", "-s", "--raw", "--http1.1", "-i", "-H", "content-type: application/grpc", "-H", "te: trailers",
                "--data-binary", "@" + quick, "http://" + target() + "/swarm.test.Echo/Unary").check();

        assertThat(out).startsWith("HTTP/1.1 200 OK\r\n").contains("content-type: application/grpc+proto\r\n",
                "transfer-encoding: chunked\r\n");
        // The reply message (5 bytes of prefix, then "a:q" as field 1) in a chunk, then the trailer section.
        String reply = new String(new byte[] {0, 0, 0, 0, 5, 0x0a, 0x03, 'a', ':', 'q'}, StandardCharsets.ISO_8859_1);
        assertThat(new String(out.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
                .contains("a\r\n" + reply + "\r\n")
                .endsWith("0\r\ngrpc-status: 0\r\ngrpc-message: OK\r\n\r\n");
    }
}
