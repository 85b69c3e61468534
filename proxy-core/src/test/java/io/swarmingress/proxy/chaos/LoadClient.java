package io.swarmingress.proxy.chaos;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A load client that counts every failure, run as its own JVM where the proxy listens (the chaos
 * test starts it with {@code nsenter} in the proxy's network namespace). It depends on the JDK
 * only, so {@code java -cp test-classes} is enough.
 *
 * <p>Driven by one command per line on stdin; each gets exactly one line of JSON on stdout
 * (diagnostics go to stderr):
 * <pre>
 * add NAME PROXY_HOST:PORT HOST PATH CONNECTIONS RATE_PER_CONNECTION TIMEOUT_MS   start a target's workers
 * totals                  sent, ok, failed, stale connections and requests in flight, per target
 * quiesce EPOCH_MS        waits (up to 60 s) until no request sent before EPOCH_MS is still in flight, then totals
 * seconds                 [[epoch second, ok, failed], ...] per target
 * failures EPOCH_MS       failures that ended since EPOCH_MS, per target
 * drain                   no new connections from now on; open ones carry on until the server closes them
 * idle TIMEOUT_MS         waits until every worker has ended (after drain), then totals
 * stop                    stops every worker (each after its request in flight), then totals
 * </pre>
 * The client exits when its stdin ends.
 */
public final class LoadClient {
    private final Map<String, LoadTally> tallies = new LinkedHashMap<>();
    private final Map<String, List<LoadWorker>> workers = new HashMap<>();
    private final List<Thread> threads = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        LoadClient client = new LoadClient();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            line = line.trim();
            if (line.isEmpty()) {
                continue;
            }
            String reply;
            try {
                reply = client.handle(line.split("\\s+"));
            } catch (RuntimeException e) {
                reply = "{\"error\":" + LoadTally.quote(e.toString()) + "}";
            }
            out.println(reply);
        }
        client.stopAll();
        System.exit(0);
    }

    private String handle(String[] c) throws InterruptedException {
        switch (c[0]) {
            case "add":
                add(c);
                return "{\"ok\":true}";
            case "totals":
                return totals();
            case "quiesce":
                awaitOlderRequests(Long.parseLong(c[1]), 60_000);
                return totals();
            case "seconds":
                return perTarget(LoadTally::secondsJson);
            case "failures":
                long since = Long.parseLong(c[1]);
                return perTarget(t -> t.failuresJson(since));
            case "drain":
                workers.values().forEach(list -> list.forEach(LoadWorker::drain));
                return "{\"ok\":true}";
            case "idle":
                long end = System.currentTimeMillis() + Long.parseLong(c[1]);
                for (Thread t : threads) {
                    t.join(Math.max(1, end - System.currentTimeMillis()));
                }
                return totals();
            case "stop":
                stopAll();
                return totals();
            default:
                throw new IllegalArgumentException("unknown command " + c[0]);
        }
    }

    private void add(String[] c) {
        if (c.length != 8) {
            throw new IllegalArgumentException("add NAME PROXY_HOST:PORT HOST PATH CONNECTIONS RATE TIMEOUT_MS");
        }
        String name = c[1];
        if (tallies.containsKey(name)) {
            throw new IllegalArgumentException("target " + name + " exists");
        }
        int colon = c[2].lastIndexOf(':');
        InetSocketAddress proxy = new InetSocketAddress(c[2].substring(0, colon), Integer.parseInt(c[2].substring(colon + 1)));
        LoadWorker.Target target = new LoadWorker.Target(name, proxy, c[3], c[4], Integer.parseInt(c[5]),
                Double.parseDouble(c[6]), Long.parseLong(c[7]));
        LoadTally tally = new LoadTally(name);
        tallies.put(name, tally);
        List<LoadWorker> list = new ArrayList<>();
        for (int i = 0; i < target.connections(); i++) {
            LoadWorker w = new LoadWorker(target, tally);
            list.add(w);
            Thread t = new Thread(w, "load-" + name + "-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        workers.put(name, list);
    }

    private void awaitOlderRequests(long epochMillis, long timeoutMillis) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < end) {
            boolean older = false;
            for (List<LoadWorker> list : workers.values()) {
                for (LoadWorker w : list) {
                    long since = w.inFlightSinceMillis();
                    older |= since != 0 && since < epochMillis;
                }
            }
            if (!older) {
                return;
            }
            Thread.sleep(10);
        }
    }

    private String totals() {
        long now = System.currentTimeMillis();
        StringBuilder b = new StringBuilder("{\"at\":").append(now).append(",\"targets\":{");
        boolean first = true;
        for (LoadTally t : tallies.values()) {
            int inFlight = 0;
            long oldest = 0;
            for (LoadWorker w : workers.get(t.name())) {
                long since = w.inFlightSinceMillis();
                if (since != 0) {
                    inFlight++;
                    oldest = Math.max(oldest, now - since);
                }
            }
            b.append(first ? "" : ",").append(LoadTally.quote(t.name())).append(':').append(t.totalsJson(inFlight, oldest));
            first = false;
        }
        return b.append("}}").toString();
    }

    private interface Part {
        String of(LoadTally t);
    }

    private String perTarget(Part part) {
        StringBuilder b = new StringBuilder("{");
        for (LoadTally t : tallies.values()) {
            b.append(b.length() > 1 ? "," : "").append(LoadTally.quote(t.name())).append(':').append(part.of(t));
        }
        return b.append('}').toString();
    }

    private void stopAll() throws InterruptedException {
        workers.values().forEach(list -> list.forEach(LoadWorker::stop));
        for (Thread t : threads) {
            t.join(15_000);
        }
    }
}
