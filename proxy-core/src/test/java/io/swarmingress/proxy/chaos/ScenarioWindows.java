package io.swarmingress.proxy.chaos;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.swarmingress.proxy.chaos.LoadClientProcess.Counts;
import io.swarmingress.proxy.chaos.LoadClientProcess.Totals;

/**
 * Cuts the one continuous load into scenarios: a window opens before a scenario acts and closes
 * once every request sent before its end has ended, and what the load client counted in between
 * is that scenario's outcome, per target, beside the proxy's own retry and ejection counters.
 * Prints one line per scenario and target, and a table of all of them at the end.
 */
final class ScenarioWindows {
    static final String RETRIES = "ingress_retries_total";
    static final String EJECTIONS = "ingress_endpoint_ejections_total";
    static final String CONNECT_ERRORS = "ingress_upstream_connect_errors_total";

    /** An open window. */
    record Window(String scenario, long startMillis, Totals start, Map<String, Map<String, Double>> metrics) {
    }

    /**
     * One target's part of a closed window. Its requests are those that ended in the window: sent
     * in it, or in flight when it opened (every request sent before it closed has ended by then).
     */
    record Outcome(String scenario, String target, Counts counts, long worstOkPerSecond, long steadyOkPerSecond,
                   double retries, double ejections, double connectErrors, List<String> failures) {
        String line() {
            return String.format("%s [%s]: sent %d, failed %d; worst second %d ok/s vs steady %d ok/s; proxy retries %.0f, "
                            + "ejections %.0f, connect errors %.0f; kept-alive connections the proxy closed while idle %d",
                    scenario, target, counts.ended(), counts.failed(), worstOkPerSecond, steadyOkPerSecond, retries, ejections,
                    connectErrors, counts.staleConnections());
        }
    }

    private final LoadClientProcess client;
    private final LabProxy proxy;
    /** Load target name to the proxy service it reaches. */
    private final Map<String, String> services;
    private final List<Outcome> outcomes = new ArrayList<>();

    ScenarioWindows(LoadClientProcess client, LabProxy proxy, Map<String, String> services) {
        this.client = client;
        this.proxy = proxy;
        this.services = services;
    }

    Window open(String scenario) throws IOException {
        return new Window(scenario, System.currentTimeMillis(), client.totals(), serviceMetrics());
    }

    /** Closes the window once the requests sent in it have ended; prints and keeps an outcome per target. */
    List<Outcome> close(Window w) throws IOException {
        long end = System.currentTimeMillis();
        Totals totals = client.quiesce(end);
        Map<String, Map<String, Double>> metrics = serviceMetrics();
        Map<String, List<long[]>> seconds = client.seconds();
        Map<String, List<String>> failures = client.failures(w.startMillis());
        List<Outcome> closed = new ArrayList<>();
        for (String target : totals.targets().keySet()) {
            Counts c = totals.of(target).minus(w.start().of(target));
            String service = services.getOrDefault(target, target);
            Outcome o = new Outcome(w.scenario(), target, c,
                    worstOk(seconds.get(target), w.startMillis(), end), steadyOk(seconds.get(target), w.startMillis()),
                    delta(w.metrics(), metrics, service, RETRIES), delta(w.metrics(), metrics, service, EJECTIONS),
                    delta(w.metrics(), metrics, service, CONNECT_ERRORS),
                    failures.getOrDefault(target, List.of()));
            System.out.println(o.line());
            describeFailures(o.failures(), w.startMillis()).forEach(f -> System.out.println("    " + f));
            closed.add(o);
        }
        outcomes.addAll(closed);
        return closed;
    }

    /**
     * The failures by kind, with when each kind began and ended (seconds since
     * {@code windowStartMillis}, or epoch seconds for 0), then the first few as they came.
     */
    static List<String> describeFailures(List<String> failures, long windowStartMillis) {
        Map<String, long[]> kinds = new TreeMap<>();
        for (String f : failures) {
            String[] parts = f.split(" ", 3);
            long at = Long.parseLong(parts[0]) - windowStartMillis;
            long[] k = kinds.computeIfAbsent(parts[1], x -> new long[] {0, Long.MAX_VALUE, Long.MIN_VALUE});
            k[0]++;
            k[1] = Math.min(k[1], at);
            k[2] = Math.max(k[2], at);
        }
        List<String> out = new ArrayList<>();
        kinds.forEach((kind, k) -> out.add(String.format("%d x %s from +%.1f s to +%.1f s", k[0], kind.replace(":", ""),
                k[1] / 1000.0, k[2] / 1000.0)));
        failures.stream().limit(5).forEach(f -> out.add("failure " + f));
        return out;
    }

    /** Every outcome so far, one line each. */
    String summary() {
        StringBuilder b = new StringBuilder("---- zero-failed-requests scenarios ----\n");
        for (Outcome o : outcomes) {
            b.append(o.line()).append('\n');
        }
        return b.toString();
    }

    private Map<String, Map<String, Double>> serviceMetrics() {
        LabProxy.Scrape scrape = proxy.scrape();
        Map<String, Map<String, Double>> out = new HashMap<>();
        for (String service : new HashSet<>(services.values())) {
            out.put(service, Map.of(RETRIES, scrape.sumForService(RETRIES, service), EJECTIONS, scrape.sumForService(EJECTIONS, service),
                    CONNECT_ERRORS, scrape.sumForService(CONNECT_ERRORS, service)));
        }
        return out;
    }

    private static double delta(Map<String, Map<String, Double>> before, Map<String, Map<String, Double>> after, String service,
                                String metric) {
        Map<String, Double> b = before.get(service);
        Map<String, Double> a = after.get(service);
        return a == null || b == null ? Double.NaN : a.get(metric) - b.get(metric);
    }

    /** The fewest ok responses in one whole second inside the window (-1 when the window has no whole second). */
    static long worstOk(List<long[]> seconds, long startMillis, long endMillis) {
        long first = startMillis / 1000 + 1;
        long last = endMillis / 1000 - 1;
        if (seconds == null || last < first) {
            return -1;
        }
        long worst = Long.MAX_VALUE;
        for (long s = first; s <= last; s++) {
            worst = Math.min(worst, okIn(seconds, s));
        }
        return worst;
    }

    /** The median ok responses per second over the ten whole seconds before the window. */
    static long steadyOk(List<long[]> seconds, long startMillis) {
        if (seconds == null) {
            return -1;
        }
        long last = startMillis / 1000 - 1;
        long[] ok = new long[10];
        for (int i = 0; i < ok.length; i++) {
            ok[i] = okIn(seconds, last - i);
        }
        Arrays.sort(ok);
        return ok[ok.length / 2];
    }

    private static long okIn(List<long[]> seconds, long second) {
        for (long[] row : seconds) {
            if (row[0] == second) {
                return row[1];
            }
        }
        return 0;
    }
}
