package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.config.ClientLimits;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.config.HostPort;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.config.LbPolicy;
import io.swarmingress.config.Location;
import io.swarmingress.config.Protocol;
import io.swarmingress.config.RouteConfig;
import io.swarmingress.config.ServiceConfig;
import io.swarmingress.config.SwarmProviderConfig;
import io.swarmingress.config.SwarmRelay;
import io.swarmingress.config.SwarmServiceRef;
import io.swarmingress.config.Timeouts;
import io.swarmingress.discovery.SwarmService.Attachment;
import io.swarmingress.discovery.SwarmService.SwarmTask;

/**
 * A follower of relays on real sockets: relays that answer, go silent, refuse its token, send
 * garbage or lag behind, at two addresses of one name as {@code tasks.proxy} resolves. Deadlines
 * are real socket timeouts (2 s here, generous for a busy machine), waited for with Awaitility; the relay server itself is
 * tested with this follower in proxy-core (RelayTest).
 */
class RelayDiscoveryTest {
    private static final Duration DEADLINE = Duration.ofSeconds(2);
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final Instant T1 = Instant.parse("2026-11-30T07:00:01Z");
    private static final Instant T2 = Instant.parse("2026-11-30T07:00:02Z");
    private static final Instant T3 = Instant.parse("2026-11-30T07:00:03Z");

    @TempDir
    Path dir;

    /**
     * Builds a state before a relay answers: the first one of a JVM loads Jackson's generator,
     * which on a busy machine can take longer than the follower's deadline for the first event.
     */
    @org.junit.jupiter.api.BeforeAll
    static void warmUp() {
        state(T1, app("10.0.0.1"));
    }

