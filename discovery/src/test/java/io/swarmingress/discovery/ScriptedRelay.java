package io.swarmingress.discovery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A relay on a real socket whose every move the test makes: it accepts followers, records their
 * request heads, and writes exactly what the test says (an answer head, events, nothing at all, a
 * close). The real relay is proxy-core's RelayServer, tested with a follower there; this one
 * produces on demand what a real one does only when something breaks: silence, a 401, garbage,
 * a state older than another relay's.
 */
final class ScriptedRelay implements AutoCloseable {
    private final ServerSocket server;
    private final LinkedBlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<Socket> all = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    /** Listens on {@code address} (127.0.0.x), port 0. */
    ScriptedRelay(String address) throws IOException {
        this(address, 0);
    }

    ScriptedRelay(String address, int port) throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(address), port));
        acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    all.add(s);
                    requests.add(readHead(s.getInputStream()));
                    accepted.add(s);
                } catch (IOException e) {
                    return;
                }
            }
        }, "scripted-relay");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    List<String> requests() {
        return List.copyOf(requests);
    }

    /** The next follower's connection, once its request head was read. */
    Follower next(Duration within) throws InterruptedException {
        Socket s = accepted.poll(within.toMillis(), TimeUnit.MILLISECONDS);
        if (s == null) {
            throw new AssertionError("no follower connected within " + within);
        }
        return new Follower(s);
    }

    /** One follower's connection. */
    static final class Follower {
        private final Socket socket;

        Follower(Socket socket) {
            this.socket = socket;
        }

        Follower answer(int status) throws IOException {
            return write("HTTP/1.1 " + status + " X\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n");
        }

        synchronized Follower state(SwarmState state) throws IOException {
            socket.getOutputStream().write(RelayProtocol.stateEvent(state));
            return this;
        }

        synchronized Follower alive(Instant readAt) throws IOException {
            socket.getOutputStream().write(RelayProtocol.aliveEvent(readAt));
            return this;
        }

        /**
         * From now on an {@code alive} event every 100 ms with what {@code readAt} says then, as a
         * real relay sends every second, until the connection closes.
         */
        Follower beating(Supplier<Instant> readAt) {
            Thread t = new Thread(() -> {
                try {
                    while (!socket.isClosed()) {
                        synchronized (this) {
                            socket.getOutputStream().write(RelayProtocol.aliveEvent(readAt.get()));
                        }
                        Thread.sleep(100);
                    }
                } catch (IOException | InterruptedException e) {
                    // the follower left, or the test closed it
                }
            }, "scripted-relay-heartbeat");
            t.setDaemon(true);
            t.start();
            return this;
        }

        synchronized Follower write(String text) throws IOException {
            OutputStream out = socket.getOutputStream();
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
            return this;
        }

        void close() throws IOException {
            socket.close();
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            byte[] a = b.toByteArray();
            int n = a.length;
            if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') {
                break;
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : all) {
            s.close();
        }
    }
}
