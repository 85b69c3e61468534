package io.swarmingress.proxy.chaos;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Watches the proxy's admin listener as fast as it answers while tasks are killed, and tells when
 * each killed endpoint went out of rotation: when passive health ejected it (its service's
 * {@code ingress_endpoint_ejections_total} went up), when /routes showed it in another state than
 * healthy (where /routes shows states), or when discovery removed it from the table, whichever
 * came first. Times are from the moment the kill command was issued; the caller can shift them to
 * the moment Docker reports the container dead. Each poll reads /metrics and /routes once, so a
 * time is late by at most one poll interval, which is reported too.
 */
final class KillWatch {
    /**
     * Milliseconds from the kill command to the end of the poll that first showed each sign (-1
     * when none did); the sign itself came after {@code stillInRotationMillis}, the start of the
     * last poll that showed none.
     */
    record Seen(long ejectedMillis, long notHealthyMillis, long removedMillis, String stateSeen, long stillInRotationMillis) {
        long outOfRotationMillis() {
            long best = Long.MAX_VALUE;
            for (long t : new long[] {ejectedMillis, notHealthyMillis, removedMillis}) {
                if (t >= 0) {
                    best = Math.min(best, t);
                }
            }
            return best == Long.MAX_VALUE ? -1 : best;
        }

        @Override
        public String toString() {
            return "still in rotation at the poll started " + stillInRotationMillis + " ms after the kill command; ejection counted after " + ejectedMillis + " ms, /routes state '" + stateSeen + "' after " + notHealthyMillis
                    + " ms, removed from the table after " + removedMillis + " ms (-1 = not seen)";
        }
    }

    private final LabProxy proxy;
    /** service -> address of its killed endpoint */
    private final Map<String, String> killed;
    private final Map<String, Double> ejectionsBefore = new HashMap<>();
    private final Map<String, long[]> seen = new HashMap<>();
    private final Map<String, String> states = new HashMap<>();
    private long killNanos;
    private long killEpochMillis;
    private int polls;
    private long pollingNanos;

    private KillWatch(LabProxy proxy, Map<String, String> killed) {
        this.proxy = proxy;
        this.killed = killed;
    }

    /** Reads the ejection counters before the kill. */
    static KillWatch start(LabProxy proxy, Map<String, String> killedAddressByService) {
        KillWatch w = new KillWatch(proxy, killedAddressByService);
        LabProxy.Scrape scrape = proxy.scrape();
        for (String service : killedAddressByService.keySet()) {
            w.ejectionsBefore.put(service, scrape.sumForService(ScenarioWindows.EJECTIONS, service));
            w.seen.put(service, new long[] {-1, -1, -1});
        }
        return w;
    }

    /** Call just before the kill command (which may run meanwhile, on another thread): times are measured from here. */
    void killing() {
        killEpochMillis = System.currentTimeMillis();
        killNanos = System.nanoTime();
    }

    long killEpochMillis() {
        return killEpochMillis;
    }

    /** The mean time between two polls of the admin listener, in milliseconds. */
    long pollIntervalMillis() {
        return polls == 0 ? -1 : pollingNanos / polls / 1_000_000;
    }

    /** Polls until every killed endpoint is removed from the table or {@code timeout} passes. */
    Map<String, Seen> await(Duration timeout) throws Exception {
        long start = System.nanoTime();
        long end = killNanos + timeout.toNanos();
        Map<String, Long> stillIn = new HashMap<>();
        while (System.nanoTime() - end < 0 && !allRemoved()) {
            long pollStart = (System.nanoTime() - killNanos) / 1_000_000;
            LabProxy.Scrape scrape = proxy.scrape();
            long scraped = (System.nanoTime() - killNanos) / 1_000_000;
            Map<String, Map<String, String>> table = proxy.endpointsByService();
            long read = (System.nanoTime() - killNanos) / 1_000_000;
            for (Map.Entry<String, String> k : killed.entrySet()) {
                String service = k.getKey();
                long[] s = seen.get(service);
                if (s[0] < 0 && scrape.sumForService(ScenarioWindows.EJECTIONS, service) > ejectionsBefore.get(service)) {
                    s[0] = scraped;
                }
                String state = table.getOrDefault(service, Map.of()).get(k.getValue());
                if (state == null && s[2] < 0) {
                    s[2] = read;
                } else if (state != null && !state.equals("healthy") && s[1] < 0) {
                    s[1] = read;
                    states.put(service, state);
                }
                if (s[0] < 0 && s[1] < 0 && s[2] < 0) {
                    stillIn.put(service, pollStart);
                }
            }
            polls++;
        }
        pollingNanos = System.nanoTime() - start;
        Map<String, Seen> out = new HashMap<>();
        for (Map.Entry<String, long[]> e : seen.entrySet()) {
            long[] s = e.getValue();
            out.put(e.getKey(), new Seen(s[0], s[1], s[2], states.getOrDefault(e.getKey(), "-"), stillIn.getOrDefault(e.getKey(), -1L)));
        }
        return out;
    }

    private boolean allRemoved() {
        for (long[] s : seen.values()) {
            if (s[2] < 0) {
                return false;
            }
        }
        return true;
    }
}
