package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

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

/**
 * 100 MB bodies through the proxy in both directions, streamed: the exact byte count arrives, and
 * while the client does not read, the proxy stops reading its upstream instead of buffering (and
 * the other way round for an upload to a backend that does not read).
 *
 * <p>Memory is measured three ways, none of them a timing: how many response bytes the proxy has
 * handed to the client connection's pipeline (the {@code ingress_bytes_total{direction="out"}}
 * counter, which counts at write time, so it would approach the body size if the proxy read the
 * upstream regardless of the client); the footprint of Netty's default allocator, which the proxy
 * and the backend share in this JVM (the backend only writes while its channel is writable, so its
 * share is bounded too); and the live heap after a full collection.
 */
@Timeout(120)
class StreamingTest {
    private static final long BODY = 100L * 1024 * 1024;
    /** Far below the body size; above loopback socket buffers plus the channels' high-water marks. */
    private static final long BOUND = 32L * 1024 * 1024;

    private static Backend backend;
    private static StallingBackend stalling;
    private static ProxyFixture proxy;
    private static long stallMillis;

    @BeforeAll
    static void start() throws IOException {
        backend = Backend.start("b1");
        stalling = new StallingBackend();
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
                    path_prefix: /stalling
                    service: stalling
                services:
                  - name: app
                    response_timeout: 30s
                    idle_timeout: 30s
                    endpoints:
                      - %s
                  - name: stalling
                    response_timeout: 30s
                    idle_timeout: 30s
                    endpoints:
                      - 127.0.0.1:%d
                """.formatted(backend.hostPort(), stalling.port()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (stalling != null) {
            stalling.close();
        }
    }

    @Test
    void uploadOf100MegabytesIsStreamedChunkedAndCountedExactly() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(proxy.uri("web", "/upload"))
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new GeneratedStream(BODY)))
                .build();

        HttpResponse<String> response = proxy.client().send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(Long.toString(BODY));
        assertThat(response.headers().firstValue("x-backend")).hasValue("b1");
    }

    @Test
    void downloadOf100MegabytesIsExactAndTheProxyBuffersABoundedAmountWhileTheClientStalls() throws Exception {
        long stall = conclusiveStallMillis();
        ByteBufAllocatorMetric allocator = allocatorMetric();
        Counter bytesOut = proxy.metrics().registry().get("ingress.bytes")
                .tag("entrypoint", "web").tag("direction", "out").counter();
        long heapBefore = liveHeap();
        long allocatorBefore = used(allocator);
        double outBefore = bytesOut.count();

        AtomicLong allocatorPeak = new AtomicLong(allocatorBefore);
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                allocatorPeak.accumulateAndGet(used(allocator), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "allocator-sampler");
        sampler.setDaemon(true);
        sampler.start();

        try (Socket socket = new Socket()) {
            // A small receive window so that what sits in the client's kernel buffer is not mistaken for backpressure.
            socket.setReceiveBufferSize(64 * 1024);
            socket.connect(new InetSocketAddress("127.0.0.1", proxy.port("web")), 5_000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /download?bytes=" + BODY + " HTTP/1.1\r\nHost: files.test\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("transfer-encoding: chunked");

            // The client stalls, long enough for a proxy that kept reading the backend to exceed the bound.
            Thread.sleep(stall);
            long heapStalled = liveHeap();
            double outStalled = bytesOut.count() - outBefore;
            long allocatorStalled = allocatorPeak.get() - allocatorBefore;

            long received = readChunkedBody(in);

            assertThat(received).as("body bytes received through the proxy").isEqualTo(BODY);
            assertThat(in.read()).as("nothing after the last chunk").isEqualTo(-1);
            assertThat((long) outStalled)
                    .as("response bytes the proxy wrote toward the client stalled for %d ms (counted at write time)", stall)
                    .isLessThan(BOUND);
            assertThat(allocatorStalled)
                    .as("growth of the shared Netty allocator's footprint while the client stalled")
                    .isLessThan(BOUND);
            assertThat(heapStalled - heapBefore)
                    .as("growth of the live heap while the client stalled")
                    .isLessThan(BOUND);
        } finally {
            sampling.set(false);
            sampler.join(5_000);
        }
        // The counter sees the whole body plus chunk framing once the client read it all: the measure is live.
        assertThat(bytesOut.count() - outBefore).isGreaterThanOrEqualTo((double) BODY);
    }

    @Test
    void uploadToAStalledBackendMakesTheProxyStopReadingTheClient() throws Exception {
        long stall = conclusiveStallMillis();
        Counter bytesIn = proxy.metrics().registry().get("ingress.bytes")
                .tag("entrypoint", "web").tag("direction", "in").counter();
        ByteBufAllocatorMetric allocator = allocatorMetric();
        long allocatorBefore = used(allocator);
        double inBefore = bytesIn.count();
        HttpRequest request = HttpRequest.newBuilder(proxy.uri("web", "/stalling/upload"))
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new GeneratedStream(BODY)))
                .build();

        var response = proxy.client().sendAsync(request, HttpResponse.BodyHandlers.ofString());
        // The backend has the request head and is not reading; the client keeps offering 100 MB.
        assertThat(stalling.headReceived.await(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(stall);
        double inStalled = bytesIn.count() - inBefore;
        long allocatorStalled = used(allocator) - allocatorBefore;
        stalling.resume.countDown();

        HttpResponse<String> r = response.get(60, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).as("body bytes the backend decoded").isEqualTo(Long.toString(BODY));
        assertThat((long) inStalled)
                .as("request bytes the proxy read from the client while the backend did not read for %d ms", stall)
                .isLessThan(BOUND);
        assertThat(allocatorStalled)
                .as("growth of the shared Netty allocator's footprint while the backend stalled")
                .isLessThan(BOUND);
        assertThat(bytesIn.count() - inBefore).isGreaterThanOrEqualTo((double) BODY);
    }

    @Test
    void expectContinueIsAnsweredByTheBackendThroughTheProxyBeforeTheBodyIsSent() throws Exception {
        long size = 1024 * 1024;
        try (Socket socket = new Socket("127.0.0.1", proxy.port("web"))) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /upload HTTP/1.1\r\nHost: files.test\r\nContent-Length: " + size
                    + "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());

            // No body byte has been sent: this can only come from the backend's continue handler, relayed.
            String interim = readHead(in);
            assertThat(interim).startsWith("HTTP/1.1 100");

            try (InputStream body = new GeneratedStream(size)) {
                body.transferTo(out);
            }
            out.flush();
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200");
            int length = Integer.parseInt(header(head, "content-length"));
            assertThat(new String(in.readNBytes(length), StandardCharsets.UTF_8)).isEqualTo(Long.toString(size));
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * How long a stall must last for the bounds above to mean something on this machine: twice
     * the time an unstalled download of twice the bound takes through the proxy. A proxy that
     * went on reading one side while the other stalled would move at least as fast as that
     * download (into memory instead of a socket), so some four times the bound meanwhile, and the
     * assertion fails. A fixed stall would pass trivially on a machine too slow to move the bound
     * in it. Measured once, on the loaded machine the stalls run on.
     */
    private static long conclusiveStallMillis() throws Exception {
        if (stallMillis == 0) {
            HttpRequest download = HttpRequest.newBuilder(proxy.uri("web", "/download?bytes=" + 2 * BOUND))
                    .timeout(Duration.ofSeconds(60)).build();
            long start = System.nanoTime();
            HttpResponse<Void> r = proxy.client().send(download, HttpResponse.BodyHandlers.discarding());
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.statusCode()).isEqualTo(200);
            stallMillis = Math.max(500, 2 * tookMillis);
        }
        return stallMillis;
    }

    private static ByteBufAllocatorMetric allocatorMetric() {
        ByteBufAllocator allocator = ByteBufAllocator.DEFAULT;
        assertThat(allocator).as("Netty's default allocator exposes metrics").isInstanceOf(ByteBufAllocatorMetricProvider.class);
        return ((ByteBufAllocatorMetricProvider) allocator).metric();
    }

    private static long used(ByteBufAllocatorMetric m) {
        return m.usedDirectMemory() + m.usedHeapMemory();
    }

    /** Heap in use after a full collection: what is reachable, not what is garbage. */
    private static long liveHeap() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** Reads a response head up to and including the empty line. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        while (last4 != 0x0d0a0d0a) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed inside a response head: " + head);
            }
            head.write(b);
            last4 = (last4 << 8) | b;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        throw new AssertionError("no " + name + " in " + head);
    }

    /** Decodes a chunked body and returns its length; fails on any framing error. */
    private static long readChunkedBody(InputStream in) throws IOException {
        long total = 0;
        byte[] skip = new byte[64 * 1024];
        while (true) {
            String sizeLine = readLine(in);
            int semicolon = sizeLine.indexOf(';');
            long size = Long.parseLong(semicolon < 0 ? sizeLine.trim() : sizeLine.substring(0, semicolon).trim(), 16);
            if (size == 0) {
                // Trailers, if any, end with an empty line.
                while (!readLine(in).isEmpty()) {
                    // ignored
                }
                return total;
            }
            long left = size;
            while (left > 0) {
                int n = in.read(skip, 0, (int) Math.min(skip.length, left));
                if (n < 0) {
                    throw new EOFException("connection closed inside a chunk after " + (total + size - left) + " bytes");
                }
                left -= n;
            }
            total += size;
            if (!readLine(in).isEmpty()) {
                throw new IOException("chunk not followed by CRLF");
            }
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new EOFException("connection closed inside a line: " + sb);
            }
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }

    /**
     * A raw HTTP/1.1 backend that reads a request head, then does not read for as long as the
     * test wants, then decodes the chunked body and answers with its length. Its receive buffer
     * is small so that the kernel does not hide the stall.
     */
    private static final class StallingBackend implements AutoCloseable {
        final CountDownLatch headReceived = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);
        private final ServerSocket server;
        private final Thread thread;

        StallingBackend() throws IOException {
            server = new ServerSocket();
            server.setReceiveBufferSize(64 * 1024);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            thread = new Thread(this::serve, "stalling-backend");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            try (Socket s = server.accept()) {
                s.setSoTimeout(30_000);
                InputStream in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
                String head = readHead(in);
                if (!head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
                    throw new IOException("expected a chunked upload: " + head);
                }
                headReceived.countDown();
                if (!resume.await(30, TimeUnit.SECONDS)) {
                    return;
                }
                byte[] body = Long.toString(readChunkedBody(in)).getBytes(StandardCharsets.US_ASCII);
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
            } catch (IOException | InterruptedException e) {
                // The test fails on the client side: no or a wrong answer.
            }
        }

        @Override
        public void close() throws Exception {
            resume.countDown();
            server.close();
            thread.join(5_000);
        }
    }

    /** A body produced as it is read: a fixed pattern, never held in memory as a whole. */
    private static final class GeneratedStream extends InputStream {
        private long remaining;

        GeneratedStream(long size) {
            this.remaining = size;
        }

        @Override
        public int read() {
            if (remaining == 0) {
                return -1;
            }
            remaining--;
            return (int) (remaining & 0x7f);
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (remaining == 0) {
                return -1;
            }
            int n = (int) Math.min(len, remaining);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) ((remaining - i) & 0x7f);
            }
            remaining -= n;
            return n;
        }
    }
}
