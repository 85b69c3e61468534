package io.swarmingress.proxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An ordinary HTTP/2 client on a connection of its own, one request at a time (a few ms apart)
 * while something else happens (an attack, a reload): every answer must be a 200. Latencies are
 * printed for the record, never asserted: the machines these tests run on are shared.
 */
public final class SteadyClient implements AutoCloseable {
    private final String during;
    private final int port;
    private final String path;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Long> micros = Collections.synchronizedList(new ArrayList<>());
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;

    /** @param during what happens meanwhile, for the printed line and the failure message */
    public SteadyClient(String during, int port, String path) {
        this.during = during;
        this.port = port;
        this.path = path;
        this.thread = new Thread(this::run, "steady-client");
        thread.start();
    }

    private void run() {
        try (RawH2Client c = new RawH2Client(port)) {
            c.autoWindowUpdate = true;
            for (int stream = 1; running.get() || micros.size() < 20; stream += 2) {
                long t0 = System.nanoTime();
                c.headers(stream, RawH2Client.request("GET", path, "steady.test"), true);
                RawH2Client.Response r = c.response(stream, 10_000);
                if (!"200".equals(r.status())) {
                    failures.add("stream " + stream + ": " + r);
                }
                micros.add((System.nanoTime() - t0) / 1_000);
                Thread.sleep(5);
            }
        } catch (Exception | AssertionError e) {
            failures.add(e.toString());
        }
    }

    /** Stops, prints the latencies, and fails unless every request (at least 20) was answered 200. */
    public void assertServed() throws InterruptedException {
        running.set(false);
        thread.join(30_000);
        List<Long> sorted = new ArrayList<>(micros);
        Collections.sort(sorted);
        if (!sorted.isEmpty()) {
            System.out.printf("steady client during %s: %d requests, latency p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", during,
                    sorted.size(), sorted.get(sorted.size() / 2) / 1000.0, sorted.get(sorted.size() * 99 / 100) / 1000.0,
                    sorted.get(sorted.size() - 1) / 1000.0);
        }
        assertThat(failures).as("failures of the steady client during " + during).isEmpty();
        assertThat(sorted).hasSizeGreaterThanOrEqualTo(20);
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(30_000);
    }
}
