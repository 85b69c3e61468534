package io.swarmingress.proxy.chaos;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * The single-node Swarm lab of {@code bench/swarm/lab.sh}, as the chaos test drives it: the
 * Docker CLI against the lab's socket, the running tasks of a service with their overlay
 * addresses, and the lab's dockerd process itself (to freeze it).
 */
final class Lab {
    static final String DOCKER = "/usr/bin/docker";
    static final String IMAGE = "demo/busybox:local";
    static final String NETWORK = "appnet";

    private final Path socket;

    private Lab(Path socket) {
        this.socket = socket;
    }

    /** The lab named by DOCKER_HOST; the test is skipped without one, and fails without one on CI. */
    static Lab fromEnvironment() {
        String host = System.getenv("DOCKER_HOST");
        if (host == null || !host.startsWith("unix://")) {
            String why = "DOCKER_HOST is not a unix:// socket of the Swarm lab (bash bench/swarm/lab.sh up)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("CI=true and " + why);
            }
            Assumptions.abort(why);
        }
        return new Lab(Path.of(host.substring("unix://".length())));
    }

    Path socket() {
        return socket;
    }

    /** The lab's dockerd, from the pidfile lab.sh gives it beside its socket. */
    long dockerdPid() throws IOException {
        Path pidfile = socket.resolveSibling("dockerd.pid");
        return Long.parseLong(Files.readString(pidfile).trim());
    }

    /** Runs a Docker CLI command against the lab; fails on a non-zero exit. */
    String docker(String... args) {
        try {
            return run(true, dockerCommand(args));
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(String.join(" ", args) + ": " + e, e);
        }
    }

    /** The same, for clean-ups whose failure does not matter. */
    void dockerQuietly(String... args) {
        try {
            run(false, dockerCommand(args));
        } catch (IOException | InterruptedException e) {
            // best effort
        }
    }

    private String[] dockerCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(DOCKER, "-H", "unix://" + socket));
        cmd.addAll(List.of(args));
        return cmd.toArray(new String[0]);
    }

    /**
     * Overlay addresses of the service's tasks whose desired state and status are both running:
     * what the proxy should route to once discovery has caught up.
     */
    Set<String> runningAddresses(String service, int port) {
        Set<String> out = new HashSet<>();
        String ids = docker("service", "ps", "-q", "--no-trunc", "--filter", "desired-state=running", service).trim();
        if (ids.isEmpty()) {
            return out;
        }
        List<String> cmd = new ArrayList<>(List.of("inspect", "-f",
                "{{.Status.State}}{{range .NetworksAttachments}} {{.Network.Spec.Name}}={{range .Addresses}}{{.}}{{end}}{{end}}"));
        cmd.addAll(List.of(ids.split("\\s+")));
        for (String line : docker(cmd.toArray(new String[0])).split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 2 || !f[0].equals("running")) {
                continue;
            }
            for (int i = 1; i < f.length; i++) {
                if (f[i].startsWith(NETWORK + "=")) {
                    String cidr = f[i].substring(NETWORK.length() + 1);
                    out.add(cidr.substring(0, cidr.indexOf('/')) + ":" + port);
                }
            }
        }
        return out;
    }

    /** A running container of the service on this node, with its overlay address. */
    record Task(String containerId, String address) {
    }

    Task someRunningTask(String service, int port) {
        String ids = docker("ps", "-q", "--no-trunc", "--filter", "label=com.docker.swarm.service.name=" + service).trim();
        if (ids.isEmpty()) {
            throw new AssertionError("no running container of " + service);
        }
        String id = ids.split("\\s+")[0];
        String ip = docker("inspect", "-f", "{{(index .NetworkSettings.Networks \"" + NETWORK + "\").IPAddress}}", id).trim();
        return new Task(id, ip + ":" + port);
    }

    /** IDs of the service's tasks whose desired state is running. */
    Set<String> taskIds(String service) {
        String ids = docker("service", "ps", "-q", "--no-trunc", "--filter", "desired-state=running", service).trim();
        return ids.isEmpty() ? Set.of() : Set.of(ids.split("\\s+"));
    }

    /** The status of every node of the swarm (Ready, Down, ...), one word each. */
    String nodeStatus() {
        return docker("node", "ls", "--format", "{{.Hostname}}={{.Status}}").trim().replace('\n', ' ');
    }

    /**
     * When Docker saw the container die (epoch milliseconds, from its event stream), looking at the
     * events since {@code sinceEpochMillis}; -1 when there is no such event.
     */
    long diedAtMillis(String containerId, long sinceEpochMillis) {
        String since = sinceEpochMillis / 1000 + "." + String.format("%03d", sinceEpochMillis % 1000);
        long now = System.currentTimeMillis();
        String until = now / 1000 + "." + String.format("%03d", now % 1000);
        String out = docker("events", "--since", since, "--until", until, "--filter", "container=" + containerId,
                "--filter", "event=die", "--format", "{{.TimeNano}}").trim();
        return out.isEmpty() ? -1 : Long.parseLong(out.split("\\s+")[0]) / 1_000_000;
    }

    /** The state of the service's last update (updating, completed, paused, ...), or "" before any. */
    String updateState(String service) {
        return docker("service", "inspect", "-f", "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}", service).trim();
    }

    /** Sends a signal to a process of ours or of the lab (kill -SIG PID). */
    static void signal(long pid, String signal) throws IOException, InterruptedException {
        run(true, "kill", "-" + signal, Long.toString(pid));
    }

    static String run(boolean check, String... cmd) throws IOException, InterruptedException {
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
