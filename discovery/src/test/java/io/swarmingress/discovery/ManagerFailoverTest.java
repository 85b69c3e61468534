package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.config.Location;
import io.swarmingress.config.SwarmProviderConfig;
import io.swarmingress.discovery.SnapshotRecorder.Received;

/**
 * The Docker API going away, a dead first manager, and managers that accept calls and never
 * answer (as during a leader election), against the real lab behind relays.
 */
class ManagerFailoverTest {
    private static final Duration BOUND = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private SwarmLab lab;
    private String prefix;
    private final SnapshotRecorder recorder = new SnapshotRecorder();
    private final DiscoveryCounters counters = new DiscoveryCounters();
    private SwarmDiscovery discovery;
    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

    @BeforeEach
    void lab() {
        lab = SwarmLab.get();
        prefix = SwarmLab.uniqueName("f") + ".";
    }

    @AfterEach
    void cleanup() throws Exception {
        if (discovery != null) {
            discovery.close();
        }
        for (AutoCloseable c : closeables) {
            c.close();
        }
        if (lab != null) {
            lab.cleanup();
        }
    }

    /** Fast timings, so that outages show within the test's patience: resync 1 s, calls 1 s. */
    private void start(String... endpoints) {
        SwarmProviderConfig provider = new SwarmProviderConfig(List.of(endpoints), null, prefix, true, SwarmLab.NETWORK,
                "web", Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofSeconds(1), Location.NONE);
        discovery = new SwarmDiscovery(provider, List.of(), recorder, counters);
        discovery.start();
    }

    private String labelledService(int replicas) {
        String name = SwarmLab.uniqueName("svc");
        lab.createService(name, replicas, prefix + "enable=true", prefix + "port=8080");
        return name;
    }

    @Test
    void whenTheApiGoesAwayTheLastEndpointsStayAndAChangeMadeMeanwhileIsPickedUpAfter() throws Exception {
        Path relaySocket = dir.resolve("relay.sock");
        Process relay = socat(relaySocket);
        String name = labelledService(2);
        start("unix://" + relaySocket);
        long steady = recorder.await(BOUND, "2 endpoints", s -> s.endpoints(name).size() == 2).atMillis();
        List<String> before = SnapshotRecorder.addresses(recorder.latest(), name);
        int published = recorder.count();

        kill(relay);
        long failedBefore = counters.syncs(false);
        lab.scale(name, 3);
        Awaitility.await("failed syncs while the API is away").atMost(BOUND)
                .until(() -> counters.syncs(false) >= failedBefore + 2);
        java.time.Instant lastSuccess = discovery.lastSuccess();
        // One more failed re-read (the resync interval is 1 s): the outage goes on, and nothing moves.
        Awaitility.await("another failed sync").atMost(BOUND).until(() -> counters.syncs(false) >= failedBefore + 3);
        assertThat(recorder.count()).as("nothing is published while the API is away").isEqualTo(published);
        assertThat(SnapshotRecorder.addresses(discovery.current(), name)).isEqualTo(before);
        assertThat(discovery.lastSuccess()).as("no read succeeds while the API is away").isEqualTo(lastSuccess);
        System.out.printf("OUTAGE relay killed: %d failed syncs, snapshot kept with %d endpoints%n",
                counters.syncs(false) - failedBefore, before.size());

        long back = System.currentTimeMillis();
        relay = socat(relaySocket);
        Received caughtUp = recorder.await(BOUND, "3 endpoints after the API came back",
                s -> s.endpoints(name).size() == 3);
        System.out.printf("OUTAGE relay back -> change made meanwhile in the snapshot: %d ms%n", caughtUp.atMillis() - back);
        assertThat(recorder.all()).filteredOn(r -> r.atMillis() >= steady).allSatisfy(r -> assertThat(r.snapshot().endpoints(name)).isNotEmpty());
        kill(relay);
    }

    @Test
    void aDeadFirstManagerIsSkippedForTheSecond() {
        String name = labelledService(2);
        String dead = "unix://" + dir.resolve("nobody-listens.sock");
        start(dead, lab.endpoint());
        recorder.await(BOUND, "2 endpoints", s -> s.endpoints(name).size() == 2);
        assertThat(discovery.activeEndpoint()).isEqualTo(lab.endpoint());
        assertThat(counters.failovers()).isPositive();
        assertThat(SnapshotRecorder.addresses(recorder.latest(), name)).isEqualTo(lab.runningAddresses(name));
    }

