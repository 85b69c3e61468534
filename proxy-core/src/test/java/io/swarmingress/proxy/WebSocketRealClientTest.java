package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.swarmingress.proxy.demo.DemoBackend;
import io.swarmingress.proxy.server.Transport;
import io.swarmingress.proxy.testing.NodeWebSocket;
import io.swarmingress.proxy.testing.ProxyFixture;

/**
 * WebSocket through the proxy with a client nobody here wrote, the npm {@code ws} package, against
 * two echo servers: {@code ws}'s own (service {@code node}) and the demo backend's {@code /ws},
 * which is Netty's WebSocket server (service {@code demo}). Messages of every size come back
 * intact and in order, a 10 MiB message included; a client that sends 128 MiB without reading is
 * held back (it stalls with bytes unsent, so the proxy buffers no more than its socket buffers
 * and write-buffer marks), then reading slowly gets every byte; the upgraded connection is
 * counted while it lasts.
 */
@Timeout(300)
class WebSocketRealClientTest {
    private static final Pattern ACCEPTED = Pattern.compile("\"acceptedWhileStalled\":(\\d+)");
    private static NodeWebSocket.EchoServer node;
    private static DemoBackend demo;
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() {
        node = NodeWebSocket.EchoServer.start();
        demo = DemoBackend.start("demo", new InetSocketAddress("127.0.0.1", 0), Transport.nio());
        proxy = ProxyFixture.start("""
                entrypoints:
                  - name: web
                    address: 127.0.0.1:0
                    protocol: http
                routes:
                  - entrypoint: web
                    path_prefix: /ws
                    service: demo
                  - entrypoint: web
                    path_prefix: /node
                    service: node
                services:
                  - name: demo
                    endpoints: [127.0.0.1:%d]
                  - name: node
                    endpoints: [%s]
                """.formatted(demo.address().getPort(), node.hostPort()));
    }

    @AfterAll
    static void stop() {
        proxy.close();
        demo.close();
        node.close();
    }

    private static String url(String path) {
        return "ws://127.0.0.1:" + proxy.port("web") + path;
    }

    private static String service(String path) {
        return path.startsWith("/node") ? "node" : "demo";
    }

    /** Once the client exited, its upgraded connection is no longer counted. */
    private static void awaitNoUpgradedConnection(String service) {
        Gauge upgraded = proxy.metrics().registry().get("ingress.upgraded.connections")
                .tag("entrypoint", "web").tag("service", service).gauge();
        await().atMost(Duration.ofSeconds(10)).until(() -> upgraded.value() == 0);
    }

    private static double switched(String service) {
        Counter c = proxy.metrics().registry().find("ingress.requests").tag("entrypoint", "web").tag("service", service)
                .tag("code", "101").counter();
        return c == null ? 0 : c.count();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/ws", "/node/chat"})
    void textAndBinaryMessagesOfEverySizeComeBackInOrder(String path) {
        double before = switched(service(path));

        String result = NodeWebSocket.client(url(path), "echo", Duration.ofSeconds(60));

        assertThat(result).isEqualTo("{\"ok\":true,\"messages\":200}");
        assertThat(switched(service(path)) - before).as("handshakes counted as 101").isEqualTo(1);
        awaitNoUpgradedConnection(service(path));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/ws", "/node/chat"})
    void aTenMebibyteMessageComesBackIntact(String path) {
        String result = NodeWebSocket.client(url(path), "big", Duration.ofSeconds(120));

        assertThat(result).startsWith("{\"ok\":true,\"bytes\":10485760,");
        awaitNoUpgradedConnection(service(path));
    }

    @Test
    void aClientThatDoesNotReadHoldsItsWriterBackAndThenReadsSlowlyEveryByte() {
        String result = NodeWebSocket.client(url("/node/slow"), "slow", Duration.ofSeconds(180));

        assertThat(result).startsWith("{\"ok\":true,\"total\":134217728,");
        Matcher m = ACCEPTED.matcher(result);
        assertThat(m.find()).isTrue();
        long accepted = Long.parseLong(m.group(1));
        // What the client got rid of before it stalled sits in socket buffers (loopback ones grow to
        // several MiB each), the echo server's few pending messages and the proxy's write-buffer
        // marks. A proxy reading without bound would have taken all 128 MiB.
        assertThat(accepted).as("bytes taken from the client before it stalled").isLessThan(96L * 1024 * 1024);
        awaitNoUpgradedConnection("node");
    }
}
