package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * The real Swarm started by {@code bench/swarm/lab.sh up}, found through {@code SWARM_LAB_SOCKET}
 * or {@code DOCKER_HOST}. Under {@code CI=true} a missing or dead lab fails the run, it is never
 * skipped; elsewhere the Swarm tests are skipped with the command that starts the lab.
 */
final class SwarmLab {
    static final String DOCKER = "/usr/bin/docker";
    static final String IMAGE = "demo/busybox:local";
    static final String NETWORK = "appnet";
    private static final String HOW = "start the lab: bash bench/swarm/lab.sh up && eval \"$(bash bench/swarm/lab.sh env)\"";

    private static volatile SwarmLab instance;
    final Path socket;
    private final Set<String> created = ConcurrentHashMap.newKeySet();

    private SwarmLab(Path socket) {
        this.socket = socket;
    }

    /** The lab, or a failure (CI) or skip (elsewhere) that says how to start it. */
    static synchronized SwarmLab get() {
        if (instance != null) {
            return instance;
        }
        String problem = null;
        Path socket = null;
        String explicit = System.getenv("SWARM_LAB_SOCKET");
        String host = System.getenv("DOCKER_HOST");
        if (explicit != null && !explicit.isBlank()) {
            socket = Path.of(explicit);
        } else if (host != null && host.startsWith("unix://")) {
            socket = Path.of(host.substring("unix://".length()));
        } else {
            problem = "neither SWARM_LAB_SOCKET nor a unix:// DOCKER_HOST is set";
        }
        if (socket != null) {
            SwarmLab lab = new SwarmLab(socket);
            try {
                String state = lab.docker("info", "-f", "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}").trim();
                if (!state.equals("active true")) {
                    problem = "the engine on " + socket + " is not a swarm manager (" + state + ")";
                } else {
                    lab.docker("network", "inspect", NETWORK);
                    lab.docker("image", "inspect", IMAGE);
                    instance = lab;
                    return lab;
                }
            } catch (RuntimeException e) {
                problem = "no usable Swarm lab on " + socket + ": " + e.getMessage();
            }
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("CI=true and the Swarm lab is missing (" + problem + "); " + HOW);
        }
        Assumptions.abort("Swarm tests skipped: " + problem + "; " + HOW);
        throw new AssertionError("unreachable");
    }

    String endpoint() {
        return "unix://" + socket;
    }

    /** Runs the Debian docker client against the lab; fails the test on a non-zero exit. */
    String docker(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(DOCKER);
        cmd.add("-H");
        cmd.add(endpoint());
        cmd.addAll(Arrays.asList(args));
        return run(cmd, 120);
    }

    static String run(List<String> cmd, int timeoutSeconds) {
        try {
            Path err = Files.createTempFile("lab-cmd", ".err");
            try {
                Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
                p.getOutputStream().close();
                byte[] out;
                try (InputStream in = p.getInputStream()) {
                    out = in.readAllBytes();
                }
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(cmd + " did not end within " + timeoutSeconds + " s");
                }
                if (p.exitValue() != 0) {
                    throw new IllegalStateException(cmd + " exited " + p.exitValue() + ": "
                            + Files.readString(err).trim());
                }
                return new String(out, StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException(cmd + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(cmd + ": interrupted", e);
        }
    }

    /** A service name no earlier run used. */
    static String uniqueName(String prefix) {
        return prefix + "-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    }

    /**
     * Creates a busybox httpd service on appnet (port 8080), returning at once; labels as
     * key=value pairs.
     */
    void createService(String name, int replicas, String... labels) {
        createService(name, replicas, List.of("--stop-grace-period", "1s"), labels);
    }

    /** As {@link #createService(String, int, String...)}, with more {@code service create} options. */
    void createService(String name, int replicas, List<String> options, String... labels) {
        List<String> args = new ArrayList<>(List.of("service", "create", "-d", "--name", name, "--replicas",
                String.valueOf(replicas), "--network", NETWORK, "--no-resolve-image"));
        args.addAll(options);
        for (String l : labels) {
            args.add("--label");
            args.add(l);
        }
        args.add(IMAGE);
        created.add(name);
        docker(args.toArray(String[]::new));
    }

    void scale(String name, int replicas) {
        docker("service", "scale", "-d", name + "=" + replicas);
    }

    void removeService(String name) {
        docker("service", "rm", name);
        created.remove(name);
    }

    /**
     * Freezes the lab's dockerd (SIGSTOP, by the pid in the lab's pidfile next to its socket) for
     * the given time, then thaws it (SIGCONT), whatever happens in between. Containers keep
     * running (containerd and the shims are other processes); the Engine API and the swarm's
     * manager and agent stand still, as on a node that misses its heartbeats.
     *
     * @return the wall-clock millis of the freeze and of the thaw
     */
    long[] freezeDaemon(java.time.Duration frozen) {
        Path pidfile = socket.resolveSibling("dockerd.pid");
        String pid;
        try {
            pid = Files.readString(pidfile).trim();
        } catch (IOException e) {
            throw new IllegalStateException("no pidfile of the lab's dockerd at " + pidfile + " (bench/swarm/lab.sh writes"
                    + " it): " + e, e);
        }
        if (!pid.matches("[0-9]+")) {
            throw new IllegalStateException(pidfile + " holds '" + pid + "'");
        }
        long stop = System.currentTimeMillis();
        run(List.of("kill", "-STOP", pid), 10);
        try {
            Thread.sleep(frozen.toMillis()); // the fault's duration, not a wait for a result
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            run(List.of("kill", "-CONT", pid), 10);
        }
        return new long[] {stop, System.currentTimeMillis()};
    }

    /** Removes what this run created; for @AfterEach/@AfterAll. */
    void cleanup() {
        for (String name : List.copyOf(created)) {
            try {
                removeService(name);
            } catch (RuntimeException e) {
                // already gone
            }
        }
    }

    /** One task as the docker CLI shows it, with its appnet address. */
    record LabTask(String id, String state, String desired, Instant timestamp, String address) {
        boolean running() {
            return state.equals("running") && desired.equals("running");
        }
    }

    /** Every task of the service, history included, by task id. */
    Map<String, LabTask> tasks(String service) {
        String ids = docker("service", "ps", "-q", "--no-trunc", service).trim();
        Map<String, LabTask> out = new TreeMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        List<String> args = new ArrayList<>(List.of("inspect", "--format",
                "{{.ID}}|{{.Status.State}}|{{.DesiredState}}|{{json .Status.Timestamp}}|"
                        + "{{range .NetworksAttachments}}{{if eq .Network.Spec.Name \"" + NETWORK + "\"}}"
                        + "{{index .Addresses 0}}{{end}}{{end}}"));
        args.addAll(Arrays.asList(ids.split("\\s+")));
        for (String line : docker(args.toArray(String[]::new)).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\\|", -1);
            String address = f[4].contains("/") ? f[4].substring(0, f[4].indexOf('/')) : f[4];
            out.put(f[0], new LabTask(f[0], f[1], f[2], Instant.parse(f[3].replace("\"", "")), address));
        }
        return out;
    }

    /** The appnet addresses of the service's running tasks. */
    List<String> runningAddresses(String service) {
        List<String> out = new ArrayList<>();
        for (LabTask t : tasks(service).values()) {
            if (t.running()) {
                out.add(t.address());
            }
        }
        out.sort(null);
        return out;
    }
}
