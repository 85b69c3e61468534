package io.swarmingress.proxy.h2;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.ProxyFixture;
import io.swarmingress.proxy.testing.RawH2Client;

/**
 * HTTP/2 flow control through the proxy, both ways, with a frame-level client that opens windows
 * only when the test says so: a stream whose client does not read, or whose backend does not
 * read, holds a bounded number of bytes in the proxy and stalls no other stream of the
 * connection.
 */
@Timeout(120)
class Http2FlowControlTest {
    private static final long BODY = 64L * 1024 * 1024;
    /** Far below the body size; above loopback socket buffers, write-buffer marks and the stream window. */
    private static final long BOUND = 16L * 1024 * 1024;

    private static Backend backend;
    private static StalledBackend stalled;
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() throws IOException {
        backend = Backend.start("b1");
        stalled = new StalledBackend();
        proxy = ProxyFixture.start("""
                entrypoints:
                  - name: web
                    address: 127.0.0.1:0
                    protocol: http
                routes:
                  - entrypoint: web
                    path_prefix: /
                    service: app
                  - entrypoint: web
                    path_prefix: /stalled
                    service: stalled
                services:
                  - name: app
                    response_timeout: 30s
                    idle_timeout: 30s
                    endpoints: [%s]
                  - name: stalled
                    response_timeout: 30s
                    idle_timeout: 30s
                    endpoints: [127.0.0.1:%d]
                """.formatted(backend.hostPort(), stalled.port()));
    }

    @AfterAll
    static void stop() throws IOException {
        proxy.close();
        backend.close();
        stalled.close();
    }

    @Test
    void aStreamWhoseClientDoesNotReadHoldsABoundedAmountAndStallsNoOtherStream() throws Exception {
        Counter bytesOut = proxy.metrics().registry().get("ingress.bytes").tag("entrypoint", "web").tag("direction", "out").counter();
        ByteBufAllocatorMetric allocator = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
        try (RawH2Client c = new RawH2Client(proxy.port("web"), 65_535, 64 * 1024 * 1024)) {
            c.keepData = false;
            double outBefore = bytesOut.count();
            long allocatorBefore = used(allocator);

            c.headers(1, RawH2Client.request("GET", "/download?bytes=" + BODY, "files.test"), true);
            RawH2Client.Frame head = c.await(f -> f.streamId() == 1 && f.type().equals("HEADERS"), 10_000);
            assertThat(head).isNotNull();
            assertThat(head.status()).isEqualTo("200");

            // Stream 1's window (65,535 bytes) is used up and never opened: another stream still gets through.
            c.headers(3, RawH2Client.request("GET", "/", "files.test"), true);
            RawH2Client.Response other = c.response(3, 10_000);
            assertThat(other.status()).isEqualTo("200");

            // What the backend could have sent in this time, had the proxy kept reading it: the whole body.
            Thread.sleep(1_500);
            double outStalled = bytesOut.count() - outBefore;
            long allocatorStalled = used(allocator) - allocatorBefore;
            assertThat((long) outStalled).as("bytes the proxy wrote toward the client while stream 1 was stalled")
                    .isLessThan(BOUND);
            assertThat(allocatorStalled).as("growth of the shared allocator's footprint while stream 1 was stalled")
                    .isLessThan(BOUND);

            // Reading again: the whole body arrives, exactly.
            c.autoWindowUpdate = true;
            c.windowUpdate(1, 16 * 1024 * 1024);
            long received = 0;
            while (true) {
                RawH2Client.Frame f = c.await(x -> x.streamId() == 1 && x.type().equals("DATA"), 30_000);
                assertThat(f).as("DATA of stream 1 after %d bytes", received).isNotNull();
                received += f.errorCode();
                if (f.endStream()) {
                    break;
                }
            }
            assertThat(received).isEqualTo(BODY);
        }
    }

    @Test
    void anUploadToABackendThatDoesNotReadStopsAtTheStreamWindowAndStallsNoOtherStream() throws Exception {
        try (RawH2Client c = new RawH2Client(proxy.port("web"))) {
            c.headers(1, RawH2Client.request("POST", "/stalled/upload", "files.test"), false);
            long granted = 65_535;
            long sent = 0;
            byte[] chunk = new byte[16 * 1024];
            while (sent < BODY) {
                while (sent < granted && sent < BODY) {
                    int n = (int) Math.min(chunk.length, granted - sent);
                    c.data(1, n == chunk.length ? chunk : java.util.Arrays.copyOf(chunk, n), false);
                    sent += n;
                }
                RawH2Client.Frame update = c.await(f -> f.type().equals("WINDOW_UPDATE") && f.streamId() == 1, 1_500);
                if (update == null) {
                    break;
                }
                granted += update.errorCode();
            }
            assertThat(stalled.connections).as("the stalled backend got the request").isNotEmpty();
            assertThat(sent).as("request bytes the proxy let the client send while the backend did not read")
                    .isGreaterThanOrEqualTo(65_535).isLessThan(BOUND);

            c.headers(3, RawH2Client.request("GET", "/", "files.test"), true);
            assertThat(c.response(3, 10_000).status()).isEqualTo("200");
        }
    }

    private static long used(ByteBufAllocatorMetric m) {
        return m.usedDirectMemory() + m.usedHeapMemory();
    }

    /** Accepts connections and never reads from them, with a small receive buffer so the kernel does not hide the stall. */
    private static final class StalledBackend implements AutoCloseable {
        private final ServerSocket server;
        final CopyOnWriteArrayList<Socket> connections = new CopyOnWriteArrayList<>();

        StalledBackend() throws IOException {
            server = new ServerSocket();
            server.setReceiveBufferSize(32 * 1024);
            server.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        connections.add(server.accept());
                    }
                } catch (IOException e) {
                    // closed
                }
            }, "stalled-backend");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : connections) {
                s.close();
            }
        }
    }
}
