package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.swarmingress.config.ConfigParser;
import io.swarmingress.proxy.testing.ProxyFixture;

/**
 * An upgraded connection on real sockets. Half-closure (an in-memory channel has no half of a
 * connection to close): a FIN from either side reaches the other as a FIN, and the side that has
 * not finished may still send, as TCP allows and WebSocket's closing handshake needs. A reload
 * that changes the routes and the service's endpoints leaves a relay in progress alone.
 */
@Timeout(60)
class WebSocketRelayTest {
    private static final String HANDSHAKE = "GET /chat HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\n"
            + "Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    private static final String SWITCH = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

    private ServerSocket endpoint;
    private ProxyFixture proxy;
    private Socket client;
    private Socket upstream;

    @BeforeEach
    void upgrade() throws Exception {
        endpoint = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        proxy = ProxyFixture.start("""
                entrypoints: [{name: web, address: '127.0.0.1:0'}]
                routes: [{entrypoint: web, service: app}]
                services: [{name: app, endpoints: ['127.0.0.1:%d']}]
                """.formatted(endpoint.getLocalPort()));
        CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                return endpoint.accept();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        client = new Socket("127.0.0.1", proxy.port("web"));
        client.setSoTimeout(10_000);
        client.getOutputStream().write(HANDSHAKE.getBytes(StandardCharsets.ISO_8859_1));
        upstream = accepted.get(10, TimeUnit.SECONDS);
        upstream.setSoTimeout(10_000);
        assertThat(head(upstream.getInputStream())).startsWith("GET /chat HTTP/1.1\r\n").contains("upgrade: websocket\r\n");
        upstream.getOutputStream().write(SWITCH.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(head(client.getInputStream())).startsWith("HTTP/1.1 101 Switching Protocols\r\n");
    }

    @AfterEach
    void close() throws IOException {
        client.close();
        upstream.close();
        proxy.close();
        endpoint.close();
    }

    /** Reads up to and including the empty line that ends a head, and not a byte more. */
    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("closed before the end of a head: " + out);
            }
            out.write(b);
            String s = out.toString(StandardCharsets.ISO_8859_1);
            if (s.endsWith("\r\n\r\n")) {
                return s;
            }
        }
    }

    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
    }

    /** Everything until the peer's FIN (a read timeout fails the test instead). */
    private static String untilEnd(Socket s) throws IOException {
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void theClientsFinReachesTheEndpointWhichMayStillAnswer() throws IOException {
        send(client, "last words");
        client.shutdownOutput();

        assertThat(untilEnd(upstream)).isEqualTo("last words");
        send(upstream, "goodbye");
        upstream.close();

        assertThat(untilEnd(client)).isEqualTo("goodbye");
    }

    @Test
    void theEndpointsFinReachesTheClientWhichMayStillSend() throws IOException {
        send(upstream, "bye");
        upstream.shutdownOutput();

        assertThat(untilEnd(client)).isEqualTo("bye");
        send(client, "still here");
        client.shutdownOutput();

        assertThat(untilEnd(upstream)).isEqualTo("still here");
    }

    @Test
    void aReloadThatChangesRoutesAndEndpointsLeavesTheRelayAlone() throws IOException {
        proxy.server().apply(new ConfigParser().parse("""
                entrypoints: [{name: web, address: '127.0.0.1:0'}]
                routes: [{entrypoint: web, service: app}, {entrypoint: web, path_prefix: /other, service: other}]
                services: [{name: app, endpoints: ['127.0.0.1:%d', '127.0.0.1:1']}, {name: other, endpoints: ['127.0.0.1:2']}]
                """.formatted(endpoint.getLocalPort()), "reloaded.yaml"));

        send(client, "after the reload");
        assertThat(new String(upstream.getInputStream().readNBytes(16), StandardCharsets.ISO_8859_1)).isEqualTo("after the reload");
        send(upstream, "still relayed");
        assertThat(new String(client.getInputStream().readNBytes(13), StandardCharsets.ISO_8859_1)).isEqualTo("still relayed");
    }
}
