package io.swarmingress.bench.lb;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;

/**
 * Three real backends behind the real proxy jar, one of them answering 50 ms late; for each
 * policy and client count, closed-loop keep-alive clients send requests for a while and the table
 * gives each backend's share of the requests and the latency percentiles the clients saw. What
 * p2c is for: round robin sends the slow backend a third of everything, least connections sends
 * it less only when enough requests are in flight to pile up there, p2c learns its latency and
 * stops sending it almost anything. A measurement, not a test: it prints, it never asserts.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.swarmingress.bench.lb.LbCompare --jar proxy-core/target/swarm-ingress.jar</pre>
 */
public final class LbCompare {
    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final String[] NAMES = {"fast-1", "fast-2", "slow"};

    private LbCompare() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>(Map.of("--jar", "proxy-core/target/swarm-ingress.jar", "--duration", "10",
                "--warmup", "3", "--clients", "1,16", "--delay", "50", "--policies", "round_robin,least_conn,p2c",
                "--proxy-cpu", ""));
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!opts.containsKey(args[i])) {
                throw new IllegalArgumentException("unknown option " + args[i] + " (expected: " + opts.keySet() + ")");
            }
            opts.put(args[i], args[i + 1]);
        }
        long delay = Long.parseLong(opts.get("--delay"));
        int seconds = Integer.parseInt(opts.get("--duration"));
        int warmup = Integer.parseInt(opts.get("--warmup"));
        List<DelayedBackend> backends = List.of(new DelayedBackend(NAMES[0], 0), new DelayedBackend(NAMES[1], 0),
                new DelayedBackend(NAMES[2], delay));
        System.out.printf("backends: %s on 127.0.0.1:%d, %d, %d; the last answers %d ms late%n", String.join(", ", NAMES),
                backends.get(0).port(), backends.get(1).port(), backends.get(2).port(), delay);
        System.out.printf("each row: %d s of closed-loop keep-alive clients after %d s of warm-up, through a fresh proxy%n%n",
                seconds, warmup);
        System.out.printf("%-12s %7s %9s %8s %8s %8s %9s %9s %9s%n", "policy", "clients", "req/s", NAMES[0], NAMES[1], NAMES[2],
                "p50 ms", "p99 ms", "p99.9 ms");
        try {
            for (String policy : opts.get("--policies").split(",")) {
                for (String c : opts.get("--clients").split(",")) {
                    run(policy, Integer.parseInt(c), backends, opts.get("--jar"), opts.get("--proxy-cpu"), warmup, seconds);
                }
            }
        } finally {
            backends.forEach(DelayedBackend::close);
        }
    }

    private static void run(String policy, int clients, List<DelayedBackend> backends, String jar, String cpu, int warmup,
                            int seconds) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path config = Files.createTempFile("lb-compare", ".yaml");
        Files.writeString(config, "io_threads: 1\nentrypoints: [{name: web, address: '127.0.0.1:" + port + "'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, lb: " + policy + ", endpoints: ['127.0.0.1:" + backends.get(0).port() + "', '127.0.0.1:"
                + backends.get(1).port() + "', '127.0.0.1:" + backends.get(2).port() + "']}]\n");
        List<String> cmd = new ArrayList<>();
        if (!cpu.isEmpty()) {
            cmd.addAll(List.of("taskset", "-c", cpu));
        }
        cmd.addAll(List.of("java", "-Xms256m", "-Xmx256m", "-XX:+UseParallelGC", "-jar", jar, "--config", config.toString()));
        Process proxy = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            awaitPort(port, proxy);
            load(port, clients, TimeUnit.SECONDS.toNanos(warmup));
            Result r = load(port, clients, TimeUnit.SECONDS.toNanos(seconds));
            long total = Arrays.stream(r.counts).sum();
            System.out.printf("%-12s %7d %9.0f %7.1f%% %7.1f%% %7.1f%% %9.2f %9.2f %9.2f%n", policy, clients, total / (double) seconds,
                    100.0 * r.counts[0] / total, 100.0 * r.counts[1] / total, 100.0 * r.counts[2] / total,
                    r.latency.getValueAtPercentile(50) / 1e6, r.latency.getValueAtPercentile(99) / 1e6,
                    r.latency.getValueAtPercentile(99.9) / 1e6);
        } finally {
            proxy.destroy();
            if (!proxy.waitFor(15, TimeUnit.SECONDS)) {
                proxy.destroyForcibly();
            }
            Files.deleteIfExists(config);
        }
    }

    private record Result(long[] counts, Histogram latency) {
    }

    /** {@code clients} threads, each on its own keep-alive connection, sending the next request when the last is answered. */
    private static Result load(int port, int clients, long nanos) throws Exception {
        long end = System.nanoTime() + nanos;
        List<Thread> threads = new ArrayList<>();
        List<Result> results = new ArrayList<>();
        List<Exception> failures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Result mine = new Result(new long[NAMES.length], new Histogram(TimeUnit.SECONDS.toNanos(10), 3));
            results.add(mine);
            Thread t = new Thread(() -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                    s.setTcpNoDelay(true);
                    s.setSoTimeout(10_000);
                    OutputStream out = s.getOutputStream();
                    InputStream in = new BufferedInputStream(s.getInputStream());
                    while (System.nanoTime() - end < 0) {
                        long start = System.nanoTime();
                        out.write(REQUEST);
                        out.flush();
                        String body = readBody(in);
                        mine.latency.recordValue(Math.min(System.nanoTime() - start, TimeUnit.SECONDS.toNanos(10)));
                        for (int i = 0; i < NAMES.length; i++) {
                            if (NAMES[i].equals(body)) {
                                mine.counts[i]++;
                            }
                        }
                    }
                } catch (IOException e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }, "client-" + c);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("a client failed: " + failures.get(0), failures.get(0));
        }
        Result all = new Result(new long[NAMES.length], new Histogram(TimeUnit.SECONDS.toNanos(10), 3));
        for (Result r : results) {
            for (int i = 0; i < NAMES.length; i++) {
                all.counts[i] += r.counts[i];
            }
            all.latency.add(r.latency);
        }
        return all;
    }

    private static String readBody(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder(128);
        int length = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("the proxy closed the connection");
            }
            head.append((char) c);
            if (c == '\n') {
                String line = head.toString();
                if (line.equals("\r\n")) {
                    break;
                }
                if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
                if (line.startsWith("HTTP/1.1 ") && !line.startsWith("HTTP/1.1 200")) {
                    throw new IOException("answer " + line.trim());
                }
                head.setLength(0);
            }
        }
        if (length < 0) {
            throw new IOException("no content-length");
        }
        return new String(in.readNBytes(length), StandardCharsets.US_ASCII);
    }

    private static void awaitPort(int port, Process proxy) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() - end < 0) {
            if (!proxy.isAlive()) {
                throw new IllegalStateException("the proxy exited with " + proxy.exitValue());
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("the proxy did not listen on " + port + " within 30 s");
    }
}
