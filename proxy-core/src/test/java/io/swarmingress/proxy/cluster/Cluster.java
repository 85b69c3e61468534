package io.swarmingress.proxy.cluster;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.swarmingress.proxy.testing.Command;

/**
 * The three-node lab swarm of {@code bench/swarm/cluster.sh} (one dockerd per network namespace,
 * node N at 192.168.77.1N, reachable from the host) with Swarm Ingress deployed on it as users
 * deploy it: the image built offline from the real Dockerfile on node1 and loaded into the other
 * daemons (no registry), {@code deploy/stack.yml} deployed with {@code docker stack deploy}, so
 * that managers run the service {@code proxy} (Docker socket, relay) and workers the service
 * {@code proxy-worker} (no socket, following the relay).
 */
final class Cluster implements AutoCloseable {
    static final String DOCKER = "/usr/bin/docker";
    static final String NETWORK = "appnet";
    static final String DEMO_IMAGE = "demo/busybox:local";
    static final int WEB_PORT = 8000;
    static final int ADMIN_PORT = 9090;
    static final String STACK = "si";
    /** Each task answers with its own hostname (its container id), so a response names its endpoint. */
    private static final String TASK_COMMAND = "hostname > /www/index.html && exec httpd -f -p 8080 -h /www";
    private static final String IMAGE = "swarm-ingress:cluster-it";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path repo;
    private final Path script;
    private final Path dir;
    /** The node whose manager the swarm-wide commands go to (node1 unless it was lost). */
    private volatile int manager = 1;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1)).build();

    private Cluster(Path repo, Path dir) {
        this.repo = repo;
        this.script = repo.resolve("bench/swarm/cluster.sh");
        this.dir = dir;
    }

    /** Brings the swarm up with 1 or 3 managers, builds and loads the image, deploys the stack. */
    static Cluster up(int managers) throws Exception {
        Path repo = Path.of(System.getProperty("swarm.ingress.repo", "..")).toRealPath();
        Cluster c = new Cluster(repo, Files.createTempDirectory("cluster-it"));
        try {
            c.start(managers);
        } catch (Exception | AssertionError e) {
            c.close();
            throw e;
        }
        return c;
    }

    private void start(int managers) throws Exception {
        Command.of("bash", script.toString(), "up", "--managers", Integer.toString(managers))
                .timeout(Duration.ofMinutes(5)).check();
        long t0 = System.nanoTime();
        Command.of("bash", repo.resolve("deploy/jre-image.sh").toString(), "local/jre:17")
                .env(Map.of("DOCKER_HOST", host(1))).timeout(Duration.ofMinutes(5)).check();
        Command.of(DOCKER, "-H", host(1), "build", "-q", "--build-arg", "JRE_IMAGE=local/jre:17",
                        "--build-arg", "DOCKER_GID=" + socketGid(), "-t", IMAGE, ".")
                .env(Map.of("DOCKER_BUILDKIT", "0")).in(repo).timeout(Duration.ofMinutes(5)).check();
        Path tar = dir.resolve("image.tar");
        docker(1, "save", "-o", tar.toString(), IMAGE);
        for (int n = 2; n <= 3; n++) {
            docker(n, "load", "-q", "-i", tar.toString());
        }
        System.out.printf("cluster: image built on node1 and loaded into node2 and node3 in %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
    }

    static String address(int node) {
        return "192.168.77.1" + node;
    }

    static List<String> addresses() {
        return List.of(address(1), address(2), address(3));
    }

    String host(int node) {
        return "unix:///tmp/swarm-ingress-cluster/node" + node + "/docker.sock";
    }

    private String socketGid() throws IOException {
        return Files.getAttribute(Path.of(host(1).substring("unix://".length())), "unix:gid").toString();
    }

    /** Deploys deploy/stack.yml (with the shared relay token when asked) and waits until every node's proxy is healthy. */
    long deploy(boolean token) throws Exception {
        Path config = dir.resolve("ingress.yaml");
        // The tests read each node's routing table (/routes) from outside: the admin listener on every
        // address of the container (INGRESS_ADMIN_ADDRESS below), in place of the probes-only one on the
        // published admin port.
        Files.writeString(config, Files.readString(repo.resolve("deploy/ingress.yaml"))
                .replace("  probes: 0.0.0.0:9090\n", ""));
        Map<String, String> env = new HashMap<>(Map.of("DOCKER_HOST", host(1), "INGRESS_IMAGE", IMAGE,
                "INGRESS_HTTP_PORT", Integer.toString(WEB_PORT), "INGRESS_ADMIN_PORT", Integer.toString(ADMIN_PORT),
                "INGRESS_NETWORK", NETWORK, "INGRESS_CONFIG_FILE", config.toString(),
                "INGRESS_SHUTDOWN_DELAY", "1s", "DOCKER_GID", socketGid(), "DOCKER_SOCKET", "/run/swarm-node/docker.sock"));
        // Through the environment, not the file: the image's HEALTHCHECK asks INGRESS_ADMIN_ADDRESS too
        // (with the file alone it asked 127.0.0.1:9092, where nothing listened, and Swarm replaced every
        // proxy a minute after it started: the workers lost the relay they followed).
        env.put("INGRESS_ADMIN_ADDRESS", "0.0.0.0:" + ADMIN_PORT);
        List<String> cmd = new ArrayList<>(List.of(DOCKER, "stack", "deploy", "--resolve-image", "never",
                "-c", repo.resolve("deploy/stack.yml").toString()));
        if (token) {
            Command.of("bash", "-c", "head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n' | " + DOCKER
                    + " -H " + host(1) + " secret create ingress-relay-token -").check();
            cmd.addAll(List.of("-c", repo.resolve("deploy/stack-relay-token.yml").toString()));
        }
        cmd.add(STACK);
        long start = System.nanoTime();
        Command.of(cmd).env(env).timeout(Duration.ofMinutes(2)).check();
        await("every node's proxy answers /healthz", Duration.ofSeconds(180), () -> {
            for (int n = 1; n <= 3; n++) {
                if (!admin(n, "/healthz").startsWith("200 ")) {
                    return false;
                }
            }
            return true;
        });
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Swarm-wide commands go to this node's manager from now on. */
    void useManager(int node) {
        manager = node;
    }

    /** A demo service with one task on each of these nodes, routed by its labels as {@code host}. */
    void demo(String name, String host, List<Integer> nodes) {
        docker(manager, "service", "create", "--detach", "--no-resolve-image", "--name", name,
                "--replicas", Integer.toString(nodes.size()), "--replicas-max-per-node", "1", "--network", NETWORK,
                "--label", "ingress.enable=true", "--label", "ingress.port=8080", "--label", "ingress.http.host=" + host,
                DEMO_IMAGE, "sh", "-c", TASK_COMMAND);
        await(name + " runs a task on each of the nodes " + nodes, Duration.ofSeconds(120), () -> {
            for (int n : nodes) {
                if (containers(n, name).size() != 1) {
                    return false;
                }
            }
            return true;
        });
    }

    /** Running containers (short ids, the tasks' hostnames) of a service on one node. */
    Set<String> containers(int node, String service) {
        String ids = docker(node, "ps", "-q", "--filter", "label=com.docker.swarm.service.name=" + service,
                "--filter", "status=running");
        return new TreeSet<>(ids.lines().map(String::strip).filter(s -> !s.isEmpty()).toList());
    }

    /** A container's address on the routed overlay network. */
    String overlayAddress(int node, String container) {
        return docker(node, "inspect", "-f", "{{(index .NetworkSettings.Networks \"" + NETWORK + "\").IPAddress}}", container)
                .strip();
    }

    /** The addresses of a service's endpoints in one node proxy's routing table (/routes); empty when it cannot answer. */
    Set<String> endpoints(int node, String service) {
        Set<String> out = new TreeSet<>();
        String r = admin(node, "/routes");
        if (!r.startsWith("200 ")) {
            return out;
        }
        try {
            for (JsonNode s : JSON.readTree(r.substring(4)).path("services")) {
                if (s.path("name").asText().equals(service)) {
                    for (JsonNode e : s.path("endpoints")) {
                        String a = e.path("address").asText();
                        out.add(a.substring(a.indexOf('/') + 1, a.lastIndexOf(':')));
                    }
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** The discovery section of one node proxy's /routes. */
    JsonNode discovery(int node) throws IOException {
        String r = admin(node, "/routes");
        return r.startsWith("200 ") ? JSON.readTree(r.substring(4)).path("discovery") : JSON.missingNode();
    }

    String get(int node, String host) {
        return send("http://" + address(node) + ":" + WEB_PORT + "/", host);
    }

    String admin(int node, String path) {
        return send("http://" + address(node) + ":" + ADMIN_PORT + path, null);
    }

    private String send(String url, String host) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3));
            if (host != null) {
                b.header("Host", host);
            }
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body();
        } catch (IOException e) {
            return "000 " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "000 interrupted";
        }
    }

    /** Every process of a node killed at once, as when its machine dies. */
    void kill(int node) {
        Command.of("bash", script.toString(), "kill", Integer.toString(node)).timeout(Duration.ofMinutes(1)).check();
    }

    int leader() {
        return Integer.parseInt(Command.of("bash", script.toString(), "leader").timeout(Duration.ofMinutes(1)).check().strip());
    }

    String docker(int node, String... args) {
        List<String> cmd = new ArrayList<>(List.of(DOCKER, "-H", host(node)));
        cmd.addAll(List.of(args));
        return Command.of(cmd).timeout(Duration.ofMinutes(2)).check();
    }

    /** The logs of the proxies (both services), for a failure's message. */
    String proxyLogs() {
        return Command.of(DOCKER, "-H", host(manager), "service", "logs", "--raw", "--tail", "60", STACK + "_proxy").run().output()
                + Command.of(DOCKER, "-H", host(manager), "service", "logs", "--raw", "--tail", "60", STACK + "_proxy-worker").run().output();
    }

    interface Check {
        boolean ok() throws Exception;
    }

    void await(String what, Duration timeout, Check check) {
        long end = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() - end < 0) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (Exception | AssertionError e) {
                last = e instanceof Exception ex ? ex : new Exception(e);
            }
            pause(100);
        }
        fail("timed out after " + timeout + " waiting for " + what + (last == null ? "" : " (last error: " + last + ")")
                + "\nproxy logs:\n" + proxyLogs());
    }

    static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Takes the whole swarm down (every node's containers and daemons, the namespaces, the files). */
    @Override
    public void close() {
        Command.of("bash", script.toString(), "down").timeout(Duration.ofMinutes(3)).run();
    }
}
