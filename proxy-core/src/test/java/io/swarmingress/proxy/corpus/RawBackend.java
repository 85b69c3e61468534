package io.swarmingress.proxy.corpus;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * A backend on a plain server socket, for proving what did and did not reach the other side of
 * the proxy. It records every byte each accepted connection delivers, and reads requests as a
 * strict server does ({@link StrictRequestReader}: lines end only at CRLF; a Transfer-Encoding line
 * means a chunked body, else Content-Length counts). What it answers is up to the test. A request
 * it cannot parse gets a 400 of its own, after which the connection is only drained (and still
 * recorded) until it ends.
 */
final class RawBackend implements AutoCloseable {

    /** Writes the answer to one request. */
    interface Answer {
        /** @return false to close the connection after this answer */
        boolean answer(Request request, OutputStream out) throws IOException, InterruptedException;
    }

    /** A request as the backend read it; {@code connection} is the accepting order, from 1. */
    record Request(int connection, String line, List<String> headers, byte[] body) {
        String path() {
            String[] parts = line.split(" ");
            return parts.length > 1 ? parts[1] : "";
        }
    }

    /** One accepted connection and every byte it delivered. */
    static final class Connection {
        final int id;
        final int remotePort;
        private final ByteArrayOutputStream raw = new ByteArrayOutputStream();
        /** Held while bytes are taken from the socket and recorded; fair, so {@link #drained} gets its turn. */
        private final ReentrantLock reading = new ReentrantLock(true);
        private final InputStream socketIn;
        private volatile boolean ended;

        Connection(int id, int remotePort, InputStream socketIn) {
            this.id = id;
            this.remotePort = remotePort;
            this.socketIn = socketIn;
        }

        /** Whether every byte the kernel holds for this connection has been recorded. */
        boolean drained() {
            reading.lock();
            try {
                return ended || socketIn.available() == 0;
            } catch (IOException closed) {
                return true;
            } finally {
                reading.unlock();
            }
        }

        synchronized byte[] bytes() {
            return raw.toByteArray();
        }

        synchronized void record(byte[] b, int off, int len) {
            raw.write(b, off, len);
        }

        boolean ended() {
            return ended;
        }
    }

    /** How long one socket read waits before the reader lets {@link #settle} look (a poll, not a deadline). */
    private static final int POLL_MILLIS = 20;

    private final String name;
    private final ServerSocket server;
    private final Answer answer;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    private RawBackend(String name, Answer answer) throws IOException {
        this.name = name;
        this.answer = answer;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        Thread acceptor = new Thread(this::accept, "raw-backend-" + name);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    static RawBackend start(String name, Answer answer) throws IOException {
        return new RawBackend(name, answer);
    }

    /** An answer of 200 with the backend's name as the body, keeping the connection. */
    static Answer namedOk(String name) {
        byte[] response = ("HTTP/1.1 200 OK\r\nContent-Length: " + name.length() + "\r\n\r\n" + name)
                .getBytes(StandardCharsets.ISO_8859_1);
        return (request, out) -> {
            out.write(response);
            out.flush();
            return true;
        };
    }

    String name() {
        return name;
    }

    String hostPort() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    List<Connection> connections() {
        return connections;
    }

    List<Request> requests() {
        return requests;
    }

    /** Every byte received, on all connections, in accepting order. */
    byte[] allBytes() {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Connection c : connections) {
            all.writeBytes(c.bytes());
        }
        return all.toByteArray();
    }

    /** Waits until a request matching the predicate was read, or the time is up. */
    boolean awaitRequest(Predicate<Request> which, Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        synchronized (this) {
            while (requests.stream().noneMatch(which)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }

    /** Waits until connection {@code id} (from 1) ended, or the time is up. */
    boolean awaitEnded(int id, Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        synchronized (this) {
            while (connections.size() < id || !connections.get(id - 1).ended) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }

    /**
     * Makes the record complete once the peer can send no more (call it after closing the proxy):
     * a connection of our own goes through the accept queue behind any the proxy opened, so once it
     * is accepted every earlier one is too; then every connection is read to its end, or to the
     * last byte the kernel holds for it. (The end is not always seen: now and then a pooled upstream
     * connection of the proxy outlives {@code ProxyServer.close()}; its event loops are gone, so it
     * can send nothing more.)
     */
    void settle(Duration atMost) throws IOException, InterruptedException {
        int before = connections.size();
        int probePort;
        try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            probePort = probe.getLocalPort();
        }
        long deadline = System.nanoTime() + atMost.toNanos();
        synchronized (this) {
            while (!settled(before, probePort)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("backend " + name + " did not settle within " + atMost + ": " + connections.size()
                            + " connections, open: " + connections.stream().filter(c -> !c.ended).map(c -> c.id).toList());
                }
                // Woken when a connection ends; an open one with bytes left is checked again shortly.
                wait(Math.max(1, Math.min(POLL_MILLIS, left / 1_000_000)));
            }
        }
    }

    private boolean settled(int before, int probePort) {
        boolean probeSeen = false;
        for (int i = before; i < connections.size(); i++) {
            probeSeen |= connections.get(i).remotePort == probePort && connections.get(i).ended;
        }
        if (!probeSeen) {
            return false;
        }
        for (Connection c : connections) {
            if (!c.drained()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }

    private void accept() {
        try {
            while (true) {
                Socket s = server.accept();
                sockets.add(s);
                s.setSoTimeout(POLL_MILLIS);
                Connection c = new Connection(connections.size() + 1, s.getPort(), s.getInputStream());
                connections.add(c);
                Thread t = new Thread(() -> serve(s, c), "raw-backend-" + name + "-" + c.id);
                t.setDaemon(true);
                t.start();
            }
        } catch (IOException e) {
            // closed by the test
        }
    }

    private void serve(Socket socket, Connection c) {
        try (socket) {
            InputStream in = new BufferedInputStream(new Recording(c));
            OutputStream out = socket.getOutputStream();
            boolean open = true;
            while (open) {
                Request r;
                try {
                    r = StrictRequestReader.read(in, c.id);
                } catch (IllegalArgumentException malformed) {
                    out.write(("HTTP/1.1 400 Backend Could Not Parse\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    in.transferTo(OutputStream.nullOutputStream());
                    break;
                }
                if (r == null) {
                    break;
                }
                synchronized (this) {
                    requests.add(r);
                    notifyAll();
                }
                open = answer.answer(r, out);
            }
        } catch (IOException | InterruptedException e) {
            // reset by the proxy, or the test ended
        } finally {
            synchronized (this) {
                c.ended = true;
                notifyAll();
            }
        }
    }

    /**
     * Records what the socket delivers, before any parsing. Each read waits at most
     * {@link #POLL_MILLIS} while holding the connection's lock, so {@link Connection#drained} can
     * tell "nothing left in the kernel" from "taken but not yet recorded".
     */
    private static final class Recording extends InputStream {
        private final Connection c;

        Recording(Connection c) {
            this.c = c;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (true) {
                c.reading.lock();
                try {
                    int n = c.socketIn.read(b, off, len);
                    if (n > 0) {
                        c.record(b, off, n);
                    }
                    return n;
                } catch (SocketTimeoutException e) {
                    // nothing yet: let drained() look, then wait again
                } finally {
                    c.reading.unlock();
                }
            }
        }
    }
}
