package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.swarmingress.proxy.routing.Endpoint;
import io.swarmingress.proxy.testing.ProxyFixture;

/**
 * The tcp entrypoint against real socket backends written here with blocking java.net sockets,
 * whose half-close semantics are the kernel's: a read returns -1 on the peer's FIN while writing
 * still works.
 */
@Timeout(60)
class TcpRelayTest {
    private static final long HUNDRED_MB = 100L * 1024 * 1024;
    private static final long TEN_MB = 10L * 1024 * 1024;
    /** Far below 100 MB; above loopback socket buffers plus the channels' high-water marks. */
    private static final long BOUND = 32L * 1024 * 1024;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void relaysTenMegabytesOfRandomDataBothWaysUnchanged() throws Exception {
        SocketServer echo = server("echo", TcpRelayTest::echoUntilEof);
        ProxyFixture proxy = proxy("round_robin", echo);
        int size = 10 * 1024 * 1024;
        byte[] data = new byte[size];
        new Random(42).nextBytes(data);

        try (Socket client = connect(proxy)) {
            // Written from another thread: the echo comes back while we are still sending.
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = client.getOutputStream();
                    for (int off = 0; off < size; off += 64 * 1024) {
                        out.write(data, off, Math.min(64 * 1024, size - off));
                    }
                    out.flush();
                    client.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            MessageDigest received = MessageDigest.getInstance("SHA-256");
            long count = 0;
            InputStream in = client.getInputStream();
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) >= 0) {
                received.update(buf, 0, n);
                count += n;
            }
            writer.get(30, TimeUnit.SECONDS);

