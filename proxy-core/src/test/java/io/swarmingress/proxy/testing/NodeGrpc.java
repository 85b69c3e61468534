package io.swarmingress.proxy.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * gRPC peers nobody here wrote: {@code @grpc/grpc-js} (the gRPC library of Node.js) as client and
 * server, run by the scripts in {@code src/test/resources/grpc}. The packages are installed on
 * first use from the npm registry into {@code target/npm-grpc} (apart from {@code ws}'s prefix, so
 * neither install prunes the other), which the build cleans and git ignores.
 */
public final class NodeGrpc {
    /** The pinned versions. */
    public static final String GRPC_JS = "1.14.7";
    public static final String PROTO_LOADER = "0.8.1";
    private static final Path PREFIX = Path.of("target", "npm-grpc").toAbsolutePath();

    private NodeGrpc() {
    }

    /** Installs the packages when they are not there yet; @return the directory to put on NODE_PATH */
    public static synchronized Path install() {
        Path modules = PREFIX.resolve("node_modules");
        if (!Files.exists(modules.resolve("@grpc").resolve("proto-loader").resolve("package.json"))) {
            Command.of("npm", "install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--prefix",
                    PREFIX.toString(), "@grpc/grpc-js@" + GRPC_JS, "@grpc/proto-loader@" + PROTO_LOADER)
                    .timeout(Duration.ofMinutes(3)).check();
        }
        return modules;
    }

    private static String script(String name) {
        try {
            return Path.of(NodeGrpc.class.getResource("/grpc/" + name).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code client.js} against {@code hostPort} with its arguments; @return its last JSON line */
    public static String client(String hostPort, Duration timeout, String... args) {
        return clientAs(null, hostPort, timeout, args);
    }

    /** As {@link #client}, the calls naming {@code authority} (their {@code :authority}) rather than {@code hostPort}; null for that. */
    public static String clientAs(String authority, String hostPort, Duration timeout, String... args) {
        String[] command = new String[args.length + 3];
        command[0] = "node";
        command[1] = script("client.js");
        command[2] = hostPort;
        System.arraycopy(args, 0, command, 3, args.length);
        Map<String, String> env = authority == null ? Map.of("NODE_PATH", install().toString())
                : Map.of("NODE_PATH", install().toString(), "GRPC_AUTHORITY", authority);
        String out = Command.of(command).env(env).timeout(timeout).check().strip();
        return out.substring(out.lastIndexOf('\n') + 1);
    }

    private static Process startNode(String... command) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("NODE_PATH", install().toString());
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readLine(BufferedReader lines, Process p, String what) {
        CompletableFuture<String> next = CompletableFuture.supplyAsync(() -> {
            try {
                return lines.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            return next.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new AssertionError(e);
        } catch (ExecutionException | TimeoutException e) {
            p.destroyForcibly();
            throw new AssertionError(what + " said nothing", e);
        }
    }

    private static void stop(Process process) {
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

    /** A grpc-js server ({@code server.js}) on 127.0.0.1 and a free port, naming itself {@code name} in its answers. */
    public static final class Server implements AutoCloseable {
        private final Process process;
        private final int port;

        private Server(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        public static Server start(String name) {
            return start(name, 0, 0);
        }

        /**
         * @param port the port to listen on, 0 for a free one
         * @param maxStreams the SETTINGS_MAX_CONCURRENT_STREAMS it announces, 0 for grpc-js's default
         */
        public static Server start(String name, int port, int maxStreams) {
            ProcessBuilder pb = new ProcessBuilder("node", script("server.js"), name, String.valueOf(port)).redirectErrorStream(true);
            pb.environment().put("NODE_PATH", install().toString());
            if (maxStreams > 0) {
                pb.environment().put("MAX_STREAMS", String.valueOf(maxStreams));
            }
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = readLine(lines, p, "the grpc-js server");
            if (line == null || !line.startsWith("listening ")) {
                p.destroyForcibly();
                throw new AssertionError("the grpc-js server did not start: " + line);
            }
            Thread drain = new Thread(() -> {
                try {
                    while (lines.readLine() != null) {
                        // dropped
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            }, "grpc-server-output");
            drain.setDaemon(true);
            drain.start();
            return new Server(p, Integer.parseInt(line.substring("listening ".length()).strip()));
        }

        public String hostPort() {
            return "127.0.0.1:" + port;
        }

        public int port() {
            return port;
        }

        /** Shuts down gracefully (SIGUSR2): GOAWAY to every connection, its calls in progress end normally, then it exits. */
        public void shutdownGracefully() {
            Command.of("kill", "-USR2", String.valueOf(process.pid())).check();
        }

        @Override
        public void close() {
            stop(process);
        }
    }

    /** A Chat call held open by {@code client.js interactive}: one message per {@link #send}, its reply returned. */
    public static final class Conversation implements AutoCloseable {
        private final Process process;
        private final BufferedReader lines;
        private final Writer in;

        private Conversation(Process process) {
            this.process = process;
            this.lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        }

        public static Conversation open(String hostPort) {
            return new Conversation(startNode("node", script("client.js"), hostPort, "interactive"));
        }

        /** Sends one message on the call; @return the JSON line of its reply */
        public String send(String text) {
            try {
                in.write(text + "\n");
                in.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return readLine(lines, process, "the gRPC conversation");
        }

        /** Ends the call from the client's side; @return the JSON line of its outcome */
        public String finish() {
            try {
                in.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return readLine(lines, process, "the gRPC conversation");
        }

        @Override
        public void close() {
            stop(process);
        }
    }
}