    private final List<AutoCloseable> closers = new ArrayList<>();
    private final SnapshotRecorder recorder = new SnapshotRecorder();
    private final DiscoveryCounters counters = new DiscoveryCounters();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closers.size() - 1; i >= 0; i--) {
            closers.get(i).close();
        }
    }

    private static SwarmService app(String... addresses) {
        List<SwarmTask> tasks = new ArrayList<>();
        for (String a : addresses) {
            tasks.add(new SwarmTask("t-" + a, "running", "running", null,
                    List.of(new Attachment("n1", "appnet", false, List.of(a + "/24")))));
        }
        return new SwarmService("id-app", "app", Map.of("ingress.enable", "true", "ingress.port", "8080",
                "ingress.http.host", "app.test"), tasks.size(), false, tasks, 1);
    }

    private static SwarmState state(Instant readAt, SwarmService... services) {
        return SwarmState.of(List.of(services), readAt, "ingress.");
    }

    /** The follower's file: http entrypoint web, a file service on Swarm service db, and these routes. */
    private IngressConfig file(int port, String token, List<RouteConfig> routes) throws IOException {
        String tokenFile = null;
        if (token != null) {
            Path f = dir.resolve("token");
            Files.writeString(f, token + "\n");
            tokenFile = f.toString();
        }
        SwarmProviderConfig provider = SwarmProviderConfig.of(List.of()).withEntrypoint("web").withNetwork("appnet")
                .withTimings(Duration.ofSeconds(10), Duration.ofMillis(100), DEADLINE)
                .followingRelays(new SwarmRelay(null, List.of(new HostPort("relays.test", port)), tokenFile));
        ServiceConfig db = new ServiceConfig("database", LbPolicy.ROUND_ROBIN, Timeouts.DEFAULT, List.of(),
                new SwarmServiceRef("db", 5432, null), Location.NONE);
        ServiceConfig stat = ServiceConfig.of("static", LbPolicy.ROUND_ROBIN, List.of(new HostPort("127.0.0.1", 9000)));
        return new IngressConfig(List.of(new EntrypointConfig("web", new HostPort("127.0.0.1", 0), Protocol.HTTP, null,
                ClientLimits.DEFAULT, false, Location.NONE)), routes, List.of(db, stat), null, 1,
                IngressConfig.DEFAULT_SHUTDOWN_GRACE, Location.NONE, provider);
    }

    /** relays.test resolves to 127.0.0.2 and 127.0.0.3, in that order, as tasks.proxy would. */
    private RelayDiscovery follow(IngressConfig config) {
        RelayDiscovery d = RelayDiscovery.forConfig(config, recorder, counters, SystemTime.TICKER, host -> {
            if (!host.equals("relays.test")) {
                throw new java.net.UnknownHostException(host);
            }
            return new InetAddress[] {InetAddress.getByName("127.0.0.2"), InetAddress.getByName("127.0.0.3")};
        });
        closers.add(d);
        d.start();
        return d;
    }

    private ScriptedRelay relay(String address, int port) throws IOException {
        ScriptedRelay r = new ScriptedRelay(address, port);
        closers.add(r);
        return r;
    }

    @Test
    void buildsItsOwnTableFromTheRelayedServicesWithItsOwnFile() throws Exception {
        ScriptedRelay a = relay("127.0.0.2", 0);
        SwarmService db = new SwarmService("id-db", "db", Map.of(), 1, false, List.of(new SwarmTask("t-db", "running",
                "running", null, List.of(new Attachment("n1", "appnet", false, List.of("10.0.1.9/24"))))), 1);
        RelayDiscovery d = follow(file(a.port(), "s3cret", List.of()));
        a.next(WAIT).answer(200).state(state(T1, app("10.0.1.5", "10.0.1.6"), db)).beating(() -> T1);

        DiscoverySnapshot s = d.firstSync().get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(s.endpoints("app")).containsExactly(new HostPort("10.0.1.5", 8080), new HostPort("10.0.1.6", 8080));
        assertThat(s.endpoints("database")).as("the follower's own file service").containsExactly(
                new HostPort("10.0.1.9", 5432));
        assertThat(s.routes()).extracting(RouteConfig::host).containsExactly("app.test");
        assertThat(d.lastSuccess()).isEqualTo(T1);
        assertThat(d.activeEndpoint()).isEqualTo("relay 127.0.0.2:" + a.port());
        assertThat(a.requests()).singleElement().asString()
                .startsWith("GET /v1/swarm-state HTTP/1.1\r\n")
                .contains("\r\nAuthorization: Bearer s3cret\r\n")
                .contains("\r\nAccept: text/event-stream\r\n");
        assertThat(d.relayState()).as("a follower never serves").isNull();
    }

    @Test
    void aSilentRelayIsLeftWithinTheDeadlineForTheNextAddressOfItsName() throws Exception {
        ScriptedRelay a = relay("127.0.0.2", 0);
        ScriptedRelay b = relay("127.0.0.3", a.port());
        RelayDiscovery d = follow(file(a.port(), null, List.of()));
        a.next(WAIT).answer(200).state(state(T1, app("10.0.1.5"))).alive(T1); // then nothing at all
        recorder.await(WAIT, "A's state", snap -> snap.endpoints("app").size() == 1);

        long silentFrom = System.nanoTime();
        ScriptedRelay.Follower fromB = b.next(WAIT);
        long movedAfterMs = (System.nanoTime() - silentFrom) / 1_000_000;
        assertThat(movedAfterMs).as("left A after its deadline, not later").isBetween(1500L, 8000L);
        assertThat(recorder.latest().endpoints("app")).as("A's endpoints keep serving meanwhile").hasSize(1);

        fromB.answer(200).state(state(T2, app("10.0.1.5", "10.0.1.7"))).beating(() -> T2);
        recorder.await(WAIT, "B's state", snap -> snap.endpoints("app").size() == 2);
        assertThat(d.activeEndpoint()).isEqualTo("relay 127.0.0.3:" + a.port());
        assertThat(counters.failovers()).isEqualTo(1);
    }

    @Test
    void whenNoRelayAnswersTheLastStateKeepsServingAndItsAgeShows() throws Exception {
        ScriptedRelay a = relay("127.0.0.2", 0);
        RelayDiscovery d = follow(file(a.port(), null, List.of()));
        a.next(WAIT).answer(200).state(state(T1, app("10.0.1.5"))).alive(T2);
        recorder.await(WAIT, "A's state", snap -> snap.endpoints("app").size() == 1);
        await().atMost(WAIT).until(() -> T2.equals(d.lastSuccess()));
        a.close(); // the only relay is gone: refused from now on

        await().atMost(WAIT).until(() -> counters.syncs(false) >= 3);
        assertThat(recorder.count()).isEqualTo(1);
        assertThat(d.current().endpoints("app")).hasSize(1);
        assertThat(d.lastSuccess()).as("the age of what is served keeps growing").isEqualTo(T2);
    }

    @Test
    void aStateReadBeforeTheAppliedOneWaitsUntilItsRelayCaughtUp() throws Exception {
        ScriptedRelay a = relay("127.0.0.2", 0);
        ScriptedRelay b = relay("127.0.0.3", a.port());
        RelayDiscovery d = follow(file(a.port(), null, List.of()));
        a.next(WAIT).answer(200).state(state(T2, app("10.0.1.5"))).close();
        recorder.await(WAIT, "A's state", snap -> snap.endpoints("app").size() == 1);

        AtomicReference<Instant> bRead = new AtomicReference<>(T1);
        b.next(WAIT).answer(200).state(state(T1, app("10.0.1.5", "10.0.1.6"))).beating(bRead::get);
        await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> recorder.count() == 1);
        assertThat(d.lastSuccess()).isEqualTo(T2);

        bRead.set(T3); // B's reads are now newer than what is applied, and its state has not changed since
        recorder.await(WAIT, "B's held state", snap -> snap.endpoints("app").size() == 2);
        assertThat(d.lastSuccess()).isEqualTo(T3);
    }

    @Test
    void aRefusedTokenOrGarbageIsLeftForTheNextRelay() throws Exception {
        ScriptedRelay a = relay("127.0.0.2", 0);
        ScriptedRelay b = relay("127.0.0.3", a.port());
        follow(file(a.port(), "wrong", List.of()));
        a.next(WAIT).write("HTTP/1.1 401 Unauthorized\r\nContent-Length: 13\r\n\r\nunauthorized\n").close();

        b.next(WAIT).answer(200).write("event: state\ndata: {not json\n\n");
        ScriptedRelay.Follower again = a.next(WAIT); // B's garbage: back to A, the one that failed longer ago
        again.answer(200).state(state(T1, app("10.0.1.5"))).beating(() -> T1);
        recorder.await(WAIT, "a usable state", snap -> snap.endpoints("app").size() == 1);
        assertThat(counters.syncs(false)).as("B's garbage").isGreaterThanOrEqualTo(1);
        assertThat(a.requests()).hasSize(2);
        assertThat(b.requests()).hasSize(1);
    }

    @Test
    void aNewFileOfTheFollowerIsAppliedWithoutTheRelay() throws Exception {
        ScriptedRelay a = relay("127.0.0.2", 0);
        RelayDiscovery d = follow(file(a.port(), null, List.of()));
        a.next(WAIT).answer(200).state(state(T1, app("10.0.1.5"))).beating(() -> T1);
        recorder.await(WAIT, "A's state", snap -> snap.routes().size() == 1);

        RouteConfig mine = new RouteConfig("web", "app.test", "/", Map.of(), false, "static", Location.NONE);
        DiscoverySnapshot after = d.applyFileConfig(file(a.port(), null, List.of(mine))).get(10,
                java.util.concurrent.TimeUnit.SECONDS);
        assertThat(after.routes()).as("the file wins on the follower too").isEmpty();
        assertThat(after.warnings()).anySatisfy(w -> assertThat(w).contains("app.test", "(the file wins)"));
        assertThat(a.requests()).as("no new request for it").hasSize(1);
    }
}
