package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Sticky sessions against a real Swarm service whose tasks come and go: the real jar in the
 * network namespace of a container on the overlay (as in {@link SwarmProxyIT}), a service
 * labelled {@code ingress.sticky=true} whose tasks answer with their task id, and a dozen
 * sessions that send back the cookie they were last given, as browsers do. The rule checked
 * throughout a scale up, a scale down and a rolling update: a session moves off its task only
 * once Swarm has told that task to stop, and then sticks to its new one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StickySwarmIT {
    private static final String DOCKER = "/usr/bin/docker";
    private static final String IMAGE = "demo/busybox:local";
    private static final String NETWORK = "appnet";
    /** The container's hostname is its task id: a response names the task that served it. */
    private static final String TASK_COMMAND = "hostname > /www/index.html && exec httpd -f -p 8080 -h /www";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SESSIONS = 12;

    private final String suffix = Integer.toString(ThreadLocalRandom.current().nextInt(100_000, 999_999));
    private final String service = "si-sticky-" + suffix;
    private final String probe = "si-sticky-probe-" + suffix;
    private final List<Session> sessions = new ArrayList<>();
    private Path dir;
    private String labSocket;
    private String netns;
    private Process proxy;
    private Path proxyLog;

    /** A browser: the cookie it was last given, and the tasks that served it. */
    private static final class Session {
        String cookie;
        final List<String> tasks = new ArrayList<>();
        int cookiesGiven;

        String last() {
            return tasks.get(tasks.size() - 1);
        }
    }

    @BeforeAll
    void startProxyInsideTheOverlay() throws Exception {
        String host = System.getenv("DOCKER_HOST");
        if (host == null || !host.startsWith("unix://")) {
            String why = "DOCKER_HOST is not a unix:// socket of the Swarm lab (bash bench/swarm/lab.sh up)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("CI=true and " + why);
            }
            Assumptions.abort(why);
        }
        labSocket = host.substring("unix://".length());
        String jar = System.getProperty("swarm.ingress.jar");
        assertThat(jar).as("system property swarm.ingress.jar (set by the failsafe plugin)").isNotNull();
        dir = Files.createTempDirectory("sticky-swarm-it");
        docker("run", "-d", "--name", probe, "--network", NETWORK, IMAGE, "sleep", "3600");
        netns = "/proc/" + docker("inspect", "-f", "{{.State.Pid}}", probe).trim() + "/ns/net";
        docker("service", "create", "--detach", "--no-resolve-image", "--name", service, "--replicas", "3",
                "--hostname", "{{.Task.ID}}", "--network", NETWORK, "--update-parallelism", "1", "--update-delay", "2s",
                "--label", "ingress.enable=true", "--label", "ingress.port=8080", "--label", "ingress.http.host=sticky.test",
                "--label", "ingress.sticky=true", IMAGE, "sh", "-c", TASK_COMMAND);
        Path config = dir.resolve("ingress.yaml");
        Files.writeString(config, String.join("\n",
                "io_threads: 1",
                "admin: {address: '127.0.0.1:19092'}",
                "entrypoints: [{name: web, address: '127.0.0.1:18082'}]",
                "swarm:",
                "  endpoints: ['unix://" + labSocket + "']",
                "  network: " + NETWORK,
                "  entrypoint: web",
                "  debounce: 50ms",
                "  resync_interval: 5s",
                ""));
        proxyLog = dir.resolve("proxy.log");
        proxy = new ProcessBuilder("nsenter", "--net=" + netns, "java", "-Xmx256m", "-jar", jar, "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(proxyLog.toFile()).start();
        awaitEndpoints(3);
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (proxy != null) {
            proxy.destroy();
            if (!proxy.waitFor(15, TimeUnit.SECONDS)) {
                proxy.destroyForcibly();
            }
            System.out.println("---- proxy log ----\n" + Files.readString(proxyLog));
        }
        if (labSocket != null) {
            run(false, DOCKER, "-H", "unix://" + labSocket, "service", "rm", service);
            run(false, DOCKER, "-H", "unix://" + labSocket, "rm", "-f", probe);
        }
    }

    @Test
    @Order(1)
    void theFirstResponsesPinTheSessionsAcrossTheTasks() throws Exception {
        for (int i = 0; i < SESSIONS; i++) {
            sessions.add(new Session());
        }
        round();
        Set<String> tasks = new HashSet<>();
        for (Session s : sessions) {
            assertThat(s.cookie).as("the first response sets the cookie").startsWith("ingress_" + service + "=");
            tasks.add(s.last());
        }
        assertThat(tasks).as("round robin spreads the new sessions").hasSize(3);
        round();
        round();
        for (Session s : sessions) {
            assertThat(s.tasks).as("a session sticks").containsOnly(s.tasks.get(0));
            assertThat(s.cookiesGiven).as("and gets no new cookie").isEqualTo(1);
        }
    }

    @Test
    @Order(2)
    void scalingUpMovesNoSessionAndScalingDownOnlyThoseOfTheTasksThatLeft() throws Exception {
        docker("service", "scale", "--detach", service + "=5");
        awaitEndpoints(5);
        Map<Session, String> before = pinned();
        round();
        round();
        for (Session s : sessions) {
            assertThat(s.last()).as("scaled up: no session moves").isEqualTo(before.get(s));
        }
        docker("service", "scale", "--detach", service + "=2");
        awaitEndpoints(2);
        before = pinned();
        round();
        int moved = 0;
        for (Session s : sessions) {
            String was = before.get(s);
            if (!s.last().equals(was)) {
                moved++;
                assertThat(meantToRun(was)).as("session moved off task %s, which Swarm had not told to stop", was).isFalse();
            } else {
                assertThat(meantToRun(was)).as("session still on task %s, which left", was).isTrue();
            }
        }
        round();
        for (Session s : sessions) {
            assertThat(s.tasks.get(s.tasks.size() - 2)).as("and sticks to its new task").isEqualTo(s.last());
        }
        System.out.printf("scale 5 -> 2: %d of %d sessions moved%n", moved, SESSIONS);
    }

    @Test
    @Order(3)
    void aRollingUpdateMovesEachSessionOnlyWhenItsTaskIsReplaced() throws Exception {
        Set<String> oldTasks = new HashSet<>(pinned().values());
        docker("service", "update", "--detach", "--force", service);
        int moves = 0;
        int stayedWhileAnotherWasReplaced = 0;
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            Map<Session, String> before = pinned();
            round();
            Set<String> stopped = new HashSet<>();
            for (Session s : sessions) {
                String was = before.get(s);
                if (!s.last().equals(was)) {
                    moves++;
                    assertThat(meantToRun(was)).as("session moved off task %s while Swarm still meant it to run", was).isFalse();
                    stopped.add(was);
                }
            }
            for (Session s : sessions) {
                if (!stopped.isEmpty() && !stopped.contains(before.get(s)) && s.last().equals(before.get(s))) {
                    stayedWhileAnotherWasReplaced++;
                }
            }
            boolean allNew = true;
            for (Session s : sessions) {
                allNew &= !oldTasks.contains(s.last());
            }
            if (allNew && updateState().equals("completed")) {
                break;
            }
            if (System.nanoTime() - end > 0) {
                fail("the rolling update did not complete in 90 s (state " + updateState() + ")");
            }
            Thread.sleep(200);
        }
        System.out.printf("rolling update of 2 tasks: %d session moves; %d times a session kept its task while another"
                + " task's sessions moved%n", moves, stayedWhileAnotherWasReplaced);
        assertThat(moves).as("every session moved at least once: all its tasks were replaced").isGreaterThanOrEqualTo(SESSIONS);
        assertThat(stayedWhileAnotherWasReplaced).as("replacing one task left the other's sessions where they were").isPositive();
        round();
        round();
        for (Session s : sessions) {
            assertThat(s.tasks.get(s.tasks.size() - 2)).isEqualTo(s.last());
            assertThat(meantToRun(s.last())).isTrue();
        }
    }

    // ------------------------------------------------------------------ helpers

    private Map<Session, String> pinned() {
        Map<Session, String> out = new HashMap<>();
        sessions.forEach(s -> out.put(s, s.last()));
        return out;
    }

    /**
     * One request per session, all in one curl run ({@code --next} separates them), each with
     * its session's cookie; the Set-Cookie of each answer replaces it.
     */
    private void round() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + netns, "curl", "-s"));
        for (int i = 0; i < sessions.size(); i++) {
            if (i > 0) {
                cmd.add("--next");
            }
            cmd.addAll(List.of("-m", "5", "-H", "Host: sticky.test", "-w", "\\n@@%{http_code} %header{set-cookie}\\n"));
            if (sessions.get(i).cookie != null) {
                cmd.addAll(List.of("-H", "Cookie: " + sessions.get(i).cookie));
            }
            cmd.add("http://127.0.0.1:18082/");
        }
        String out = run(false, cmd.toArray(new String[0]));
        String[] parts = out.split("\n@@", -1);
        assertThat(parts).as("one answer per session: %s", out).hasSize(sessions.size() + 1);
        String body = parts[0];
        for (int i = 0; i < sessions.size(); i++) {
            String rest = parts[i + 1];
            int nl = rest.indexOf('\n');
            String status = nl < 0 ? rest : rest.substring(0, nl);
            assertThat(status).as("answer to session %d: %s", i, status).startsWith("200 ");
            String setCookie = status.substring(4).trim();
            Session s = sessions.get(i);
            if (!setCookie.isEmpty()) {
                s.cookie = setCookie.substring(0, setCookie.indexOf(';'));
                s.cookiesGiven++;
            }
            s.tasks.add(body.trim());
            body = nl < 0 ? "" : rest.substring(nl + 1);
        }
    }

    /** Whether Swarm still means the task to run; false once it told it to stop, or forgot it. */
    private boolean meantToRun(String taskId) throws Exception {
        String state = run(false, DOCKER, "-H", "unix://" + labSocket, "inspect", "-f", "{{.DesiredState}}", taskId).trim();
        return state.equals("running");
    }

    private String updateState() {
        return docker("service", "inspect", "-f", "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}", service).trim();
    }

    private void awaitEndpoints(int n) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        int last = -1;
        while (System.nanoTime() - end < 0) {
            if (!proxy.isAlive()) {
                fail("the proxy exited:\n" + Files.readString(proxyLog));
            }
            String body = run(false, "nsenter", "--net=" + netns, "curl", "-s", "-m", "3", "http://127.0.0.1:19092/routes");
            if (!body.isBlank()) {
                for (JsonNode s : JSON.readTree(body).path("services")) {
                    if (s.path("name").asText().equals(service)) {
                        last = s.path("endpoints").size();
                    }
                }
            }
            if (last == n) {
                return;
            }
            Thread.sleep(50);
        }
        fail("service " + service + " has " + last + " endpoints, not " + n + "; proxy log:\n" + Files.readString(proxyLog));
    }

    private String docker(String... args) {
        String[] cmd = new String[args.length + 3];
        cmd[0] = DOCKER;
        cmd[1] = "-H";
        cmd[2] = "unix://" + labSocket;
        System.arraycopy(args, 0, cmd, 3, args.length);
        try {
            return run(true, cmd);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(String.join(" ", cmd) + ": " + e, e);
        }
    }

    private static String run(boolean check, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", cmd));
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (check && p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + text);
        }
        return text;
    }
}
