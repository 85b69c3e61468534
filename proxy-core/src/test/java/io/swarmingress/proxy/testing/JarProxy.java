package io.swarmingress.proxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The shaded jar as users run it, in a process of its own, for integration tests (failsafe passes
 * the jar's path as {@code swarm.ingress.jar}). Unlike the in-process fixture it runs without the
 * tests' paranoid leak detection, so load and floods go at the speed users see.
 */
public final class JarProxy implements AutoCloseable {
    private final Process process;
    private final Path log;

    private JarProxy(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Writes {@code yaml} to {@code dir}, starts the jar on it and waits until {@code port} accepts.
     *
     * @param args more arguments before {@code --config} (e.g. {@code demo})
     */
    public static JarProxy start(Path dir, String yaml, int port, String... args) throws IOException, InterruptedException {
        return start(List.of(), dir, yaml, port, args);
    }

    /**
     * As {@link #start(Path, String, int, String...)}, with {@code launcher} before the java command
     * (e.g. {@code taskset -c 0}: one core, as a proxy shares a node's cores).
     */
    public static JarProxy start(List<String> launcher, Path dir, String yaml, int port, String... args)
            throws IOException, InterruptedException {
        String property = System.getProperty("swarm.ingress.jar");
        assertThat(property).as("system property swarm.ingress.jar (set by failsafe in proxy-core/pom.xml)").isNotBlank();
        Path jar = Path.of(property);
        assertThat(jar).as("the shaded jar; run 'mvn verify' so that package builds it first").isRegularFile();
        Path config = dir.resolve("ingress.yaml");
        Files.writeString(config, yaml);
        Path log = dir.resolve("proxy.log");
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", jar.toString()));
        command.addAll(List.of(args));
        command.addAll(List.of("--config", config.toString()));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        JarProxy proxy = new JarProxy(p, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
                return proxy;
            } catch (IOException e) {
                if (!p.isAlive() || System.nanoTime() - deadline > 0) {
                    proxy.close();
                    throw new AssertionError("the proxy did not listen on " + port + "; its log:\n" + proxy.log());
                }
                Thread.sleep(100);
            }
        }
    }

    /** A port free at the time of asking. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    public boolean alive() {
        return process.isAlive();
    }

    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** The process id, for signals. */
    public long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
