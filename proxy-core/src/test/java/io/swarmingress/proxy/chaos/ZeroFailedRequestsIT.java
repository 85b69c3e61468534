package io.swarmingress.proxy.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import io.swarmingress.proxy.chaos.LoadClientProcess.Counts;
import io.swarmingress.proxy.chaos.ScenarioWindows.Outcome;
import io.swarmingress.proxy.chaos.ScenarioWindows.Window;

/**
 * Issue 10 on the real Swarm lab: tasks updated, killed, frozen and scaled, the proxy reloaded
 * and stopped, all under one continuous keep-alive load from a {@link LoadClient} that counts
 * every failed request, and zero of them allowed.
 *
 * <p>One proxy (the real jar, in the network namespace of a container on the overlay) serves two
 * Swarm services of three busybox httpd tasks each: {@code web}, with the retry, ejection and
 * health settings a user would set for this, and {@code plain}, with the defaults (see
 * {@link ChaosConfig}). The load client, in the same namespace, keeps 8 connections on one and 4
 * on the other, each at 25 requests a second.
 * Every scenario acts on both services at once and asserts zero failed requests on both. Each
 * prints "SCENARIO [target]: sent N, failed F; worst second ... vs steady ..." for the issue's
 * note, and the class ends with a table of all of them. The scenarios run in order and share the
 * proxy and the load client: the next one starts only once Swarm and the proxy agree again on
 * every service's tasks, and the SIGTERM one, which ends the proxy, comes last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ZeroFailedRequestsIT {
    private static final int PORT = ChaosConfig.TASK_PORT;
    private static final String PROXY = ChaosConfig.PROXY;
    private static final Duration CONVERGE = Duration.ofSeconds(120);
    private static final Duration SETTLE = Duration.ofSeconds(2);
    private static final Duration FREEZE = Duration.ofSeconds(20);
    /** Each task answers / with its hostname, and /cgi-bin/slow?S after S seconds (with a Content-Length). */
    private static final String TASK_COMMAND = "hostname > /www/index.html"
            + " && printf '#!/bin/sh\\nsleep ${QUERY_STRING:-3}\\n"
            + "printf \"Content-Type: text/plain\\\\r\\\\nContent-Length: 5\\\\r\\\\n\\\\r\\\\nslow\\\\n\"\\n' > /www/cgi-bin/slow"
            + " && /bin/busybox chmod 755 /www/cgi-bin/slow && exec httpd -f -p 8080 -h /www";

    private final String suffix = Integer.toString(ThreadLocalRandom.current().nextInt(100_000, 999_999));
    private final String webService = "si-chaos-web-" + suffix;
    private final String plainService = "si-chaos-plain-" + suffix;
    private final String probe = "si-chaos-probe-" + suffix;
    private Lab lab;
    private Path dir;
    private Path config;
    private LabProxy proxy;
    private LoadClientProcess client;
    private ScenarioWindows windows;

    @BeforeAll
    void startServicesProxyAndLoad() throws Exception {
        lab = Lab.fromEnvironment();
        String jar = System.getProperty("swarm.ingress.jar");
        assertThat(jar).as("system property swarm.ingress.jar (set by the failsafe plugin)").isNotNull();
        dir = Files.createTempDirectory("zero-failed-it");

        lab.docker("run", "-d", "--name", probe, "--network", Lab.NETWORK, Lab.IMAGE, "sleep", "3600");
        String netns = "/proc/" + lab.docker("inspect", "-f", "{{.State.Pid}}", probe).trim() + "/ns/net";
        for (String service : List.of(webService, plainService)) {
            lab.docker("service", "create", "--detach", "--no-resolve-image", "--name", service, "--replicas", "3",
                    "--network", Lab.NETWORK, Lab.IMAGE, "sh", "-c", TASK_COMMAND);
        }
        config = dir.resolve("ingress.yaml");
        Files.writeString(config, config(0));
        proxy = LabProxy.start(netns, Path.of(jar), config, dir, ChaosConfig.ADMIN_PORT);
        Awaits.until("the proxy answers /healthz", Duration.ofSeconds(30), proxy, () -> "ok\n".equals(proxy.admin("/healthz")));
        awaitConverged(3);

        client = LoadClientProcess.start(netns, dir.resolve("load-client.log"));
        client.add("web", PROXY, "web.test", "/", 8, 25, 5_000);
        client.add("plain", PROXY, "plain.test", "/", 4, 25, 5_000);
        windows = new ScenarioWindows(client, proxy, Map.of("web", "web", "plain", "plain", "slow", "web"));
        // The first seconds give the steady rate the scenarios are compared with; they must fail nothing either.
        Window warmUp = windows.open("warm-up");
        Awaits.sleep(Duration.ofSeconds(11));
        assertZeroFailed(windows.close(warmUp));
    }

    @AfterAll
    void stopEverything() throws Exception {
        if (windows != null) {
            System.out.println(windows.summary());
        }
        if (lab != null) {
            try {
                Lab.signal(lab.dockerdPid(), "CONT"); // whatever happened in the freeze scenario
            } catch (Exception e) {
                // not frozen, or the lab is gone
            }
        }
        if (client != null) {
            client.close();
        }
        if (proxy != null) {
            proxy.close();
            System.out.println("---- proxy log (last 200 lines) ----\n" + tail(proxy.log(), 200));
        }
        if (lab != null) {
            lab.dockerQuietly("service", "rm", webService, plainService);
            lab.dockerQuietly("rm", "-f", probe);
        }
    }

    @Test
    @Order(1)
    void rollingUpdateStartFirst() throws Exception {
        rollingUpdate("a. rolling update start-first", "start-first");
    }

    @Test
    @Order(2)
    void rollingUpdateStopFirst() throws Exception {
        rollingUpdate("b. rolling update stop-first", "stop-first");
    }

    private void rollingUpdate(String scenario, String order) throws Exception {
        Window w = windows.open(scenario);
        for (String service : List.of(webService, plainService)) {
            lab.docker("service", "update", "--detach", "--update-order", order, "--force", service);
        }
        for (String service : List.of(webService, plainService)) {
            Awaits.until(service + " updated", CONVERGE, proxy, () -> lab.updateState(service).equals("completed"));
        }
        awaitConverged(3);
        Awaits.sleep(SETTLE);
        assertZeroFailed(windows.close(w));
    }

    /**
     * {@code docker kill} of one task of each service: the requests it held reset, the next ones
     * find no one at its address. Zero failed GETs on both services; for {@code web}, its endpoint
     * out of rotation (ejected, or gone from the table) within 1 s of the container's death, as
     * Docker's event stream dates it, measured by polling the admin listener from the kill on.
     */
    @Test
    @Order(3)
    void killedTaskFailsNothingAndIsOutOfRotationWithinASecond() throws Exception {
        Lab.Task web = lab.someRunningTask(webService, PORT);
        Lab.Task plain = lab.someRunningTask(plainService, PORT);
        Window w = windows.open("c. docker kill of one task");
        KillWatch watch = KillWatch.start(proxy, Map.of("web", web.address(), "plain", plain.address()));
        watch.killing();
        // Watched from the moment the command starts: it takes a few hundred ms to return.
        CompletableFuture<String> kill = CompletableFuture.supplyAsync(() -> lab.docker("kill", web.containerId(), plain.containerId()));
        Map<String, KillWatch.Seen> seen = watch.await(Duration.ofSeconds(15));
        kill.join();
        Map<String, Long> fromDeath = new HashMap<>();
        for (Map.Entry<String, Lab.Task> k : Map.of("web", web, "plain", plain).entrySet()) {
            KillWatch.Seen s = seen.get(k.getKey());
            long died = lab.diedAtMillis(k.getValue().containerId(), watch.killEpochMillis() - 1_000);
            long diedAfter = died < 0 ? 0 : died - watch.killEpochMillis();
            fromDeath.put(k.getKey(), s.outOfRotationMillis() < 0 ? Long.MAX_VALUE : s.outOfRotationMillis() - diedAfter);
            System.out.printf("c. docker kill [%s]: out of rotation %d ms after the container died at the latest (not before %d ms);"
                            + " Docker reports it died %d ms after the kill command; %s; admin polled every %d ms%n", k.getKey(),
                    fromDeath.get(k.getKey()), Math.max(0, s.stillInRotationMillis() - diedAfter), diedAfter, s,
                    watch.pollIntervalMillis());
        }
        awaitConverged(3);
        Awaits.sleep(SETTLE);
        assertZeroFailed(windows.close(w));
        // With the settings a user sets for this (web). With the defaults (plain) the time is printed, not bounded: the
        // first sign of a killed task is often a connect that hangs, and the default connect_timeout is 2 s.
        // Negative when the proxy saw the resets and ejected before dockerd dated the container's death (a busy machine).
        assertThat(seen.get("web").outOfRotationMillis()).as("web: its killed endpoint seen out of rotation").isNotNegative();
        assertThat(fromDeath.get("web")).as("web: from the container's death to its endpoint out of rotation (ms)")
                .isLessThanOrEqualTo(1_000L);
    }

    @Test
    @Order(4)
    void scaleDownToOneAndBackToThree() throws Exception {
        Window w = windows.open("e. scale 3 -> 1 -> 3");
        lab.docker("service", "scale", "--detach", webService + "=1", plainService + "=1");
        awaitConverged(1);
        Awaits.sleep(SETTLE);
        lab.docker("service", "scale", "--detach", webService + "=3", plainService + "=3");
        awaitConverged(3);
        Awaits.sleep(SETTLE);
        assertZeroFailed(windows.close(w));
    }

    @Test
    @Order(5)
    void fiftyConfigReloads() throws Exception {
        String reloads = "ingress_config_reloads_total";
        LabProxy.Scrape before = proxy.scrape();
        double succeeded = before.sum(reloads, "result=\"success\"");
        double failed = before.sum(reloads, "result=\"failure\"");
        Window w = windows.open("f. 50 config reloads");
        for (int i = 1; i <= 50; i++) {
            Path next = dir.resolve("ingress.yaml.next");
            Files.writeString(next, config(i));
            Files.move(next, config, StandardCopyOption.ATOMIC_MOVE);
            double want = succeeded + i;
            Awaits.until("reload " + i + " applied", Duration.ofSeconds(10), proxy,
                    () -> proxy.scrape().sum(reloads, "result=\"success\"") >= want);
        }
        Awaits.sleep(SETTLE);
        assertZeroFailed(windows.close(w));
        assertThat(proxy.scrape().sum(reloads, "result=\"failure\"")).as("reloads that failed").isEqualTo(failed);
    }

    /**
     * The lab's only node misses its heartbeats: its dockerd is frozen (SIGSTOP) for 20 s while
     * the containers keep running, then thawed (SIGCONT). A node has 3 heartbeat periods of 5 s
     * (plus jitter) from its last heartbeat, so 20 s is past the deadline whatever the phase; 15 s
     * may not be. Zero requests may fail while frozen (discovery's calls hang: the last endpoints
     * must keep serving) or after the thaw.
     *
     * <p>On the thaw the manager marks the node Down only if that is written before the agent
     * registers again, about half the time (found by the make-before-break work on the same lab).
     * Then Swarm tells every task to stop and starts replacements after its restart delay (5 s),
     * while the old containers keep answering until their stop grace (10 s: busybox httpd as PID 1
     * ignores SIGTERM). Zero failures then needs "make before break" in discovery: the old tasks
     * stay endpoints until their replacements run. So the freeze is repeated (at most 3 times)
     * until Swarm replaces the tasks; each attempt is measured and printed, whether Swarm replaced
     * the tasks or not, and must fail nothing.
     */
    @Test
    @Order(6)
    void frozenNodeFailsNothingWhileFrozenOrAfterTheThaw() throws Exception {
        long dockerd = lab.dockerdPid();
        Map<String, String> swarmNames = Map.of("web", webService, "plain", plainService);
        List<Outcome> outcomes = new ArrayList<>();
        for (int attempt = 1; attempt <= 3; attempt++) {
            Map<String, Set<String>> before = new HashMap<>();
            swarmNames.forEach((target, service) -> before.put(target, lab.taskIds(service)));
            Window frozen = windows.open("d. dockerd frozen 20 s, attempt " + attempt);
            Lab.signal(dockerd, "STOP");
            try {
                Awaits.sleep(FREEZE);
                outcomes.addAll(windows.close(frozen));
            } finally {
                Lab.signal(dockerd, "CONT");
            }
            Window thawed = windows.open("d. after the thaw, attempt " + attempt);
            Awaits.until("the lab's dockerd answers again", Duration.ofSeconds(60), proxy,
                    () -> Lab.run(false, Lab.DOCKER, "-H", "unix://" + lab.socket(), "info", "-f", "{{.Swarm.LocalNodeState}}")
                            .trim().equals("active"));
            String nodes = lab.nodeStatus();
            // Swarm replaces the tasks within a second or two of the thaw when it does at all.
            long decided = System.nanoTime() + Duration.ofSeconds(8).toNanos();
            boolean replaced = false;
            while (!replaced && System.nanoTime() - decided < 0) {
                Awaits.sleep(Duration.ofMillis(500));
                for (Map.Entry<String, String> e : swarmNames.entrySet()) {
                    replaced |= !lab.taskIds(e.getValue()).equals(before.get(e.getKey()));
                }
            }
            awaitConverged(3);
            Awaits.sleep(SETTLE);
            outcomes.addAll(windows.close(thawed));
            for (Map.Entry<String, String> e : swarmNames.entrySet()) {
                Set<String> gone = new HashSet<>(before.get(e.getKey()));
                gone.removeAll(lab.taskIds(e.getValue()));
                System.out.printf("d. after the thaw, attempt %d [%s]: Swarm replaced %d of its %d tasks (nodes on the thaw: %s)%n",
                        attempt, e.getKey(), gone.size(), before.get(e.getKey()).size(), nodes);
            }
            if (replaced) {
                break;
            }
            System.out.printf("d. attempt %d: Swarm replaced no task (the agent registered again before the node was marked"
                    + " Down): this attempt measured a frozen manager API only%s%n", attempt, attempt == 3 ? "; giving up" : "");
        }
        assertZeroFailed(outcomes);
    }

    /**
     * SIGTERM while 8 slow requests (3 s each) are in flight and the fast load carries on: the
     * proxy stops accepting, answers everything in flight, closes each kept-alive connection
     * after its current response and exits 0. From the signal on, the load client opens no new
     * connection (a client of a stopping proxy goes to another instance, which is not what is
     * tested here) and keeps sending on its open ones until the proxy closes them.
     */
    @Test
    @Order(7)
    void sigtermAnswersEveryRequestInFlight() throws Exception {
        client.add("slow", PROXY, "web.test", "/cgi-bin/slow?3", 8, 0, 10_000);
        Awaits.until("8 slow requests in flight", Duration.ofSeconds(20), proxy, () -> client.totals().of("slow").inFlight() == 8);
        Awaits.sleep(Duration.ofSeconds(1));
        Window w = windows.open("g. SIGTERM with 8 slow requests in flight");
        client.drain();
        Lab.signal(proxy.pid(), "TERM");
        assertThat(proxy.awaitExit(Duration.ofSeconds(30))).as("the proxy exits within its shutdown grace").isTrue();
        client.awaitIdle(15_000);
        List<Outcome> outcomes = windows.close(w);
        Counts slow = outcomes.stream().filter(o -> o.target().equals("slow")).findFirst().orElseThrow().counts();
        System.out.printf("g. SIGTERM: %d slow requests answered 200 after the signal, %d failed; proxy exit code %d%n",
                slow.ok(), slow.failed(), proxy.process().exitValue());
        assertZeroFailed(outcomes);
        assertThat(slow.ok()).as("slow requests in flight at SIGTERM, answered").isGreaterThanOrEqualTo(8);
        assertThat(proxy.process().exitValue()).as("exit code").isZero();
        assertThat(proxy.log()).contains("stopping").contains("stopped");
    }

    // ------------------------------------------------------------------ helpers

    private static void assertZeroFailed(List<Outcome> outcomes) {
        assertThat(outcomes).isNotEmpty();
        for (Outcome o : outcomes) {
            assertThat(o.counts().ended()).as("requests sent: %s", o.line()).isPositive();
            assertThat(o.counts().failed()).as("%s%n  %s", o.line(),
                    String.join("\n  ", ScenarioWindows.describeFailures(o.failures(), 0))).isZero();
        }
    }

    /** Waits until each service has {@code replicas} running tasks and the proxy routes to exactly those. */
    private void awaitConverged(int replicas) throws Exception {
        for (Map.Entry<String, String> s : Map.of("web", webService, "plain", plainService).entrySet()) {
            Awaits.until(s.getKey() + " routes to exactly the " + replicas + " running tasks of " + s.getValue(), CONVERGE, proxy, () -> {
                Set<String> running = lab.runningAddresses(s.getValue(), PORT);
                return running.size() == replicas && proxy.endpoints(s.getKey()).keySet().equals(running);
            });
        }
    }

    private String config(int variant) {
        return ChaosConfig.yaml(variant, webService, plainService, lab.socket().toString());
    }

    private static String tail(String text, int lines) {
        String[] all = text.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
    }
}
