package io.swarmingress.config;

import java.time.Duration;

/** Durations as people write them in proxy configs: {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}. */
public final class Durations {
    private Durations() {
    }

    public static Duration parse(String text) {
        String s = text.trim();
        int i = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        if (i == 0 || i == s.length()) {
            throw new IllegalArgumentException("'" + text + "' (expected: a number with a unit ms, s, m or h, e.g. 5s)");
        }
        long n = Long.parseLong(s.substring(0, i));
        switch (s.substring(i)) {
            case "ms": return Duration.ofMillis(n);
            case "s": return Duration.ofSeconds(n);
            case "m": return Duration.ofMinutes(n);
            case "h": return Duration.ofHours(n);
            default:
                throw new IllegalArgumentException("'" + text + "' has the unit '" + s.substring(i) + "' (expected: ms, s, m or h)");
        }
    }

    /** The inverse of {@link #parse}, for /routes and messages. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
