package io.swarmingress.proxy.routing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.netty.util.AsciiString;
import io.swarmingress.config.StickySessions;

/**
 * The sticky-session cookies of one service in one routing table: which endpoint a request's
 * cookie names, and the Set-Cookie value that pins a client to an endpoint.
 *
 * <p>A cookie's value is the first 64 bits of HMAC-SHA256(key, service name, newline, endpoint
 * address), in hex. Keyed, because a plain hash of an overlay address can be reversed by trying
 * the few thousand addresses of a subnet; the address stays unknown to anyone without the key.
 * Of the service and address, because those are what survive a reload, a discovery update and a
 * proxy restart, and are the same in every proxy replica: with a shared key ({@code secret}) a
 * cookie set by one proxy is read by all. Without one, the key is drawn once per process: sessions
 * then stick within one proxy process only. A task that leaves takes its address with it, so its
 * cookies name nothing present and the policy picks again (Swarm may later give the address to a
 * new task of the service, which then inherits those sessions: no worse than any other endpoint).
 *
 * <p>Per request: one header lookup, a scan of the cookie line, 16 hex digits parsed and one
 * binary search; nothing allocated. The Set-Cookie values are built here, off the event loops.
 */
final class StickyCookies {
    private static final AsciiString COOKIE = AsciiString.cached("cookie");
    private static final byte[] PROCESS_KEY = new byte[32];

    static {
        new SecureRandom().nextBytes(PROCESS_KEY);
    }

    private final String name;
    /** Ids in ascending order, and the endpoint of each. */
    private final long[] ids;
    private final Endpoint[] byId;
    private final Map<Endpoint, String> setCookie = new IdentityHashMap<>();

    StickyCookies(String service, StickySessions config, List<Endpoint> endpoints) {
        this.name = config.cookie();
        byte[] key = config.secret() == null ? PROCESS_KEY : config.secret().getBytes(StandardCharsets.UTF_8);
        Mac mac = hmac(key);
        long[] unsorted = new long[endpoints.size()];
        Integer[] order = new Integer[endpoints.size()];
        String attributes = attributes(config);
        for (int i = 0; i < unsorted.length; i++) {
            Endpoint e = endpoints.get(i);
            byte[] digest = mac.doFinal((service + "\n" + e.address()).getBytes(StandardCharsets.UTF_8));
            long id = 0;
            for (int b = 0; b < 8; b++) {
                id = (id << 8) | (digest[b] & 0xff);
            }
            unsorted[i] = id;
            order[i] = i;
            setCookie.put(e, name + "=" + hex(id) + attributes);
        }
        Arrays.sort(order, (a, b) -> Long.compare(unsorted[a], unsorted[b]));
        this.ids = new long[unsorted.length];
        this.byId = new Endpoint[unsorted.length];
        for (int i = 0; i < order.length; i++) {
            ids[i] = unsorted[order[i]];
            byId[i] = endpoints.get(order[i]);
        }
    }

    private static Mac hmac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    private static String attributes(StickySessions c) {
        StringBuilder sb = new StringBuilder("; Path=/");
        if (c.maxAge() != null) {
            sb.append("; Max-Age=").append(c.maxAge().toSeconds());
        }
        if (c.secure()) {
            sb.append("; Secure");
        }
        if (c.httpOnly()) {
            sb.append("; HttpOnly");
        }
        sb.append("; SameSite=").append(c.sameSite().attribute());
        return sb.toString();
    }

    private static String hex(long id) {
        String h = Long.toHexString(id);
        return "0".repeat(16 - h.length()) + h;
    }

    /** The endpoint the request's cookie names, available or not; null when it has none that names one of these. */
    Endpoint named(RequestHeaders request) {
        String line = request.get(COOKIE);
        if (line == null) {
            return null;
        }
        int start = valueStart(line, name);
        if (start < 0 || start + 16 > line.length()) {
            return null;
        }
        int end = start + 16;
        if (end < line.length() && line.charAt(end) != ';' && line.charAt(end) != ' ') {
            return null;
        }
        long id = 0;
        for (int i = start; i < end; i++) {
            int d = Character.digit(line.charAt(i), 16);
            if (d < 0) {
                return null;
            }
            id = (id << 4) | d;
        }
        int at = Arrays.binarySearch(ids, id);
        return at >= 0 ? byId[at] : null;
    }

    /** The Set-Cookie value naming {@code e}; null when it is not an endpoint of this table. */
    String setCookie(Endpoint e) {
        return setCookie.get(e);
    }

    /**
     * Where the value of cookie {@code name} starts in a Cookie line ({@code a=1; b=2}), or -1.
     * The first pair of that name counts, as browsers send the most specific first.
     */
    static int valueStart(String line, String name) {
        int n = line.length();
        int i = 0;
        while (i < n) {
            while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
                i++;
            }
            int eq = line.indexOf('=', i);
            int semi = line.indexOf(';', i);
            if (semi < 0) {
                semi = n;
            }
            if (eq >= 0 && eq < semi && eq - i == name.length() && line.regionMatches(i, name, 0, name.length())) {
                return eq + 1;
            }
            i = semi + 1;
        }
        return -1;
    }

    /** Where a cookie value that starts at {@code start} ends: at the next ';', without trailing blanks. */
    static int valueEnd(String line, int start) {
        int semi = line.indexOf(';', start);
        int end = semi < 0 ? line.length() : semi;
        while (end > start && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) {
            end--;
        }
        return end;
    }
}
