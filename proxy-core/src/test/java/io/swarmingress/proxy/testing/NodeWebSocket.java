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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * WebSocket peers nobody here wrote: the npm {@code ws} package (the WebSocket library of most
 * Node.js servers), run by the scripts in {@code src/test/resources/websocket}. The package is
 * installed on first use from the npm registry into {@code target/npm}, which the build cleans
 * and git ignores: nothing of it is committed.
 */
public final class NodeWebSocket {
    /** The pinned version of {@code ws}. */
    public static final String VERSION = "8.23.0";
    private static final Path PREFIX = Path.of("target", "npm").toAbsolutePath();

    private NodeWebSocket() {
    }

    /** Installs {@code ws} when it is not there yet; @return the directory to put on NODE_PATH */
    public static synchronized Path install() {
        Path modules = PREFIX.resolve("node_modules");
        if (!Files.exists(modules.resolve("ws").resolve("package.json"))) {
            Command.of("npm", "install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--prefix",
                    PREFIX.toString(), "ws@" + VERSION).timeout(Duration.ofMinutes(3)).check();
        }
        return modules;
    }

    private static String script(String name) {
        try {
            return Path.of(NodeWebSocket.class.getResource("/websocket/" + name).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code client.js} against {@code url} in one of its modes; @return its one JSON line */
    public static String client(String url, String mode, Duration timeout) {
        String out = Command.of("node", script("client.js"), url, mode)
                .env(Map.of("NODE_PATH", install().toString()))
                .timeout(timeout)
                .check();
        return out.strip();
    }

    /** The {@code ws} echo server ({@code echo-server.js}), listening on 127.0.0.1 and a free port. */
    public static final class EchoServer implements AutoCloseable {
        private final Process process;
        private final int port;

        private EchoServer(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        public static EchoServer start() {
            Path modules = install();
            ProcessBuilder pb = new ProcessBuilder("node", script("echo-server.js")).redirectErrorStream(true);
            pb.environment().put("NODE_PATH", modules.toString());
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return lines.readLine();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            String line;
            try {
                line = first.get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new AssertionError(e);
            } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
                p.destroyForcibly();
                throw new AssertionError("the ws echo server did not start", e);
            }
            if (line == null || !line.startsWith("listening ")) {
                p.destroyForcibly();
                throw new AssertionError("the ws echo server did not start: " + line);
            }
            // Whatever else it prints (nothing, normally) is drained so it never blocks on a full pipe.
            Thread drain = new Thread(() -> {
                try {
                    while (lines.readLine() != null) {
                        // dropped
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            }, "ws-echo-server-output");
            drain.setDaemon(true);
            drain.start();
            return new EchoServer(p, Integer.parseInt(line.substring("listening ".length()).strip()));
        }

        public String hostPort() {
            return "127.0.0.1:" + port;
        }

        @Override
        public void close() {
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
}
