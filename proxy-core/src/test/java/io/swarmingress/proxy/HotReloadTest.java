package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.proxy.server.Transport;
import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.Closer;

/** The config file is watched: valid changes go live without a dropped request, invalid ones change nothing. */
class HotReloadTest {
    @TempDir
    Path dir;
    private final Closer closer = new Closer();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
    }

    private Backend backend(String name) {
        return closer.add(Backend.start(name));
    }

    private static String config(int port, String lb, Backend... backends) {
        StringBuilder eps = new StringBuilder();
        for (Backend b : backends) {
            eps.append(eps.length() == 0 ? "" : ", ").append("'").append(b.hostPort()).append("'");
        }
        return "io_threads: 2\n"
                + "entrypoints: [{name: web, address: '127.0.0.1:" + port + "'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, lb: " + lb + ", endpoints: [" + eps + "]}]\n";
    }

    private Ingress start(Path file) {
        Ingress ingress = Ingress.start(file, Transport.best(), Duration.ofMillis(100));
        closer.add(ingress);
        return ingress;
    }

    private String get(int port) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    @Test
    void reloadUnderContinuousLoadFailsNoRequest() throws Exception {
        Backend a = backend("a");
        Backend b = backend("b");
        Backend c = backend("c");
        Path file = dir.resolve("ingress.yaml");
        Files.writeString(file, config(0, "round_robin", a, b));
        Ingress ingress = start(file);
        int port = ingress.server().address("web").getPort();
        // Reloads must keep the listener: write the port it got back into the file, and let it go live
        // (a change written before the watcher settled on this one would supersede it, one reload fewer).
        long started = ingress.server().table().generation();
        Files.writeString(file, config(port, "round_robin", a, b));
        await().atMost(Duration.ofSeconds(10)).until(() -> ingress.server().table().generation() > started);

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger total = new AtomicInteger();
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        List<Thread> clients = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread th = new Thread(() -> {
                while (running.get()) {
                    try {
                        String r = get(port);
                        total.incrementAndGet();
                        if (!r.startsWith("200 ")) {
                            failures.incrementAndGet();
                        } else {
                            seen.merge(r.substring(4), 1, Integer::sum);
                        }
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                }
            });
            th.start();
            clients.add(th);
        }
        long generation = ingress.server().table().generation();
        for (int i = 0; i < 6; i++) {
            awaitRequests(total, 20);
            Backend[] set = i % 2 == 0 ? new Backend[] {b, c} : new Backend[] {a, b, c};
            Files.writeString(file, config(port, i % 3 == 0 ? "least_conn" : "round_robin", set));
            long before = generation;
            await().atMost(Duration.ofSeconds(10)).until(() -> ingress.server().table().generation() > before);
            generation = ingress.server().table().generation();
        }
        awaitRequests(total, 20);
        running.set(false);
        for (Thread th : clients) {
            th.join(10_000);
        }
        assertThat(total.get()).as("requests sent during reloads").isGreaterThan(100);
        assertThat(failures.get()).isZero();
        assertThat(seen).containsKeys("a", "b", "c");
        assertThat(ingress.metrics().scrape()).contains("ingress_config_reloads_total{result=\"success\"} 7.0");
    }

    /** Lets the clients' load run on for {@code n} more requests: each table in turn serves some. */
    private static void awaitRequests(AtomicInteger total, int n) {
        int from = total.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> total.get() >= from + n);
    }

    @Test
    void invalidConfigIsRejectedAndTheOldOneKeepsServing() throws Exception {
        Backend a = backend("a");
        Backend b = backend("b");
        Path file = dir.resolve("ingress.yaml");
        Files.writeString(file, config(0, "round_robin", a));
        Ingress ingress = start(file);
        int port = ingress.server().address("web").getPort();
        long generation = ingress.server().table().generation();

        Files.writeString(file, config(port, "random", b) + "bogus_key: 1\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> ingress.metrics().scrape()
                .contains("ingress_config_reloads_total{result=\"failure\"} 1.0"));
        assertThat(ingress.server().table().generation()).isEqualTo(generation);
        for (int i = 0; i < 10; i++) {
            assertThat(get(port)).isEqualTo("200 a");
        }

        // An entrypoint that cannot bind is a failed reload too, and changes nothing.
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Files.writeString(file, config(port, "round_robin", b)
                    .replace("entrypoints: [", "entrypoints: [{name: extra, address: '127.0.0.1:" + taken.getLocalPort() + "'}, "));
            await().atMost(Duration.ofSeconds(10)).until(() -> ingress.metrics().scrape()
                    .contains("ingress_config_reloads_total{result=\"failure\"} 2.0"));
        }
        assertThat(get(port)).isEqualTo("200 a");

        Files.writeString(file, config(port, "round_robin", b));
        await().atMost(Duration.ofSeconds(10)).until(() -> ingress.server().table().generation() > generation);
        assertThat(get(port)).isEqualTo("200 b");
    }

    @Test
    void entrypointsAreAddedAndRemovedOnReload() throws Exception {
        Backend a = backend("a");
        Path file = dir.resolve("ingress.yaml");
        Files.writeString(file, config(0, "round_robin", a));
        Ingress ingress = start(file);
        int port = ingress.server().address("web").getPort();
        Files.writeString(file, config(port, "round_robin", a)
                .replace("entrypoints: [", "entrypoints: [{name: second, address: '127.0.0.1:0'}, ")
                .replace("routes: [", "routes: [{entrypoint: second, service: app}, "));
        await().atMost(Duration.ofSeconds(10)).until(() -> ingress.server().address("second") != null);
        int second = ingress.server().address("second").getPort();
        assertThat(get(second)).isEqualTo("200 a");
        Files.writeString(file, config(port, "round_robin", a));
        await().atMost(Duration.ofSeconds(10)).until(() -> ingress.server().address("second") == null);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", second)) {
                throw new AssertionError("still listening on " + second + " " + s);
            } catch (java.net.ConnectException expected) {
                // closed, as it should be
            }
        });
        assertThat(get(port)).isEqualTo("200 a");
    }
}
