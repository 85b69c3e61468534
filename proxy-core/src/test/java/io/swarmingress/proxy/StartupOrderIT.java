package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.JarProxy;

/**
 * The shaded jar starting while a client already knocks on its port, as a load balancer's health
 * check or an eager client does while a task starts: every connection the proxy accepts gets an
 * answer. A listener that accepted before the first routing table was published used to close the
 * connection unanswered ({@code Failed to initialize a channel}: the table was not there yet);
 * listeners now start accepting only once the table that knows them is in force.
 */
@Timeout(120)
class StartupOrderIT {
    @TempDir
    Path dir;

    @Test
    void everyConnectionAcceptedWhileTheProxyStartsIsAnswered() throws Exception {
        try (Backend backend = Backend.start("b1")) {
            int port = JarProxy.freePort();
            String yaml = """
                    io_threads: 1
                    entrypoints:
                      - name: web
                        address: 127.0.0.1:%d
                        protocol: http
                      - name: web2
                        address: 127.0.0.1:0
                        protocol: http
                      - name: web3
                        address: 127.0.0.1:0
                        protocol: http
                    routes:
                      - entrypoint: web
                        service: app
                    services:
                      - name: app
                        endpoints: ['%s']
                    """.formatted(port, backend.hostPort());
            List<String> unanswered = new ArrayList<>();
            AtomicBoolean answered = new AtomicBoolean();
            Thread knocker = new Thread(() -> knock(port, answered, unanswered), "knocker");
            knocker.setDaemon(true);
            knocker.start();
            // The first listener is bound while the others still bind (each waits for the event
            // loop), and on one core the starting thread and the loop take turns: an accept on it
            // lands before the table's publication whenever the order allows it.
            try (JarProxy proxy = JarProxy.start(List.of("taskset", "-c", "0"), dir, yaml, port)) {
                knocker.join(60_000);
                assertThat(answered).as("a 200 came through at last").isTrue();
                assertThat(unanswered).as("connections accepted and closed without an answer").isEmpty();
                assertThat(proxy.log()).doesNotContain("Failed to initialize a channel");
            }
        }
    }

    /** Requests from before the start until the first 200, each on a fresh connection. */
    private static void knock(int port, AtomicBoolean answered, List<String> unanswered) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!answered.get() && System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                String status = statusLine(s.getInputStream());
                if (status.isEmpty()) {
                    synchronized (unanswered) {
                        unanswered.add("closed without a status line");
                    }
                } else if (status.startsWith("HTTP/1.1 200")) {
                    answered.set(true);
                }
            } catch (ConnectException e) {
                // Not listening yet: knock again.
                Thread.onSpinWait();
            } catch (IOException e) {
                synchronized (unanswered) {
                    unanswered.add(e.toString());
                }
            }
        }
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            line.append((char) c);
        }
        return line.toString().strip();
    }
}
