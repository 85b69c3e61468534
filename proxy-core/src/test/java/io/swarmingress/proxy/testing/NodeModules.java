package io.swarmingress.proxy.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Pinned npm packages, installed on first use from the npm registry into a prefix under
 * {@code target} (which the build cleans and git ignores), and the Node.js processes that run
 * the test peers' scripts with them on {@code NODE_PATH}: started, read a line at a time with a
 * bound, stopped.
 *
 * <p>Why one helper: {@link NodeWebSocket} and {@link NodeGrpc} run real peers the same way, and
 * the parts that are easy to get wrong (a process that never prints, a full pipe that blocks it,
 * one that ignores the polite stop) are written once. Each keeps a prefix of its own, so neither
 * install prunes the other's packages.
 */
final class NodeModules {
    private final Path prefix;
    private final Path marker;
    private final List<String> packages;

    /**
     * @param prefix the folder under {@code target} to install into
     * @param marker a file under {@code node_modules} that exists once the install is complete
     * @param packages {@code name@version} of each package
     */
    NodeModules(String prefix, String marker, String... packages) {
        this.prefix = Path.of("target", prefix).toAbsolutePath();
        this.marker = Path.of(marker);
        this.packages = List.of(packages);
    }

    /** Installs the packages when they are not there yet; @return the directory to put on NODE_PATH */
    synchronized Path install() {
        Path modules = prefix.resolve("node_modules");
        if (!Files.exists(modules.resolve(marker))) {
            List<String> command = new ArrayList<>(List.of("npm", "install", "--no-save", "--no-package-lock", "--no-audit",
                    "--no-fund", "--prefix", prefix.toString()));
            command.addAll(packages);
            Command.of(command).timeout(Duration.ofMinutes(3)).check();
        }
        return modules;
    }

    /** Runs {@code command} to its end with the packages (and {@code env}) in its environment; @return its output */
    String run(Map<String, String> env, Duration timeout, String... command) {
        return Command.of(command).env(Map.of("NODE_PATH", install().toString())).env(env).timeout(timeout).check();
    }

    /** Starts {@code command} with the packages (and {@code env}) in its environment, its output and errors as one stream. */
    Process start(Map<String, String> env, String... command) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("NODE_PATH", install().toString());
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The path of a script in the test resources, e.g. {@code /grpc/client.js}. */
    static String script(String resource) {
        try {
            return Path.of(NodeModules.class.getResource(resource).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static BufferedReader lines(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    /** The next line {@code p} prints, within {@code wait}; else it is killed and the test fails, naming {@code what}. */
    static String readLine(BufferedReader lines, Process p, String what, Duration wait) {
        CompletableFuture<String> next = CompletableFuture.supplyAsync(() -> {
            try {
                return lines.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            return next.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new AssertionError(e);
        } catch (ExecutionException | TimeoutException e) {
            p.destroyForcibly();
            throw new AssertionError(what + " said nothing", e);
        }
    }

    /**
     * Waits for a server's first line, {@code listening PORT}, then drains whatever else it prints
     * (nothing, normally) so that it never blocks on a full pipe.
     *
     * @return the port it listens on
     */
    static int listening(Process p, String what, Duration wait) {
        BufferedReader lines = lines(p);
        String line = readLine(lines, p, what, wait);
        if (line == null || !line.startsWith("listening ")) {
            p.destroyForcibly();
            throw new AssertionError(what + " did not start: " + line);
        }
        Thread drain = new Thread(() -> {
            try {
                while (lines.readLine() != null) {
                    // dropped
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "node-output-" + p.pid());
        drain.setDaemon(true);
        drain.start();
        return Integer.parseInt(line.substring("listening ".length()).strip());
    }

    /** Asks {@code process} to end, and kills it when it has not within five seconds. */
    static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
