package io.swarmingress.proxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load as an external load balancer sends it to one proxy node: keep-alive connections that carry
 * requests only while the node's {@code /healthz} answers 200. A health check every few dozen
 * milliseconds closes the gate on anything else (503 "draining", a refused or broken connection) and
 * opens it again when the node is back; connections opened before a closed gate are not reused
 * after it, as a balancer drops its sessions to a server it marked down. Every request sent counts,
 * and any answer other than 200, or none, is a failure.
 */
public final class GatedLoad implements AutoCloseable {
    private final InetSocketAddress web;
    private final InetSocketAddress admin;
    private final String hostHeader;
    private final Duration checkInterval;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean open = new AtomicBoolean();
    /** Increases each time the gate closes: connections of an older generation are not reused. */
    private final AtomicInteger generation = new AtomicInteger();
    private final AtomicInteger closings = new AtomicInteger();
    private final AtomicLong closedNanos = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicLong> bodies = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();

    private GatedLoad(InetSocketAddress web, InetSocketAddress admin, String hostHeader, Duration checkInterval) {
        this.web = web;
        this.admin = admin;
        this.hostHeader = hostHeader;
        this.checkInterval = checkInterval;
    }

    public static GatedLoad start(InetSocketAddress web, InetSocketAddress admin, String hostHeader, int connections,
                                  Duration checkInterval) {
        GatedLoad load = new GatedLoad(web, admin, hostHeader, checkInterval);
        load.open.set(load.healthy());
        load.spawn("health-check", load::checkHealth);
        for (int i = 0; i < connections; i++) {
            load.spawn("load-" + i, load::sendRequests);
        }
        return load;
    }

    /** What the load saw so far. */
    public record Stats(long sent, long failed, int gateClosings, Duration gateClosed, List<String> firstFailures,
                        Map<String, Long> bodies) {
    }

    public Stats stats() {
        Map<String, Long> b = new java.util.TreeMap<>();
        bodies.forEach((k, v) -> b.put(k, v.get()));
        List<String> f = failures.stream().limit(20).toList();
        return new Stats(sent.get(), failed.get(), closings.get(), Duration.ofNanos(closedNanos.get()), f, b);
    }

    public boolean gateOpen() {
        return open.get();
    }

    private void spawn(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void checkHealth() {
        long closedSince = 0;
        while (running.get()) {
            boolean up = healthy();
            boolean was = open.getAndSet(up);
            if (was && !up) {
                generation.incrementAndGet();
                closings.incrementAndGet();
                closedSince = System.nanoTime();
            } else if (!was && up && closedSince != 0) {
                closedNanos.addAndGet(System.nanoTime() - closedSince);
            }
            pause(checkInterval.toMillis());
        }
    }

    private boolean healthy() {
        try (Socket s = new Socket()) {
            s.connect(admin, 500);
            s.setSoTimeout(1000);
            s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            return readResponse(s.getInputStream()).status() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    private void sendRequests() {
        Socket socket = null;
        int socketGeneration = -1;
        while (running.get()) {
            if (!open.get()) {
                socket = close(socket);
                pause(5);
                continue;
            }
            int g = generation.get();
            if (socket != null && socketGeneration != g) {
                socket = close(socket);
            }
            sent.incrementAndGet();
            try {
                if (socket == null) {
                    socket = new Socket();
                    socket.connect(web, 2000);
                    socket.setSoTimeout(10_000);
                    socketGeneration = g;
                }
                socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + hostHeader + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                Response r = readResponse(socket.getInputStream());
                if (r.status() != 200) {
                    fail(r.status() + " " + r.body().strip());
                } else {
                    bodies.computeIfAbsent(r.body().strip(), k -> new AtomicLong()).incrementAndGet();
                }
                if (r.close()) {
                    socket = close(socket);
                }
            } catch (IOException e) {
                fail(e.toString());
                socket = close(socket);
            }
        }
        close(socket);
    }

    private void fail(String what) {
        failed.incrementAndGet();
        failures.add(java.time.Instant.now() + " " + what + " (gate " + (open.get() ? "open" : "closed") + ")");
    }

    private static Socket close(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        return null;
    }

    private record Response(int status, String body, boolean close) {
    }

    /** One response with a Content-Length body. */
    private static Response readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || head.lastIndexOf("\r\n\r\n") != head.length() - 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed " + (head.length() == 0 ? "before a response" : "inside a response head"));
            }
            head.append((char) b);
        }
        String[] lines = head.toString().split("\r\n");
        String[] status = lines[0].split(" ", 3);
        int length = 0;
        boolean close = false;
        for (String line : lines) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(lower.substring("content-length:".length()).trim());
            } else if (lower.startsWith("connection:") && lower.contains("close")) {
                close = true;
            }
        }
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw new IOException("connection closed inside a response body");
        }
        return new Response(Integer.parseInt(status[1]), new String(body, StandardCharsets.UTF_8), close);
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(15_000);
        }
    }
}
