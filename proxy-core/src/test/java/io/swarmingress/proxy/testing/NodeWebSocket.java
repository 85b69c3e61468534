package io.swarmingress.proxy.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * WebSocket peers nobody here wrote: the npm {@code ws} package (the WebSocket library of most
 * Node.js servers), run by the scripts in {@code src/test/resources/websocket}. The package is
 * installed on first use from the npm registry into {@code target/npm} ({@link NodeModules}),
 * which the build cleans and git ignores: nothing of it is committed.
 */
public final class NodeWebSocket {
    /** The pinned version of {@code ws}. */
    public static final String VERSION = "8.23.0";
    private static final NodeModules WS = new NodeModules("npm", "ws/package.json", "ws@" + VERSION);

    private NodeWebSocket() {
    }

    /** Installs {@code ws} when it is not there yet; @return the directory to put on NODE_PATH */
    public static Path install() {
        return WS.install();
    }

    private static String script(String name) {
        return NodeModules.script("/websocket/" + name);
    }

    /** Runs {@code client.js} against {@code url} in one of its modes; @return its one JSON line */
    public static String client(String url, String mode, Duration timeout) {
        return WS.run(Map.of(), timeout, "node", script("client.js"), url, mode).strip();
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
            Process p = WS.start(Map.of(), "node", script("echo-server.js"));
            return new EchoServer(p, NodeModules.listening(p, "the ws echo server", Duration.ofSeconds(30)));
        }

        public String hostPort() {
            return "127.0.0.1:" + port;
        }

        @Override
        public void close() {
            NodeModules.stop(process);
        }
    }
}
