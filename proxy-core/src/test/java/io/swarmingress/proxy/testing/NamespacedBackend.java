package io.swarmingress.proxy.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.awaitility.Awaitility;

/**
 * A keep-alive HTTP/1.1 backend in a network namespace of its own, reached from the host over a
 * veth pair, whose link can be {@link #cut}: from then on every packet to it vanishes (no FIN, no
 * RST, no ACK), as when the node a task runs on dies. It answers each request head with 200 and
 * its name (socat, one bash loop per connection; request bodies are not supported), except
 * {@code GET /hold}, which it reads (its kernel acknowledges it) and never answers.
 *
 * <p>Needs root and iproute2 ({@code ip netns}), as the lab swarms do; a machine without them
 * fails the test rather than skipping it.
 */
public final class NamespacedBackend implements AutoCloseable {
    private static final int PORT = 8080;
    private static final String RESPONDER = """
            while IFS= read -r line; do
              line=${line%%$'\\r'}
              case "$line" in "GET /hold "*) hold=1 ;; esac
              if [ -z "$line" ]; then
                if [ -n "$hold" ]; then : > '%3$s'; exec sleep 3600; fi
                printf 'HTTP/1.1 200 OK\\r\\nContent-Length: %1$d\\r\\n\\r\\n%2$s'
              fi
            done
            """;

    private final String namespace;
    private final String address;
    private final String hostSide;
    private final String prefix;
    private final Path dir;
    private Process socat;

    private NamespacedBackend() throws IOException {
        int id = ThreadLocalRandom.current().nextInt(1 << 16);
        namespace = "si-dp-" + Integer.toHexString(id);
        hostSide = "sidp" + Integer.toHexString(id) + "h";
        prefix = "10.254." + (id & 0xff) + ".";
        address = prefix + "2";
        dir = Files.createTempDirectory("namespaced-backend");
    }

    private void setUp(String name) throws IOException {
        Path script = dir.resolve("responder.sh");
        Files.writeString(script, RESPONDER.formatted(name.length(), name, held()));
        ip("netns", "add", namespace);
        ip("link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", namespace);
        ip("addr", "add", prefix + "1/30", "dev", hostSide);
        ip("link", "set", hostSide, "up");
        inside("ip", "addr", "add", address + "/30", "dev", "eth0");
        inside("ip", "link", "set", "eth0", "up");
        inside("ip", "link", "set", "lo", "up");
        socat = new ProcessBuilder("ip", "netns", "exec", namespace, "socat",
                "TCP-LISTEN:" + PORT + ",bind=" + address + ",reuseaddr,fork", "EXEC:bash " + script)
                .redirectErrorStream(true).redirectOutput(dir.resolve("socat.log").toFile()).start();
        Awaitility.await("socat listening in " + namespace).atMost(Duration.ofSeconds(10)).until(this::listening);
    }

    /** Starts a backend answering {@code name}; fails when the namespace or its link cannot be made. */
    public static NamespacedBackend start(String name) throws IOException {
        NamespacedBackend b = new NamespacedBackend();
        try {
            b.setUp(name);
        } catch (IOException | RuntimeException | Error e) {
            b.close();
            throw e;
        }
        return b;
    }

    public String hostPort() {
        return address + ":" + PORT;
    }

    /** Whether it has read a {@code GET /hold} (and holds it unanswered). */
    public boolean holding() {
        return Files.exists(held());
    }

    private Path held() {
        return dir.resolve("held");
    }

    /** The namespace's end of the link goes down: what was sent to it, and what will be, is lost without a word. */
    public void cut() {
        inside("ip", "link", "set", "eth0", "down");
    }

    private boolean listening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, PORT), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void inside(String... command) {
        List<String> cmd = new java.util.ArrayList<>(List.of("ip", "netns", "exec", namespace));
        cmd.addAll(List.of(command));
        Command.of(cmd).timeout(Duration.ofSeconds(20)).check();
    }

    private static void ip(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Command.of(cmd).timeout(Duration.ofSeconds(20)).check();
    }

    @Override
    public void close() throws IOException {
        if (socat != null) {
            socat.descendants().forEach(ProcessHandle::destroyForcibly);
            socat.destroyForcibly();
        }
        // Deleting the namespace deletes its end of the veth pair, and with it the host's end.
        Command.of("ip", "netns", "delete", namespace).timeout(Duration.ofSeconds(20)).run();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }
}
