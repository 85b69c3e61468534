package io.swarmingress.proxy.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real HAProxy (Debian package haproxy; scripts/test.sh installs it) run in the foreground from
 * a config text, for tests that need a peer nobody here wrote: a load balancer in front of the
 * proxy, a backend behind it. Missing haproxy is a failure, never a skip.
 */
public final class Haproxy implements AutoCloseable {
    private final Process process;
    private final Path log;

    private Haproxy(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Writes the config to {@code dir}, checks it with {@code haproxy -c}, starts HAProxy and waits
     * until every port in {@code ports} (on 127.0.0.1) accepts connections.
     */
    public static Haproxy start(Path dir, String config, List<Integer> ports) throws IOException, InterruptedException {
        Process which = new ProcessBuilder("sh", "-c", "command -v haproxy").redirectErrorStream(true).start();
        assertThat(which.waitFor()).as("haproxy on the PATH (Debian package haproxy; scripts/test.sh installs it)").isZero();
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, config);
        Path log = dir.resolve("haproxy.log");
        Process check = new ProcessBuilder("haproxy", "-c", "-f", file.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(check.exitValue()).as("haproxy -c:\n%s", Files.readString(log)).isZero();
        Process p = new ProcessBuilder("haproxy", "-db", "-f", file.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        Haproxy haproxy = new Haproxy(p, log);
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
                assertThat(p.isAlive()).as("haproxy is running; its output:\n%s", haproxy.output()).isTrue();
                for (int port : ports) {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                    } catch (IOException e) {
                        return false;
                    }
                }
                return true;
            });
        } catch (RuntimeException | AssertionError e) {
            haproxy.close();
            throw e;
        }
        return haproxy;
    }

    /** A port nothing listens on right now, for a HAProxy frontend (HAProxy cannot report one it picked). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /** What HAProxy wrote so far (warnings, alerts). */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
