package io.swarmingress.proxy.http;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Locale;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/**
 * The header changes a proxy owes both peers (RFC 9110 section 7.6). Hop-by-hop headers describe
 * one connection and must not cross the proxy, including any header a peer names in
 * {@code Connection}. {@code Transfer-Encoding} stays: it frames the body that is streamed through
 * unchanged, and the codec on the far side re-frames it.
 */
final class HeaderRewriter {
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString X_FORWARDED_PORT = AsciiString.cached("x-forwarded-port");
    static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
    static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    static final String VIA_VALUE = "1.1 swarm-ingress";

    private static final AsciiString[] HOP_BY_HOP = {
        HttpHeaderNames.CONNECTION, KEEP_ALIVE, PROXY_CONNECTION, HttpHeaderNames.PROXY_AUTHENTICATE,
        HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.UPGRADE,
    };

    private HeaderRewriter() {
    }

    /**
     * Removes the hop-by-hop headers and those listed in {@code Connection}. A {@code Connection}
     * that names a framing header or {@code Host} is ignored for that name: removing those would
     * change how the message is read, which is a smuggling vector, not a connection option.
     */
    static void removeHopByHop(HttpHeaders headers) {
        if (!hasHopByHop(headers)) {
            // The common case (wrk, browsers over HTTP/1.1, most backends but for Connection):
            // one pass over the names instead of eight removals.
            return;
        }
        if (headers.contains(HttpHeaderNames.CONNECTION)) {
            List<String> connection = headers.getAll(HttpHeaderNames.CONNECTION);
            for (String value : connection) {
                for (String token : value.split(",")) {
                    String name = token.trim().toLowerCase(Locale.ROOT);
                    if (!name.isEmpty() && !isProtected(name)) {
                        headers.remove(name);
                    }
                }
            }
        }
        for (AsciiString name : HOP_BY_HOP) {
            headers.remove(name);
        }
    }

    private static boolean hasHopByHop(HttpHeaders headers) {
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            CharSequence name = it.next().getKey();
            switch (name.length()) {
                case 2:
                case 7:
                case 10:
                case 16:
                case 18:
                case 19:
                    for (AsciiString h : HOP_BY_HOP) {
                        if (h.contentEqualsIgnoreCase(name)) {
                            return true;
                        }
                    }
                    break;
                default:
                    break;
            }
        }
        return false;
    }

    private static boolean isProtected(String name) {
        return name.equals("transfer-encoding") || name.equals("content-length") || name.equals("host");
    }

    /**
     * Adds what the upstream needs to know about the client: its address appended to
     * {@code X-Forwarded-For}, and the scheme, host and port it used. The last three are set, not
     * appended: a client must not be able to claim another scheme or host.
     */
    static void addForwarded(HttpHeaders headers, String clientAddress, String originalHost, String localPort, boolean via) {
        String previous = headers.get(X_FORWARDED_FOR);
        headers.set(X_FORWARDED_FOR, previous == null ? clientAddress : previous + ", " + clientAddress);
        headers.set(X_FORWARDED_PROTO, "http");
        if (originalHost != null) {
            headers.set(X_FORWARDED_HOST, originalHost);
        } else {
            headers.remove(X_FORWARDED_HOST);
        }
        headers.set(X_FORWARDED_PORT, localPort);
        if (via) {
            headers.add(HttpHeaderNames.VIA, VIA_VALUE);
        }
    }
}
