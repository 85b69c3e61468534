package io.swarmingress.proxy.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one target's requests came to: totals, counts per wall-clock second and the failures with
 * their cause. A request is counted as sent when the client tries to send it (a connection that
 * cannot be opened is a failed request, not a skipped one) and as ok or failed when it ends.
 * Requests are few (hundreds a second), so plain synchronization is enough.
 */
final class LoadTally {
    /** Failures kept with their detail; beyond that they are only counted. */
    static final int MAX_FAILURES_KEPT = 10_000;

    /** One failed request: when it ended, what kind of failure, and what exactly happened. */
    record Failure(long atMillis, String kind, String detail) {
    }

    private final String name;
    private long sent;
    private long ok;
    private long failed;
    private long staleConnections;
    private final Map<Long, long[]> perSecond = new TreeMap<>();
    private final List<Failure> failures = new ArrayList<>();

    LoadTally(String name) {
        this.name = name;
    }

    String name() {
        return name;
    }

    synchronized void sent() {
        sent++;
    }

    synchronized void ok(long nowMillis) {
        ok++;
        second(nowMillis)[0]++;
    }

    synchronized void failed(long nowMillis, String kind, String detail) {
        failed++;
        second(nowMillis)[1]++;
        if (failures.size() < MAX_FAILURES_KEPT) {
            failures.add(new Failure(nowMillis, kind, detail));
        }
    }

    /**
     * A kept-alive connection the server had closed (or written to unasked) while it was idle,
     * found before a request was written to it: nothing was sent, so nothing failed, but it is
     * counted so a report shows how often the server ended idle connections.
     */
    synchronized void staleConnection() {
        staleConnections++;
    }

    private long[] second(long nowMillis) {
        return perSecond.computeIfAbsent(nowMillis / 1000, s -> new long[2]);
    }

    synchronized String totalsJson(int inFlight, long oldestInFlightMillis) {
        return "{\"sent\":" + sent + ",\"ok\":" + ok + ",\"failed\":" + failed + ",\"stale_connections\":" + staleConnections
                + ",\"in_flight\":" + inFlight + ",\"oldest_in_flight_ms\":" + oldestInFlightMillis + "}";
    }

    /** [[epoch second, ok, failed], ...] in time order. */
    synchronized String secondsJson() {
        StringBuilder b = new StringBuilder("[");
        for (Map.Entry<Long, long[]> e : perSecond.entrySet()) {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append('[').append(e.getKey()).append(',').append(e.getValue()[0]).append(',').append(e.getValue()[1]).append(']');
        }
        return b.append(']').toString();
    }

    /** The failures that ended at or after {@code sinceMillis}, oldest first. */
    synchronized String failuresJson(long sinceMillis) {
        StringBuilder b = new StringBuilder("[");
        for (Failure f : failures) {
            if (f.atMillis() < sinceMillis) {
                continue;
            }
            if (b.length() > 1) {
                b.append(',');
            }
            b.append("{\"at\":").append(f.atMillis()).append(",\"kind\":").append(quote(f.kind()))
                    .append(",\"detail\":").append(quote(f.detail())).append('}');
        }
        return b.append(']').toString();
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
