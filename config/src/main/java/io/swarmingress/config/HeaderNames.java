package io.swarmingress.config;

import java.util.Set;

/** What a header name the config sets on requests or responses may be. */
final class HeaderNames {
    /** Fields the proxy writes itself or that frame the message: a configured header may not take their place. */
    private static final Set<String> RESERVED = Set.of("host", "content-length", "transfer-encoding", "connection",
            "keep-alive", "te", "trailer", "upgrade", "proxy-connection", "expect", "via", "forwarded", "x-forwarded-for",
            "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port");

    private HeaderNames() {
    }

    /** RFC 9110 section 5.6.2: a token of tchars. */
    static boolean isToken(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static boolean isReserved(String lowerName) {
        return RESERVED.contains(lowerName) || RESERVED.contains(lowerName.replace('_', '-'));
    }
}
