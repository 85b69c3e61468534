package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.core.instrument.Counter;
import io.swarmingress.config.ConfigParser;
import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.Command;
import io.swarmingress.proxy.testing.NodeGrpc;
import io.swarmingress.proxy.testing.ProxyFixture;

/**
 * gRPC through the proxy with a client and a server nobody here wrote, {@code @grpc/grpc-js}: the
 * client speaks h2c with prior knowledge to the proxy's front, the proxy h2c to the service
 * ({@code protocol: h2c}). Unary, server-streaming and bidirectional calls arrive whole; a status
 * and message of the server's own, and its trailer metadata, reach the client intact (trailers
 * end to end); a deadline ends the call as DEADLINE_EXCEEDED; a service with no endpoint answers
 * in gRPC's form (UNAVAILABLE), not with an HTTP 503 the client could not read; and a Chat call
 * held open survives a config reload that changes other endpoints. {@code nghttp -v} shows the
 * frames: the status in a trailing HEADERS frame, and the proxy's own deadline answer as a
 * trailers-only response to a client that enforces no deadline itself.
 */
@Timeout(300)
class GrpcRealClientTest {
    private static NodeGrpc.Server a;
    private static NodeGrpc.Server b;
    private static Backend other;
    private static ProxyFixture proxy;
    private static int closedPort;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        a = NodeGrpc.Server.start("a");
        b = NodeGrpc.Server.start("b");
        other = Backend.start("other");
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        proxy = ProxyFixture.start(config(a.hostPort(), other.hostPort()));
    }

    /** The grpc service on {@code grpcEndpoints}, an unrelated service on {@code otherEndpoints}, and one that has no live endpoint. */
    private static String config(String grpcEndpoints, String otherEndpoints) {
        return """
                entrypoints:
                  - name: web
                    address: 127.0.0.1:%d
                    protocol: http
                routes:
                  - entrypoint: web
                    path_prefix: /swarm.test.Echo/
                    host: grpc.test
                    service: down
                  - entrypoint: web
                    path_prefix: /swarm.test.Echo/
                    service: grpc
                  - entrypoint: web
                    path_prefix: /
                    service: other
                services:
                  - name: grpc
                    protocol: h2c
                    response_timeout: 60s
                    endpoints: [%s]
                  - name: down
                    protocol: h2c
                    retries: 0
                    endpoints: [127.0.0.1:%d]
                  - name: other
                    endpoints: [%s]
                """.formatted(proxy == null ? 0 : proxy.port("web"), grpcEndpoints, closedPort, otherEndpoints);
    }

    @AfterAll
    static void stop() {
        proxy.close();
        other.close();
        a.close();
        b.close();
    }

    private static String target() {
        return "127.0.0.1:" + proxy.port("web");
    }

    private static double grpcRequests(String code) {
        Counter c = proxy.metrics().registry().find("ingress.requests").tag("service", "grpc").tag("code", code).tag("protocol", "grpc").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aUnaryCallGoesThroughOverH2c() {
        double before = grpcRequests("200");

        assertThat(NodeGrpc.client(target(), Duration.ofSeconds(60), "unary", "hello")).isEqualTo("{\"ok\":true,\"text\":\"a:hello\"}");
        assertThat(grpcRequests("200") - before).isEqualTo(1);
    }

    @Test
    void aServerStreamArrivesWhole() {
        assertThat(NodeGrpc.client(target(), Duration.ofSeconds(60), "stream", "2000"))
                .isEqualTo("{\"ok\":true,\"count\":2000,\"first\":\"a:s:0\",\"last\":\"a:s:1999\"}");
    }

    @Test
    void aBidirectionalCallGoesBackAndForth() {
        assertThat(NodeGrpc.client(target(), Duration.ofSeconds(60), "chat", "200"))
                .isEqualTo("{\"ok\":true,\"count\":200,\"first\":\"a:m0\",\"last\":\"a:m199\"}");
    }

    @Test
    void theServersStatusMessageAndTrailerMetadataArriveIntact() {
        String out = NodeGrpc.client(target(), Duration.ofSeconds(60), "fail", "5", "no such greeting: ü 100% sure");

        assertThat(out).isEqualTo("{\"ok\":false,\"code\":5,\"details\":\"no such greeting: ü 100% sure\",\"trailer\":[\"from a\"]}");
    }

    @Test
    void aDeadlineEndsTheCallAsDeadlineExceeded() {
        String out = NodeGrpc.client(target(), Duration.ofSeconds(60), "deadline", "300", "20000");

        assertThat(out).startsWith("{\"ok\":false,\"code\":4,");
    }

    @Test
    void aServiceWithoutALiveEndpointAnswersInGrpcsFormUnavailable() {
        String out = NodeGrpc.clientAs("grpc.test", target(), Duration.ofSeconds(60), "unary", "x");

        assertThat(out).startsWith("{\"ok\":false,\"code\":14,\"details\":\"502 Bad Gateway: cannot connect to an endpoint of 'down'");
    }

    @Test
    void nghttpSeesTheStatusInTrailingHeadersAndTheProxysOwnDeadlineAnswer() throws Exception {
        // A gRPC message: no compression, length 3, then Msg{delay_ms: 10000} (field 3, varint 0x90 0x4e).
        Path late = dir.resolve("late.bin");
        Files.write(late, new byte[] {0, 0, 0, 0, 3, 0x18, (byte) 0x90, 0x4e});
        Path quick = dir.resolve("quick.bin");
        Files.write(quick, new byte[] {0, 0, 0, 0, 3, 0x0a, 0x01, 'q'});
        String url = "http://" + target() + "/swarm.test.Echo/Unary";

        String ok = Command.of("nghttp", "-v", "-H", "content-type: application/grpc", "-H", "te: trailers", "-d", quick.toString(),
                url).check();
        // The response's HEADERS, its DATA, then the trailers in a HEADERS frame of their own that ends the stream.
        assertThat(ok).containsPattern("(?s)recv \\(stream_id=13\\) :status: 200.*recv HEADERS frame <length=\\d+, flags=0x04, stream_id=13>"
                + ".*recv DATA frame <length=10, flags=0x00, stream_id=13>.*recv \\(stream_id=13\\) grpc-status: 0"
                + ".*recv HEADERS frame <length=\\d+, flags=0x05, stream_id=13>");

        double timedOut = grpcRequests("504");
        String late504 = Command.of("nghttp", "-v", "-H", "content-type: application/grpc", "-H", "te: trailers",
                "-H", "grpc-timeout: 300m", "-d", late.toString(), url).check();
        // nghttp keeps no deadline: the answer is the proxy's, trailers-only (one HEADERS frame, END_STREAM, no DATA).
        assertThat(late504).contains("recv (stream_id=13) :status: 200", "recv (stream_id=13) grpc-status: 4",
                "recv (stream_id=13) grpc-message: 504 Gateway Timeout: an endpoint of 'grpc' did not answer in time")
                .containsPattern("recv HEADERS frame <length=\\d+, flags=0x05, stream_id=13>")
                .doesNotContain("recv DATA frame");
        assertThat(grpcRequests("504") - timedOut).isEqualTo(1);
    }

    @Test
    void aChatCallSurvivesAReloadThatChangesOtherEndpoints() throws Exception {
        try (NodeGrpc.Conversation chat = NodeGrpc.Conversation.open(target());
             Backend other2 = Backend.start("other2")) {
            assertThat(chat.send("one")).isEqualTo("{\"reply\":\"a:one\"}");

            io.swarmingress.proxy.routing.RoutingTable before = proxy.server().table();
            proxy.server().apply(new ConfigParser().parse(config(a.hostPort() + ", " + b.hostPort(), other2.hostPort()), "test.yaml"));
            await().atMost(Duration.ofSeconds(10)).until(() -> proxy.server().table() != before);

            assertThat(chat.send("two")).as("the same stream, on the same endpoint").isEqualTo("{\"reply\":\"a:two\"}");
            assertThat(chat.send("three")).isEqualTo("{\"reply\":\"a:three\"}");
            assertThat(chat.finish()).isEqualTo("{\"ok\":true,\"code\":0}");
        } finally {
            proxy.server().apply(new ConfigParser().parse(config(a.hostPort(), other.hostPort()), "test.yaml"));
        }
    }
}
