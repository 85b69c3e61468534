package io.swarmingress.proxy.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;


/**
 * The routes of one host, matched by longest path prefix. Prefixes are grouped by length so a
 * lookup costs one hash probe per distinct prefix length rather than a scan of every route:
 * a table with a thousand paths of a dozen lengths is a dozen probes.
 *
 * <p>A prefix matches whole segments only: {@code /static} matches {@code /static} and
 * {@code /static/x}, never {@code /staticadmin}, which a backend would take for a different
 * path from the one the route meant to send it.
 */
final class PathTable {
    private final int[] lengthsDescending;
    private final Map<String, Route[]> byPrefix;

    PathTable(List<Route> routes) {
        Map<String, List<Route>> grouped = new HashMap<>();
        TreeSet<Integer> lengths = new TreeSet<>(Comparator.reverseOrder());
        for (Route r : routes) {
            grouped.computeIfAbsent(r.pathPrefix(), k -> new ArrayList<>()).add(r);
            lengths.add(r.pathPrefix().length());
        }
        this.byPrefix = new HashMap<>();
        for (Map.Entry<String, List<Route>> e : grouped.entrySet()) {
            List<Route> sorted = new ArrayList<>(e.getValue());
            // More header conditions is more specific; the sort is stable, so declaration order breaks ties.
            sorted.sort(Comparator.comparingInt(Route::headerCount).reversed());
            byPrefix.put(e.getKey(), sorted.toArray(new Route[0]));
        }
        this.lengthsDescending = lengths.stream().mapToInt(Integer::intValue).toArray();
    }

    Route match(String path, RequestHeaders headers) {
        int pathLength = path.length();
        for (int length : lengthsDescending) {
            if (length > pathLength) {
                continue;
            }
            if (length < pathLength && path.charAt(length) != '/' && path.charAt(length - 1) != '/') {
                // Not a segment boundary; a prefix of this length can only match in the middle of a segment.
                continue;
            }
            Route[] candidates = byPrefix.get(length == pathLength ? path : path.substring(0, length));
            if (candidates == null) {
                continue;
            }
            for (Route r : candidates) {
                if (r.headersMatch(headers)) {
                    return r;
                }
            }
        }
        return null;
    }
}
