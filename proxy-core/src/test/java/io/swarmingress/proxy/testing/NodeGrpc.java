package io.swarmingress.proxy.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * gRPC peers nobody here wrote: {@code @grpc/grpc-js} (the gRPC library of Node.js) as client and
 * server, run by the scripts in {@code src/test/resources/grpc}. The packages are installed on
 * first use from the npm registry into {@code target/npm-grpc} ({@link NodeModules}; apart from
 * {@code ws}'s prefix, so neither install prunes the other), which the build cleans and git ignores.
 */
public final class NodeGrpc {
    /** The pinned versions. */
    public static final String GRPC_JS = "1.14.7";
    public static final String PROTO_LOADER = "0.8.1";
    private static final NodeModules GRPC = new NodeModules("npm-grpc", "@grpc/proto-loader/package.json",
            "@grpc/grpc-js@" + GRPC_JS, "@grpc/proto-loader@" + PROTO_LOADER);
    /** How long a process may take to print its next line. */
    private static final Duration LINE_WAIT = Duration.ofSeconds(60);

    private NodeGrpc() {
    }

    /** Installs the packages when they are not there yet; @return the directory to put on NODE_PATH */
    public static Path install() {
        return GRPC.install();
    }

    private static String script(String name) {
        return NodeModules.script("/grpc/" + name);
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
        Map<String, String> env = authority == null ? Map.of() : Map.of("GRPC_AUTHORITY", authority);
        String out = GRPC.run(env, timeout, command).strip();
        return out.substring(out.lastIndexOf('\n') + 1);
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
            Map<String, String> env = maxStreams > 0 ? Map.of("MAX_STREAMS", String.valueOf(maxStreams)) : Map.of();
            Process p = GRPC.start(env, "node", script("server.js"), name, String.valueOf(port));
            return new Server(p, NodeModules.listening(p, "the grpc-js server", LINE_WAIT));
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
            NodeModules.stop(process);
        }
    }

    /** A Chat call held open by {@code client.js interactive}: one message per {@link #send}, its reply returned. */
    public static final class Conversation implements AutoCloseable {
        private final Process process;
        private final BufferedReader lines;
        private final Writer in;

        private Conversation(Process process) {
            this.process = process;
            this.lines = NodeModules.lines(process);
            this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        }

        public static Conversation open(String hostPort) {
            return new Conversation(GRPC.start(Map.of(), "node", script("client.js"), hostPort, "interactive"));
        }

        /** Sends one message on the call; @return the JSON line of its reply */
        public String send(String text) {
            try {
                in.write(text + "\n");
                in.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return NodeModules.readLine(lines, process, "the gRPC conversation", LINE_WAIT);
        }

        /** Ends the call from the client's side; @return the JSON line of its outcome */
        public String finish() {
            try {
                in.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return NodeModules.readLine(lines, process, "the gRPC conversation", LINE_WAIT);
        }

        @Override
        public void close() {
            NodeModules.stop(process);
        }
    }
}