            assertThat(count).isEqualTo(size);
            assertThat(received.digest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
        }
        // Byte counters are exact for a relay: every byte in came back out.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(bytes(proxy, "in")).isEqualTo(size);
            assertThat(bytes(proxy, "out")).isEqualTo(size);
            assertThat(openConnections(proxy)).isZero();
        });
    }

    @Test
    void halfCloseReachesTheBackendWhichStillAnswersAfterEof() throws Exception {
        CountDownLatch backendSawEof = new CountDownLatch(1);
        CompletableFuture<String> backendReceived = new CompletableFuture<>();
        SocketServer server = server("half", socket -> {
            String request = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            // readAllBytes returned: the FIN arrived, relayed from the client's shutdownOutput.
            backendReceived.complete(request);
            backendSawEof.countDown();
            OutputStream out = socket.getOutputStream();
            out.write(("got " + request.length() + " bytes, replying after EOF").getBytes(StandardCharsets.UTF_8));
            out.flush();
        });
        ProxyFixture proxy = proxy("round_robin", server);

        try (Socket client = connect(proxy)) {
            client.getOutputStream().write("the whole request".getBytes(StandardCharsets.UTF_8));
            client.shutdownOutput();

            assertThat(backendSawEof.await(10, TimeUnit.SECONDS)).as("backend saw EOF after the client's half-close").isTrue();
            assertThat(backendReceived.get()).isEqualTo("the whole request");
            // The reply is sent only after the backend saw EOF: the other direction stayed open.
            String reply = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(reply).isEqualTo("got 17 bytes, replying after EOF");
        }
        // Both directions ended, so the proxy closed both connections.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(openConnections(proxy)).isZero();
            assertThat(server.openConnections()).isZero();
        });
    }

    @Test
    void halfClosedClientStillReceivesALargeReplySentAfterEof() throws Exception {
        CountDownLatch backendSawEof = new CountDownLatch(1);
        SocketServer server = server("bulk", socket -> {
            socket.getInputStream().readAllBytes();
            backendSawEof.countDown();
            OutputStream out = socket.getOutputStream();
            byte[] chunk = new byte[64 * 1024];
            for (long sent = 0; sent < TEN_MB; sent += chunk.length) {
                out.write(chunk);
            }
        });
        ProxyFixture proxy = proxy("round_robin", server);

        try (Socket client = new Socket()) {
            // A small window, so the proxy has to wait for the client to drain it: its write side stays busy.
            client.setReceiveBufferSize(64 * 1024);
            client.connect(new InetSocketAddress("127.0.0.1", proxy.port("db")), 5_000);
            client.setSoTimeout(15_000);
            client.getOutputStream().write("send me everything".getBytes(StandardCharsets.UTF_8));
            client.shutdownOutput();
            assertThat(backendSawEof.await(10, TimeUnit.SECONDS)).isTrue();

            long received = client.getInputStream().transferTo(OutputStream.nullOutputStream());

            assertThat(received).as("reply bytes after the client's half-close").isEqualTo(TEN_MB);
        }
    }

    @Test
    void backendHalfCloseReachesTheClientWhichCanStillSend() throws Exception {
        CompletableFuture<String> backendReceived = new CompletableFuture<>();
        SocketServer server = server("banner", socket -> {
            socket.getOutputStream().write("banner".getBytes(StandardCharsets.UTF_8));
            socket.shutdownOutput();
            backendReceived.complete(new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        });
        ProxyFixture proxy = proxy("round_robin", server);

        try (Socket client = connect(proxy)) {
            // EOF after the banner: the backend's FIN was relayed as a half-close, not a close.
            assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("banner");
            client.getOutputStream().write("sent after EOF".getBytes(StandardCharsets.UTF_8));
            client.shutdownOutput();
            assertThat(backendReceived.get(10, TimeUnit.SECONDS)).isEqualTo("sent after EOF");
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(openConnections(proxy)).isZero());
    }

    @Test
    void aStalledClientStopsTheRelayReadingAFastBackend() throws Exception {
        long stall = conclusiveStallMillis();
        SocketServer server = server("firehose", socket -> {
            OutputStream out = socket.getOutputStream();
            byte[] chunk = new byte[64 * 1024];
            for (long sent = 0; sent < HUNDRED_MB; sent += chunk.length) {
                out.write(chunk);
            }
        });
        ProxyFixture proxy = proxy("round_robin", server);

        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(64 * 1024);
            client.connect(new InetSocketAddress("127.0.0.1", proxy.port("db")), 5_000);
            client.setSoTimeout(30_000);
            InputStream in = client.getInputStream();
            assertThat(in.read()).isNotNegative();
            Thread.sleep(stall);
            double outStalled = bytes(proxy, "out");

            long received = 1 + in.transferTo(OutputStream.nullOutputStream());

            assertThat(received).isEqualTo(HUNDRED_MB);
            assertThat((long) outStalled).as("bytes the relay wrote toward the client stalled for %d ms", stall).isLessThan(BOUND);
        }
    }

    @Test
    void aStalledBackendStopsTheRelayReadingAFastClient() throws Exception {
        long stall = conclusiveStallMillis();
        CountDownLatch accepted = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        SocketServer server = server("sink", socket -> {
            accepted.countDown();
            resume.await(30, TimeUnit.SECONDS);
            long count = socket.getInputStream().transferTo(OutputStream.nullOutputStream());
            socket.getOutputStream().write(Long.toString(count).getBytes(StandardCharsets.UTF_8));
        }, 64 * 1024);
        ProxyFixture proxy = proxy("round_robin", server);

        try (Socket client = connect(proxy)) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = client.getOutputStream();
                    byte[] chunk = new byte[64 * 1024];
                    for (long sent = 0; sent < HUNDRED_MB; sent += chunk.length) {
                        out.write(chunk);
                    }
                    client.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            assertThat(accepted.await(10, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(stall);
            double inStalled = bytes(proxy, "in");
            resume.countDown();

            writer.get(30, TimeUnit.SECONDS);
            assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo(Long.toString(HUNDRED_MB));
            assertThat((long) inStalled).as("bytes the relay read from the client while the backend did not read for %d ms", stall)
                    .isLessThan(BOUND);
        } finally {
            resume.countDown();
        }
    }

    @Test
    void backendClosingEndsTheClientConnection() throws Exception {
        SocketServer server = server("closer", socket -> {
            InputStream in = socket.getInputStream();
            in.readNBytes(5);
            socket.getOutputStream().write("bye".getBytes(StandardCharsets.UTF_8));
            // Returning closes the socket while the client still has its output open.
        });
        ProxyFixture proxy = proxy("round_robin", server);

        try (Socket client = connect(proxy)) {
            OutputStream out = client.getOutputStream();
            out.write("hello".getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("bye");
            // The backend is gone: what the client still sends must end in a closed connection, not a black hole.
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
                try {
                    out.write(new byte[1024]);
                    out.flush();
                    return false;
                } catch (SocketException closed) {
                    return true;
                }
            });
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(openConnections(proxy)).isZero());
    }

    @Test
    void backendResetClosesTheClientAtOnce() throws Exception {
        SocketServer server = server("reset", socket -> {
            socket.getInputStream().readNBytes(5);
            socket.setSoLinger(true, 0);
            // close() with linger 0 sends RST: a crashed task, not an orderly end.
        });
        ProxyFixture proxy = proxy("round_robin", server);

        try (Socket client = connect(proxy)) {
            client.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
            InputStream in = client.getInputStream();
            int read;
            try {
                read = in.read();
            } catch (SocketException e) {
                read = -1;
            }
            assertThat(read).as("client connection ended after the backend reset").isEqualTo(-1);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(openConnections(proxy)).isZero());
        assertThat(endpoints(proxy)).allSatisfy(e -> assertThat(e.active()).isZero());
    }

    @Test
    void unreachableEndpointClosesTheClientAndCountsAConnectError() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        ProxyFixture proxy = ProxyFixture.start(tcpConfig("round_robin", List.of("127.0.0.1:" + closedPort)));
        toClose.add(proxy);

        try (Socket client = connect(proxy)) {
            client.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
            int read;
            try {
                read = client.getInputStream().read();
            } catch (SocketException e) {
                read = -1;
            }
            assertThat(read).isEqualTo(-1);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                proxy.metrics().registry().get("ingress.upstream.connect.errors").tag("service", "db").counter().count())
                .isEqualTo(1.0));
    }

    @Test
    void leastConnSpreadsLongLivedConnectionsAndSendsNewOnesToTheLeastLoadedEndpoint() throws Exception {
        List<SocketServer> servers = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            servers.add(server(name, socket -> {
                OutputStream out = socket.getOutputStream();
                out.write((name + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                socket.getInputStream().readAllBytes();
            }));
        }
        ProxyFixture proxy = proxy("least_conn", servers.toArray(new SocketServer[0]));

        List<Socket> clients = new ArrayList<>();
        try {
            List<String> landed = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Socket c = connect(proxy);
                clients.add(c);
                // Each connection is established at its backend before the next one is picked.
                landed.add(readLine(c));
            }
            assertThat(landed).as("6 long-lived connections over 3 idle endpoints")
                    .containsExactlyInAnyOrder("a", "a", "b", "b", "c", "c");

            // Close both connections on b; once the proxy released them, b is the least loaded.
            for (int i = 0; i < clients.size(); i++) {
                if (landed.get(i).equals("b")) {
                    clients.get(i).close();
                }
            }
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(endpoints(proxy))
                    .extracting(Endpoint::active).containsExactly(2, 0, 2));

            // Round-robin would send these two to different endpoints; least_conn sends both to b (0, then 1 < 2).
            Socket first = connect(proxy);
            clients.add(first);
            assertThat(readLine(first)).isEqualTo("b");
            Socket second = connect(proxy);
            clients.add(second);
            assertThat(readLine(second)).isEqualTo("b");
            assertThat(endpoints(proxy)).extracting(Endpoint::active).containsExactly(2, 2, 2);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(servers)
                    .extracting(SocketServer::openConnections).containsExactly(2, 2, 2));
        } finally {
            for (Socket c : clients) {
                c.close();
            }
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(endpoints(proxy))
                .extracting(Endpoint::active).containsExactly(0, 0, 0));
    }

    // ---------------------------------------------------------------- helpers

    /**
     * How long a stall must last for the bounds of the stall tests to mean something on this
     * machine: twice the time an unstalled relay of twice the bound takes. A relay that went on
     * reading one side while the other stalled would move at least that fast (into memory instead
     * of a socket), so some four times the bound meanwhile, and the assertion fails. A fixed stall
     * would pass trivially on a machine too slow to move the bound in it.
     */
    private long conclusiveStallMillis() throws Exception {
        long size = 2 * BOUND;
        SocketServer source = server("calibration", socket -> {
            OutputStream out = socket.getOutputStream();
            byte[] chunk = new byte[64 * 1024];
            for (long sent = 0; sent < size; sent += chunk.length) {
                out.write(chunk);
            }
        });
        ProxyFixture proxy = proxy("round_robin", source);
        try (Socket client = connect(proxy)) {
            long start = System.nanoTime();
            long received = client.getInputStream().transferTo(OutputStream.nullOutputStream());
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(received).isEqualTo(size);
            return Math.max(500, 2 * tookMillis);
        }
    }

    private static void echoUntilEof(Socket socket) throws IOException {
        socket.getInputStream().transferTo(socket.getOutputStream());
    }

    private SocketServer server(String name, SocketServer.Behaviour behaviour) throws IOException {
        return server(name, behaviour, 0);
    }

    /** @param receiveBuffer the accepted sockets' SO_RCVBUF, 0 for the system default */
    private SocketServer server(String name, SocketServer.Behaviour behaviour, int receiveBuffer) throws IOException {
        SocketServer s = new SocketServer(name, behaviour, receiveBuffer);
        toClose.add(s);
        return s;
    }

    private ProxyFixture proxy(String lb, SocketServer... servers) {
        List<String> endpoints = new ArrayList<>();
        for (SocketServer s : servers) {
            endpoints.add("127.0.0.1:" + s.port());
        }
        ProxyFixture proxy = ProxyFixture.start(tcpConfig(lb, endpoints));
        toClose.add(proxy);
        return proxy;
    }

    private static String tcpConfig(String lb, List<String> endpoints) {
        StringBuilder sb = new StringBuilder("""
                entrypoints:
                  - name: db
                    address: 127.0.0.1:0
                    protocol: tcp
                    service: db
                services:
                  - name: db
                    lb: %s
                    connect_timeout: 2s
                    endpoints:
                """.formatted(lb));
        for (String e : endpoints) {
            sb.append("      - ").append(e).append('\n');
        }
        return sb.toString();
    }

    private static Socket connect(ProxyFixture proxy) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", proxy.port("db")), 5_000);
        s.setSoTimeout(15_000);
        return s;
    }

    private static String readLine(Socket s) throws IOException {
        StringBuilder sb = new StringBuilder();
        InputStream in = s.getInputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("closed before a line: " + sb);
            }
            sb.append((char) b);
        }
        return sb.toString();
    }

    private static List<Endpoint> endpoints(ProxyFixture proxy) {
        return proxy.server().table().tcpService("db").endpoints();
    }

    private static double bytes(ProxyFixture proxy, String direction) {
        return proxy.metrics().registry().get("ingress.bytes").tag("entrypoint", "db").tag("direction", direction).counter().count();
    }

    private static double openConnections(ProxyFixture proxy) {
        return proxy.metrics().registry().get("ingress.open.connections").tag("entrypoint", "db").gauge().value();
    }

    /** A blocking TCP server on 127.0.0.1:0, one thread a connection; the socket is closed when the behaviour returns. */
    static final class SocketServer implements AutoCloseable {
        interface Behaviour {
            void serve(Socket socket) throws Exception;
        }

        private final String name;
        private final ServerSocket server;
        private final Thread acceptor;
        private final AtomicInteger open = new AtomicInteger();
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        SocketServer(String name, Behaviour behaviour, int receiveBuffer) throws IOException {
            this.name = name;
            this.server = new ServerSocket();
            if (receiveBuffer > 0) {
                server.setReceiveBufferSize(receiveBuffer);
            }
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            this.acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    Socket s;
                    try {
                        s = server.accept();
                    } catch (IOException e) {
                        return;
                    }
                    open.incrementAndGet();
                    sockets.add(s);
                    Thread t = new Thread(() -> {
                        try (s) {
                            s.setSoTimeout(30_000);
                            behaviour.serve(s);
                        } catch (Exception e) {
                            // The peer went away or the test closed the server: nothing to do.
                        } finally {
                            open.decrementAndGet();
                        }
                    }, "tcp-backend-" + name + "-conn");
                    t.setDaemon(true);
                    t.start();
                }
            }, "tcp-backend-" + name);
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        int openConnections() {
            return open.get();
        }

        @Override
        public String toString() {
            return name;
        }

        @Override
        public void close() throws Exception {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
            acceptor.join(5_000);
        }
    }
}
