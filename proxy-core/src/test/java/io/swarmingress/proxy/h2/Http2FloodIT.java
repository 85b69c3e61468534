package io.swarmingress.proxy.h2;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.JarProxy;
import io.swarmingress.proxy.testing.SteadyClient;

/**
 * PING and SETTINGS floods from a client that never reads, against the jar as users run it: each
 * frame asks for an acknowledgement, and a proxy that queued them without limit would grow until
 * it fell over. After {@value H2Settings#MAX_QUEUED_CONTROL_FRAMES} acknowledgements wait unsent
 * the connection is closed (the client's writes then fail); a steady client on its own connection
 * is served throughout, its latency printed.
 */
@Timeout(180)
class Http2FloodIT {
    @TempDir
    static Path dir;
    private static Backend backend;
    private static JarProxy proxy;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        backend = Backend.start("b1");
        port = JarProxy.freePort();
        proxy = JarProxy.start(dir, """
                io_threads: 1
                entrypoints:
                  - name: web
                    address: 127.0.0.1:%d
                    protocol: http
                routes:
                  - entrypoint: web
                    path_prefix: /
                    service: app
                services:
                  - name: app
                    endpoints: [%s]
                """.formatted(port, backend.hostPort()), port);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void aPingFloodFromAClientThatDoesNotReadIsCutOff() throws Exception {
        try (SteadyClient steady = new SteadyClient("a PING flood", port, "/")) {
            assertThat(flood(frame(0x6, new byte[8]))).as("PING frames sent before the proxy cut the connection")
                    .isLessThan(FLOOD);
            steady.assertServed();
        }
    }

    @Test
    void aSettingsFloodFromAClientThatDoesNotReadIsCutOff() throws Exception {
        try (SteadyClient steady = new SteadyClient("a SETTINGS flood", port, "/")) {
            assertThat(flood(frame(0x4, new byte[0]))).as("SETTINGS frames sent before the proxy cut the connection")
                    .isLessThan(FLOOD);
            steady.assertServed();
        }
    }

    private static final long FLOOD = 20_000_000;

    /** Sends the frame over and over without reading. @return how many went out before the connection failed */
    private static long flood(byte[] frame) throws IOException {
        byte[] batch = new byte[frame.length * 1_000];
        for (int i = 0; i < 1_000; i++) {
            System.arraycopy(frame, 0, batch, i * frame.length, frame.length);
        }
        long sent = 0;
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4 * 1024);
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            OutputStream out = s.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(frame(0x4, new byte[0]));
            while (sent < FLOOD) {
                out.write(batch);
                sent += 1_000;
            }
        } catch (IOException e) {
            System.out.printf("flood of %d-byte frames cut after %d frames: %s%n", frame.length, sent, e);
        }
        return sent;
    }

    private static byte[] frame(int type, byte[] payload) {
        byte[] f = new byte[9 + payload.length];
        f[2] = (byte) payload.length;
        f[3] = (byte) type;
        System.arraycopy(payload, 0, f, 9, payload.length);
        return f;
    }
}
