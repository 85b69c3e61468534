package io.swarmingress.discovery;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A unix-socket relay to the lab's Docker socket that can be frozen: it keeps accepting
 * connections and keeps existing ones open, but moves no byte in either direction. That is how a
 * manager behaves during a leader election (calls hang rather than fail), which a killed relay
 * cannot reproduce. Frozen from the start, it is a manager that accepts and never answers.
 */
final class FreezableRelay implements AutoCloseable {
    private final Path path;
    private final Path target;
    private final ServerSocketChannel server;
    private final List<SocketChannel> channels = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean frozen;
    private volatile boolean closed;
    /** Counted down at close: frozen pumps hold their bytes until then (a relay is never thawed). */
    private final CountDownLatch released = new CountDownLatch(1);

    FreezableRelay(Path path, Path target, boolean frozen) throws IOException {
        this.path = path;
        this.target = target;
        this.frozen = frozen;
        Files.deleteIfExists(path);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Thread t = new Thread(this::acceptLoop, "relay-accept");
        t.setDaemon(true);
        t.start();
    }

    String endpoint() {
        return "unix://" + path;
    }

    void freeze() {
        frozen = true;
    }

    int accepted() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel client = server.accept();
                accepted.incrementAndGet();
                channels.add(client);
                if (frozen) {
                    continue; // accepted, never answered
                }
                SocketChannel upstream = SocketChannel.open(UnixDomainSocketAddress.of(target));
                channels.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void pump(SocketChannel from, SocketChannel to) {
        Thread t = new Thread(() -> {
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            try {
                while (!closed) {
                    buf.clear();
                    if (from.read(buf) < 0) {
                        break;
                    }
                    if (frozen) {
                        released.await(); // hold the bytes: the call hangs
                    }
                    buf.flip();
                    while (buf.hasRemaining()) {
                        to.write(buf);
                    }
                }
            } catch (IOException | InterruptedException e) {
                // connection over
            }
            closeQuietly(from);
            closeQuietly(to);
        }, "relay-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        released.countDown();
        server.close();
        for (SocketChannel c : channels) {
            closeQuietly(c);
        }
        Files.deleteIfExists(path);
    }
}
