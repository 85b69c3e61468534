package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.proxy.server.Transport;
import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.Closer;

/**
 * {@code shutdown_delay}: after the stop signal a load balancer in front must see the proxy go
 * unhealthy while it still serves, and only then may the listeners close. The delay is a latch
 * the test opens, so the order is checked on real sockets without sleeping through it.
 */
@Timeout(60)
class ShutdownDelayTest {
    @TempDir
    Path dir;
    private final Closer closer = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
    }

    private Ingress start(Backend backend, String delay) throws IOException {
        Path file = dir.resolve("ingress.yaml");
        Files.writeString(file, "io_threads: 1\n"
                + "shutdown_grace: 5s\n"
                + (delay == null ? "" : "shutdown_delay: " + delay + "\n")
                + "admin: {address: '127.0.0.1:0'}\n"
                + "entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, endpoints: ['" + backend.hostPort() + "']}]\n");
        return closer.add(Ingress.start(file, Transport.best(), Duration.ofMillis(100)));
    }

    @Test
    void healthzSaysDrainingWhileRequestsAreStillServedThenTheListenerCloses() throws Exception {
        Backend backend = closer.add(Backend.start("b1"));
        Ingress ingress = start(backend, "30s");
        int web = ingress.server().address("web").getPort();
        int admin = ingress.admin().address().getPort();
        assertThat(get(admin, "/healthz", true)).startsWith("HTTP/1.1 200").endsWith("ok\n");
        Socket keptAlive = closer.add(new Socket("127.0.0.1", web));
        assertThat(exchange(keptAlive, "/", false)).startsWith("HTTP/1.1 200").endsWith("b1");

        List<Duration> pauses = new CopyOnWriteArrayList<>();
        CountDownLatch paused = new CountDownLatch(1);
        CountDownLatch endDelay = new CountDownLatch(1);
        Thread stopping = new Thread(() -> ingress.shutdown(delay -> {
            pauses.add(delay);
            paused.countDown();
            endDelay.await();
        }), "stopping");
        stopping.start();
        try {
            assertThat(paused.await(10, TimeUnit.SECONDS)).as("the shutdown reached its delay").isTrue();
            assertThat(pauses).containsExactly(Duration.ofSeconds(30));

            assertThat(get(admin, "/healthz", true)).startsWith("HTTP/1.1 503").endsWith("draining\n");
            for (int i = 0; i < 5; i++) {
                assertThat(get(web, "/new-" + i, true)).as("a new connection during the delay")
                        .startsWith("HTTP/1.1 200").endsWith("b1");
            }
            assertThat(exchange(keptAlive, "/again", false)).as("a kept-alive connection during the delay")
                    .startsWith("HTTP/1.1 200").endsWith("b1");
            assertThat(get(admin, "/metrics", true)).startsWith("HTTP/1.1 200");
            assertThat(backend.seenUris()).contains("/new-4", "/again");
        } finally {
            endDelay.countDown();
        }

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                assertThatThrownBy(() -> new Socket("127.0.0.1", web).close()).isInstanceOf(ConnectException.class));
        stopping.join(TimeUnit.SECONDS.toMillis(20));
        assertThat(stopping.isAlive()).as("shutdown finished").isFalse();
        assertThatThrownBy(() -> new Socket("127.0.0.1", admin).close()).as("admin closed last")
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void withoutADelayTheListenerClosesAtOnce() throws Exception {
        Backend backend = closer.add(Backend.start("b1"));
        Ingress ingress = start(backend, null);
        int web = ingress.server().address("web").getPort();
        assertThat(ingress.config().shutdownDelay()).isZero();

        ingress.shutdown(delay -> {
            throw new AssertionError("no pause expected, got " + delay);
        });

        assertThatThrownBy(() -> new Socket("127.0.0.1", web).close()).isInstanceOf(ConnectException.class);
    }

    /** One request on a new connection, closed by the server after the response. */
    private static String get(int port, String path, boolean close) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return exchange(s, path, close);
        }
    }

    private static String exchange(Socket s, String path, boolean close) throws IOException {
        s.setSoTimeout(10_000);
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: app.test\r\n"
                + (close ? "Connection: close\r\n" : "") + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        return readResponse(s.getInputStream());
    }

    /** Reads one response with a Content-Length body. */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed inside a response head: " + head);
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
