package io.swarmingress.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.config.ConfigParser;
import io.swarmingress.config.HostPort;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.discovery.DiscoveryObserver;
import io.swarmingress.discovery.DiscoverySnapshot;
import io.swarmingress.discovery.RelayDiscovery;
import io.swarmingress.discovery.SwarmState;
import io.swarmingress.proxy.Ingress;
import io.swarmingress.proxy.server.Transport;
import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.Closer;

/**
 * The relay server with the real follower on real sockets: what a follower gets and when, what
 * the relay refuses, a follower that stops reading, and a whole proxy on a "worker" (no Docker at
 * all) routing from relayed state to real backends. On a real three-node swarm: ClusterMeshIT.
 */
class RelayTest {
    private static final Instant T1 = Instant.parse("2026-11-30T07:00:01Z");
    private static final Instant T2 = Instant.parse("2026-11-30T07:00:02Z");
    private static final Instant T3 = Instant.parse("2026-11-30T07:00:03Z");
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;
    private final Closer closer = new Closer();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
    }

    /** A relay state: service app, labelled for app.test on port {@code port}, one task per address. */
    static SwarmState state(Instant readAt, int port, String... addresses) throws IOException {
        StringBuilder tasks = new StringBuilder();
        for (String a : addresses) {
            tasks.append(tasks.length() == 0 ? "" : ",").append("{\"id\":\"t-").append(a)
                    .append("\",\"state\":\"running\",\"desired_state\":\"running\",\"since\":null,\"networks\":[")
                    .append("{\"id\":\"n1\",\"name\":\"appnet\",\"ingress\":false,\"addresses\":[\"").append(a)
                    .append("/8\"]}]}");
        }
        String json = "{\"format\":1,\"read_at\":\"" + readAt + "\",\"services\":[{\"id\":\"id-app\",\"name\":\"app\","
                + "\"replicas\":" + addresses.length + ",\"updating\":false,\"labels\":{\"ingress.enable\":\"true\","
                + "\"ingress.port\":\"" + port + "\",\"ingress.http.host\":\"app.test\"},\"tasks\":[" + tasks + "]}]}";
        return SwarmState.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private IngressConfig follower(String relays, String tokenLine) {
        return new ConfigParser().parse("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "swarm:\n"
                + "  source: relay\n"
                + "  entrypoint: web\n"
                + "  api_timeout: 2s\n"
                + "  relay: {from: [" + relays + "]" + tokenLine + "}\n", "worker.yaml");
    }

    private RelayServer relay(String token, AtomicReference<SwarmState> state, AtomicReference<Instant> readAt) {
        return closer.add(RelayServer.start(new HostPort("127.0.0.1", 0), Transport.best(), token, state::get,
                readAt::get));
    }

    @Test
    void aFollowerGetsTheStateAtOnceThenEachChangeAndTheAgeWithEachHeartbeat() throws Exception {
        AtomicReference<SwarmState> state = new AtomicReference<>(state(T1, 8080, "10.0.1.5"));
        AtomicReference<Instant> readAt = new AtomicReference<>(T1);
        RelayServer server = relay(null, state, readAt);
        List<DiscoverySnapshot> seen = new CopyOnWriteArrayList<>();
        RelayDiscovery follower = closer.add(RelayDiscovery.forConfig(follower("'127.0.0.1:" + server.address().getPort()
                + "'", ""), seen::add, DiscoveryObserver.NOOP));
        follower.start();

        await().atMost(WAIT).until(() -> seen.size() == 1);
        assertThat(seen.get(0).endpoints("app")).containsExactly(new HostPort("10.0.1.5", 8080));
        assertThat(server.followers()).isEqualTo(1);

        state.set(state(T2, 8080, "10.0.1.5", "10.0.1.6"));
        readAt.set(T2);
        server.changed();
        await().atMost(WAIT).until(() -> seen.size() == 2);
        assertThat(seen.get(1).endpoints("app")).hasSize(2);
        server.changed(); // no new state: nothing is sent
        readAt.set(T3); // a read that changed nothing: only the heartbeat tells
        await().atMost(WAIT).until(() -> T3.equals(follower.lastSuccess()));
        assertThat(seen).hasSize(2);
    }

    @Test
    void onlyAGetOfTheStreamWithTheTokenIsAnswered() throws Exception {
        RelayServer server = relay("t0k3n", new AtomicReference<>(state(T1, 8080, "10.0.1.5")), new AtomicReference<>(T1));
        String base = "http://127.0.0.1:" + server.address().getPort();
        assertThat(send(HttpRequest.newBuilder(URI.create(base + "/v1/swarm-state"))
                .POST(HttpRequest.BodyPublishers.ofString("x")))).startsWith("405 ");
        assertThat(send(HttpRequest.newBuilder(URI.create(base + "/containers/json")).header("Authorization",
                "Bearer t0k3n"))).as("no Docker API behind it").startsWith("404 ");
        assertThat(send(HttpRequest.newBuilder(URI.create(base + "/v1/swarm-state")))).startsWith("401 ");
        assertThat(send(HttpRequest.newBuilder(URI.create(base + "/v1/swarm-state")).header("Authorization",
                "Bearer t0k3m"))).startsWith("401 ");

        try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
            s.getOutputStream().write(("GET /v1/swarm-state HTTP/1.1\r\nHost: r\r\nAuthorization: Bearer t0k3n\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String start = readUntil(s.getInputStream(), "event: alive");
            assertThat(start).startsWith("HTTP/1.1 200 OK\r\n").contains("content-type: text/event-stream\r\n")
                    .contains("event: state\ndata: {\"format\":1,").doesNotContain("content-length");
        }
    }

    @Test
    void aFollowerThatStopsReadingIsDroppedInsteadOfBufferedFor() throws Exception {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            many.add("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255));
        }
        AtomicReference<SwarmState> state = new AtomicReference<>(state(T1, 8080, many.toArray(new String[0])));
        RelayServer server = relay(null, state, new AtomicReference<>(T1));
        try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
            s.setReceiveBufferSize(64 * 1024);
            s.getOutputStream().write("GET /v1/swarm-state HTTP/1.1\r\nHost: r\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            await().atMost(WAIT).until(() -> server.followers() == 1);
            for (int i = 0; i < 20; i++) { // about 3 MB each; the follower reads none of it
                state.set(state(T1.plusSeconds(i), 8080, many.toArray(new String[0])));
                server.changed();
            }
            await().atMost(WAIT).until(() -> server.followers() == 0);
        }
    }

    @Test
    void aProxyWithoutDockerRoutesFromTheRelayedStateAndKeepsItWhenTheRelayIsGone() throws Exception {
        Backend two = closer.add(Backend.start("task-2", new InetSocketAddress("127.0.0.2", 0)));
        Backend three = closer.add(Backend.start("task-3", new InetSocketAddress("127.0.0.3", two.port())));
        Path tokenFile = dir.resolve("relay-token");
        Files.writeString(tokenFile, "s3cret\n");
        AtomicReference<SwarmState> state = new AtomicReference<>(state(T1, two.port(), "127.0.0.2", "127.0.0.3"));
        RelayServer server = relay("s3cret", state, new AtomicReference<>(T1));

        Path file = dir.resolve("worker.yaml");
        Files.writeString(file, "io_threads: 1\n"
                + "admin: {address: '127.0.0.1:0'}\n"
                + "entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "swarm:\n"
                + "  source: relay\n"
                + "  entrypoint: web\n"
                + "  relay: {from: ['127.0.0.1:" + server.address().getPort() + "'], token_file: " + tokenFile + "}\n");
        Ingress worker = closer.add(Ingress.start(file, Transport.best()));
        int web = worker.server().address("web").getPort();

        Map<String, Integer> answered = new HashMap<>();
        for (int i = 0; i < 6; i++) {
            answered.merge(get(web, "app.test"), 1, Integer::sum);
        }
        assertThat(answered).containsOnly(Map.entry("200 task-2", 3), Map.entry("200 task-3", 3));
        String routes = get(worker.admin().address().getPort(), "/routes", "admin");
        assertThat(routes).contains("\"source\" : \"relay\"").contains("\"manager\" : \"relay 127.0.0.1:");

        state.set(state(T2, two.port(), "127.0.0.2"));
        server.changed();
        await().atMost(WAIT).until(() -> worker.server().table().services().get("app").endpoints().size() == 1);
        server.close(); // the relay's node is gone
        for (int i = 0; i < 4; i++) {
            assertThat(get(web, "app.test")).isEqualTo("200 task-2");
        }
    }

    private String send(HttpRequest.Builder b) throws Exception {
        HttpResponse<String> r = http.send(b.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    private String get(int port, String host) throws Exception {
        return get(port, "/", host);
    }

    private String get(int port, String path, String host) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Host", host).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    private static String readUntil(InputStream in, String marker) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while (sb.indexOf(marker) < 0 && (c = in.read()) >= 0) {
            sb.append((char) c);
        }
        return sb.toString();
    }
}
