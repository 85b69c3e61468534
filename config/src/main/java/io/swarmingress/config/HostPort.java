package io.swarmingress.config;

import java.util.Locale;

/**
 * A host (name, IPv4 or IPv6 literal) and a port, as written in config: {@code 10.0.1.5:8080},
 * {@code [::1]:8080}, {@code backend:80}. Port 0 is allowed only where a listener may pick its own.
 */
public record HostPort(String host, int port) {

    public HostPort {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host is empty");
        }
        host = host.toLowerCase(Locale.ROOT);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " (expected: 0-65535)");
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':' || c == '_'
                    || c == '%';
            if (!ok) {
                throw new IllegalArgumentException("host '" + host + "' has the character '" + c + "'");
            }
        }
    }

    /**
     * Parses {@code host:port}; a bare {@code :port} means every address.
     *
     * @throws IllegalArgumentException with a message fit for a config error
     */
    public static HostPort parse(String text, boolean allowPortZero) {
        String s = text == null ? "" : text.trim();
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("'" + text + "' (expected: [ipv6]:port)");
            }
            host = s.substring(1, close);
            port = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0 || s.indexOf(':') != colon) {
                throw new IllegalArgumentException("'" + text + "' (expected: host:port)");
            }
            host = colon == 0 ? "0.0.0.0" : s.substring(0, colon);
            port = s.substring(colon + 1);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no numeric port");
        }
        int min = allowPortZero ? 0 : 1;
        if (p < min || p > 65535) {
            throw new IllegalArgumentException("port " + p + " in '" + text + "' (expected: " + min + "-65535)");
        }
        return new HostPort(host, p);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