    /**
     * A manager without quorum answers 503 "The swarm does not have a leader". The single-node lab
     * cannot lose its quorum, so this one fault comes from a fake manager, next to the real one.
     */
    @Test
    void aManagerWithoutALeaderIsLeftForTheNext() throws Exception {
        com.sun.net.httpserver.HttpServer leaderless = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        leaderless.createContext("/", exchange -> {
            asked.incrementAndGet();
            byte[] body = ("{\"message\":\"The swarm does not have a leader. It's possible that too few managers are"
                    + " online. Make sure more than half of the managers are online.\"}\n").getBytes(
                    java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(503, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        leaderless.start();
        closeables.add(() -> leaderless.stop(0));
        String name = labelledService(2);
        start("tcp://127.0.0.1:" + leaderless.getAddress().getPort(), lab.endpoint());
        recorder.await(BOUND, "2 endpoints", s -> s.endpoints(name).size() == 2);
        assertThat(asked.get()).as("the leaderless manager was asked").isPositive();
        assertThat(discovery.activeEndpoint()).isEqualTo(lab.endpoint());
        assertThat(counters.failovers()).isPositive();
    }

    @Test
    void aTcpManagerThatAcceptsAndNeverAnswersCostsOneTimeout() throws Exception {
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        List<Socket> held = new CopyOnWriteArrayList<>();
        Thread acceptor = new Thread(() -> {
            while (!silent.isClosed()) {
                try {
                    held.add(silent.accept()); // never read, never answered
                } catch (IOException e) {
                    return;
                }
            }
        }, "silent-manager");
        acceptor.setDaemon(true);
        acceptor.start();
        closeables.add(silent);
        closeables.add(() -> held.forEach(s -> {
            try {
                s.close();
            } catch (IOException e) {
                // closing
            }
        }));
        checkHangingFirstManager("tcp://127.0.0.1:" + silent.getLocalPort(), held::size);
    }

    @Test
    void aUnixManagerThatAcceptsAndNeverAnswersCostsOneTimeout() throws Exception {
        FreezableRelay silent = new FreezableRelay(dir.resolve("silent.sock"), lab.socket, true);
        closeables.add(silent);
        checkHangingFirstManager(silent.endpoint(), silent::accepted);
    }

    private void checkHangingFirstManager(String hanging, java.util.function.IntSupplier accepted) throws Exception {
        String name = labelledService(2);
        long t0 = System.nanoTime();
        start(hanging, lab.endpoint());
        DiscoverySnapshot first = discovery.firstSync().get(15, TimeUnit.SECONDS);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.printf("HANG first manager %s silent: first snapshot after %d ms (api_timeout 1000 ms)%n", hanging, ms);
        assertThat(accepted.getAsInt()).as("the silent manager was asked").isPositive();
        assertThat(first).isNotNull();
        assertThat(discovery.activeEndpoint()).isEqualTo(lab.endpoint());
        assertThat(ms).isLessThan(10_000);

        // and discovery keeps moving: a scale shows up through the second manager
        recorder.await(BOUND, "2 endpoints", s -> s.endpoints(name).size() == 2);
        lab.scale(name, 3);
        recorder.await(BOUND, "3 endpoints", s -> s.endpoints(name).size() == 3);
    }

    @Test
    void aManagerThatStartsHangingMidwayIsLeftForTheNext() throws Exception {
        FreezableRelay relay = new FreezableRelay(dir.resolve("election.sock"), lab.socket, false);
        closeables.add(relay);
        String name = labelledService(2);
        start(relay.endpoint(), lab.endpoint());
        long steady = recorder.await(BOUND, "2 endpoints", s -> s.endpoints(name).size() == 2).atMillis();
        assertThat(discovery.activeEndpoint()).isEqualTo(relay.endpoint());

        relay.freeze(); // the event stream falls silent, every new call hangs
        long command = System.currentTimeMillis();
        lab.scale(name, 3);
        Received three = recorder.await(BOUND, "3 endpoints through the second manager",
                s -> s.endpoints(name).size() == 3);
        System.out.printf("HANG first manager froze mid-way: scale seen through the second after %d ms"
                + " (resync 1000 ms + api_timeout 1000 ms + task start)%n", three.atMillis() - command);
        assertThat(discovery.activeEndpoint()).isEqualTo(lab.endpoint());
        assertThat(counters.failovers()).isPositive();

        // the event stream followed: a later change arrives without waiting for a resync
        long removal = System.currentTimeMillis();
        lab.scale(name, 1);
        Received one = recorder.await(BOUND, "1 endpoint", s -> s.endpoints(name).size() == 1);
        System.out.printf("HANG after failover: scale 3->1 in the snapshot after %d ms%n", one.atMillis() - removal);
        assertThat(recorder.all()).filteredOn(r -> r.atMillis() >= steady).allSatisfy(r -> assertThat(r.snapshot().endpoints(name)).isNotEmpty());
    }

    private Process socat(Path socket) throws IOException {
        Files.deleteIfExists(socket);
        Process p = new ProcessBuilder("socat", "UNIX-LISTEN:" + socket + ",fork,unlink-early",
                "UNIX-CONNECT:" + lab.socket).redirectErrorStream(true).redirectOutput(dir.resolve("socat.log").toFile())
                .start();
        closeables.add(() -> kill(p));
        Awaitility.await("socat listening").atMost(Duration.ofSeconds(5)).until(() -> Files.exists(socket));
        return p;
    }

    /** Ends the relay and its per-connection children, so that open streams break too. */
    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
