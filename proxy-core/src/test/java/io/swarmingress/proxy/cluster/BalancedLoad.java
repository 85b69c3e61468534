package io.swarmingress.proxy.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Load as clients behind an external load balancer send it to a swarm whose every node runs a
 * proxy: keep-alive clients spread over the nodes, each node's {@code /healthz} checked every
 * {@value #CHECK_MS} ms (down after two failures, up after two passes), a client whose node is
 * down moving to the next one that is up. Every request counts: an answer other than 200 through
 * a node that stays up, or no answer at all from it, is a failure. A request whose node dies
 * under it (its connection resets or stays silent and the node's health check fails within
 * {@value #LOST_NODE_GRACE_MS} ms) is sent again to another node and counted apart, as resent by
 * the balancer: HAProxy's {@code retry-on conn-failure empty-response response-timeout} with
 * {@code option redispatch} does the same, and no proxy can answer for a node that is gone.
 *
 * <p>Successes are counted per 100 ms, so that the steady rate and the worst 5 s window around a
 * fault can be told afterwards; every request slower than {@value #SLOW_MS} ms is kept (when it
 * started, how long it took, through which node, what answered), so that a dip can be explained.
 */
final class BalancedLoad implements AutoCloseable {
    static final int CHECK_MS = 250;
    static final long LOST_NODE_GRACE_MS = 2000;
    private static final int BUCKET_MS = 100;
    static final long SLOW_MS = 300;
    private static final int MAX_BUCKETS = 20 * 60 * 10; // 20 minutes

    private final List<InetSocketAddress> web = new ArrayList<>();
    private final List<InetSocketAddress> admin = new ArrayList<>();
    private final String hostHeader;
    private final long startMillis = System.currentTimeMillis();
    private final AtomicBoolean running = new AtomicBoolean(true);
    /** Per node: whether the balancer sends to it; its health checks failed or passed in a row. */
    private final AtomicIntegerArray up;
    private final AtomicLongArray sentTo;
    private final AtomicLongArray failedAt;
    private final AtomicLongArray resentFrom;
    private final AtomicLongArray okBuckets = new AtomicLongArray(MAX_BUCKETS);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicLong> bodies = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private final ConcurrentLinkedQueue<Slow> slow = new ConcurrentLinkedQueue<>();
    /** The balancer's view changing: when a node went out or came back, and the failed checks' reasons. */
    private final ConcurrentLinkedQueue<String> checks = new ConcurrentLinkedQueue<>();

    /** A request slower than {@value #SLOW_MS} ms: started at {@code startMillis} (wall clock), through node {@code node} (1-based). */
    record Slow(long startMillis, long millis, int node, String outcome) {
    }

    private BalancedLoad(List<String> nodes, int webPort, int adminPort, String hostHeader) {
        for (String n : nodes) {
            web.add(new InetSocketAddress(n, webPort));
            admin.add(new InetSocketAddress(n, adminPort));
        }
        this.hostHeader = hostHeader;
        int size = nodes.size();
        this.up = new AtomicIntegerArray(size);
        this.sentTo = new AtomicLongArray(size);
        this.failedAt = new AtomicLongArray(size);
        this.resentFrom = new AtomicLongArray(size);
        for (int i = 0; i < size; i++) {
            up.set(i, 1);
        }
    }

    /** @param nodes node addresses; client {@code i} starts on node {@code i % nodes} */
    static BalancedLoad start(List<String> nodes, int webPort, int adminPort, String hostHeader, int clients) {
        BalancedLoad load = new BalancedLoad(nodes, webPort, adminPort, hostHeader);
        for (int n = 0; n < nodes.size(); n++) {
            int node = n;
            load.spawn("lb-check-" + n, () -> load.check(node));
        }
        for (int c = 0; c < clients; c++) {
            int client = c;
            load.spawn("lb-client-" + c, () -> load.send(client));
        }
        return load;
    }

    private void spawn(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    long startMillis() {
        return startMillis;
    }

    boolean up(int node) {
        return up.get(node) == 1;
    }

    /** The health checks of one node, as the balancer runs them. */
    private void check(int node) {
        int fails = 0;
        int passes = 0;
        while (running.get()) {
            long t0 = System.currentTimeMillis();
            String failure = healthy(admin.get(node));
            if (failure == null) {
                passes++;
                fails = 0;
                if (passes >= 2 && up.getAndSet(node, 1) == 0) {
                    checks.add(t0 + " node" + (node + 1) + " back in");
                }
            } else {
                fails++;
                passes = 0;
                checks.add(t0 + " node" + (node + 1) + " check failed after " + (System.currentTimeMillis() - t0) + " ms: " + failure);
                if (fails >= 2 && up.getAndSet(node, 0) == 1) {
                    failedAt.set(node, System.currentTimeMillis());
                    checks.add(t0 + " node" + (node + 1) + " out");
                }
            }
            pause(CHECK_MS);
        }
    }

    /** @return null when healthy, else why not */
    private static String healthy(InetSocketAddress address) {
        try (Socket s = new Socket()) {
            s.connect(address, 500);
            s.setSoTimeout(100);
            s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            long deadline = System.currentTimeMillis() + 1000;
            Response r = read(s.getInputStream(), () -> System.currentTimeMillis() > deadline);
            return r.status() == 200 ? null : r.status() + " " + r.body().strip();
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** The balancer's health-check events so far ({@code epochMillis text}). */
    List<String> checkEvents() {
        return List.copyOf(checks);
    }

    /** One client: requests back to back on a keep-alive connection to its node while it is up. */
    private void send(int client) {
        int node = client % web.size();
        Socket socket = null;
        long waitingSince = 0;
        while (running.get()) {
            if (!up(node)) {
                socket = close(socket);
                int next = nextUp(node);
                if (next < 0) {
                    if (waitingSince == 0) {
                        waitingSince = System.currentTimeMillis();
                    }
                    pause(20);
                    continue;
                }
                node = next;
            }
            if (waitingSince != 0) {
                slow(waitingSince, node, "client " + client + " waited: no node up");
                waitingSince = 0;
            }
            sent.incrementAndGet();
            int tries = 0;
            while (true) {
                int n = node;
                sentTo.incrementAndGet(n);
                long t0 = System.currentTimeMillis();
                try {
                    if (socket == null) {
                        socket = new Socket();
                        socket.connect(web.get(n), 2000);
                        socket.setSoTimeout(100);
                    }
                    socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + hostHeader + "\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    long deadline = System.currentTimeMillis() + 15_000;
                    Response r = read(socket.getInputStream(), () -> !up(n) || System.currentTimeMillis() > deadline);
                    slow(t0, n, r.status() + " " + r.body().strip());
                    if (r.status() == 200) {
                        ok.incrementAndGet();
                        bucket(System.currentTimeMillis());
                        bodies.computeIfAbsent(r.body().strip(), k -> new AtomicLong()).incrementAndGet();
                    } else {
                        fail(n, r.status() + " " + r.body().strip());
                    }
                    if (r.close()) {
                        socket = close(socket);
                    }
                    break;
                } catch (IOException e) {
                    socket = close(socket);
                    slow(t0, n, e.getMessage());
                    if (tries++ == 0 && nodeLost(n)) {
                        resentFrom.incrementAndGet(n);
                        node = nextUp(n) < 0 ? n : nextUp(n);
                        continue; // the balancer sends it to another node
                    }
                    fail(n, e.toString());
                    break;
                }
            }
        }
        close(socket);
    }

    /** Whether the node's health check fails within the grace after a failed request to it. */
    private boolean nodeLost(int node) {
        long end = System.currentTimeMillis() + LOST_NODE_GRACE_MS;
        while (System.currentTimeMillis() < end) {
            if (!up(node)) {
                return true;
            }
            pause(20);
        }
        return false;
    }

    private int nextUp(int from) {
        for (int i = 1; i <= web.size(); i++) {
            int n = (from + i) % web.size();
            if (up(n)) {
                return n;
            }
        }
        return -1;
    }

    private void slow(long t0, int node, String outcome) {
        long ms = System.currentTimeMillis() - t0;
        if (ms >= SLOW_MS) {
            slow.add(new Slow(t0, ms, node + 1, outcome));
        }
    }

    /** The requests slower than {@value #SLOW_MS} ms so far, by start. */
    List<Slow> slowRequests() {
        return slow.stream().sorted(java.util.Comparator.comparingLong(Slow::startMillis)).toList();
    }

    /** Successful requests per {@code stepMillis} from {@code fromMillis} to {@code toMillis}. */
    List<Long> timeline(long fromMillis, long toMillis, long stepMillis) {
        List<Long> out = new ArrayList<>();
        for (long t = fromMillis; t < toMillis; t += stepMillis) {
            out.add(Math.round(rate(t, t + stepMillis) * stepMillis / 1000.0));
        }
        return out;
    }

    private void bucket(long now) {
        int b = (int) ((now - startMillis) / BUCKET_MS);
        if (b >= 0 && b < MAX_BUCKETS) {
            okBuckets.incrementAndGet(b);
        }
    }

    private void fail(int node, String what) {
        failed.incrementAndGet();
        failures.add(java.time.Instant.now() + " node " + (node + 1) + ": " + what);
    }

    /** What the load saw so far. */
    record Stats(long sent, long ok, long failed, List<Long> sentTo, List<Long> resentFrom, List<String> firstFailures,
                 Map<String, Long> bodies) {
        long resent() {
            return resentFrom.stream().mapToLong(Long::longValue).sum();
        }
    }

    Stats stats() {
        List<Long> to = new ArrayList<>();
        List<Long> resent = new ArrayList<>();
        for (int i = 0; i < web.size(); i++) {
            to.add(sentTo.get(i));
            resent.add(resentFrom.get(i));
        }
        Map<String, Long> b = new TreeMap<>();
        bodies.forEach((k, v) -> b.put(k, v.get()));
        return new Stats(sent.get(), ok.get(), failed.get(), to, resent, failures.stream().limit(20).toList(), b);
    }

    /** Successful requests per second between two wall-clock times. */
    double rate(long fromMillis, long toMillis) {
        long n = 0;
        int from = (int) ((fromMillis - startMillis) / BUCKET_MS);
        int to = (int) ((toMillis - startMillis) / BUCKET_MS);
        for (int b = Math.max(0, from); b < Math.min(MAX_BUCKETS, to); b++) {
            n += okBuckets.get(b);
        }
        return n * 1000.0 / Math.max(1, (to - from) * BUCKET_MS);
    }

    /** The lowest rate of any 5 s window that starts between two wall-clock times, and where it starts. */
    long[] worstFiveSeconds(long fromMillis, long toMillis) {
        long worst = Long.MAX_VALUE;
        long at = fromMillis;
        for (long t = fromMillis; t + 5000 <= toMillis; t += BUCKET_MS) {
            long r = Math.round(rate(t, t + 5000) * 5);
            if (r < worst) {
                worst = r;
                at = t;
            }
        }
        return new long[] {worst == Long.MAX_VALUE ? 0 : worst, at};
    }

    private record Response(int status, String body, boolean close) {
    }

    private interface GiveUp {
        boolean now();
    }

    /** One response with a Content-Length body, read in 100 ms steps until {@code giveUp}. */
    private static Response read(InputStream in, GiveUp giveUp) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || head.lastIndexOf("\r\n\r\n") != head.length() - 4) {
            int b = readByte(in, giveUp);
            if (b < 0) {
                throw new IOException("connection closed " + (head.length() == 0 ? "before a response" : "inside a head"));
            }
            head.append((char) b);
        }
        String[] lines = head.toString().split("\r\n");
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
        byte[] body = new byte[length];
        for (int i = 0; i < length; i++) {
            int b = readByte(in, giveUp);
            if (b < 0) {
                throw new IOException("connection closed inside a body");
            }
            body[i] = (byte) b;
        }
        return new Response(Integer.parseInt(lines[0].split(" ", 3)[1]), new String(body, StandardCharsets.UTF_8), close);
    }

    private static int readByte(InputStream in, GiveUp giveUp) throws IOException {
        while (true) {
            try {
                return in.read();
            } catch (SocketTimeoutException e) {
                if (giveUp.now()) {
                    throw new IOException("no answer (node down or deadline)");
                }
            }
        }
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
            t.join(20_000);
        }
    }

    /**
     * By hand against a running cluster: {@code NODES WEB_PORT ADMIN_PORT HOST CLIENTS SECONDS}, a
     * line per second with the rate and the nodes up, the totals at the end.
     */
    public static void main(String[] args) throws Exception {
        List<String> nodes = List.of(args[0].split(","));
        BalancedLoad load = start(nodes, Integer.parseInt(args[1]), Integer.parseInt(args[2]), args[3],
                Integer.parseInt(args[4]));
        long end = System.currentTimeMillis() + Long.parseLong(args[5]) * 1000;
        long last = System.currentTimeMillis();
        while (System.currentTimeMillis() < end) {
            Thread.sleep(1000);
            long now = System.currentTimeMillis();
            StringBuilder ups = new StringBuilder();
            for (int i = 0; i < nodes.size(); i++) {
                ups.append(load.up(i) ? '+' : '-');
            }
            System.out.printf("%s %6.0f ok/s  nodes %s  failed %d resent %d%n", java.time.LocalTime.now(),
                    load.rate(last, now), ups, load.failed.get(), load.stats().resent());
            last = now;
        }
        load.close();
        System.out.println(load.stats());
    }
}
