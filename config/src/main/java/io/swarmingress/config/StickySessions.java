package io.swarmingress.config;

import java.time.Duration;
import java.util.Locale;

/**
 * Sticky sessions for a service: the first response sets a cookie naming the endpoint that
 * served it, and later requests that carry it go to that endpoint while it is in the service and
 * available; when it is not, the policy picks another and the cookie is set again.
 *
 * <p>The cookie never shows an address: its value is an HMAC-SHA256 of the service and endpoint,
 * keyed by {@code secret}. Proxies that serve the same clients (several replicas behind a load
 * balancer, or one proxy across restarts) must share the secret to read each other's cookies;
 * without one, each proxy process draws its own random key.
 *
 * @param cookie the cookie's name; null for {@code ingress_<service>}, filled in by {@link ServiceConfig}
 * @param maxAge how long the browser keeps it; null for a session cookie (gone when the browser closes)
 * @param secret the HMAC key; null for a random key of this process
 */
public record StickySessions(String cookie, Duration maxAge, boolean secure, boolean httpOnly, SameSite sameSite, String secret) {
    /** The cookie's SameSite attribute. */
    public enum SameSite {
        LAX("Lax"), STRICT("Strict"), NONE("None");

        private final String attribute;

        SameSite(String attribute) {
            this.attribute = attribute;
        }

        /** As written in Set-Cookie. */
        public String attribute() {
            return attribute;
        }

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static SameSite fromConfig(String value) {
            for (SameSite s : values()) {
                if (s.configName().equals(value.trim().toLowerCase(Locale.ROOT))) {
                    return s;
                }
            }
            throw new InvalidFieldException("same_site", "'" + value + "' (expected: lax, strict or none)");
        }
    }

    /** HttpOnly, SameSite=Lax, a session cookie, a per-process key. */
    public static final StickySessions DEFAULT = new StickySessions(null, null, false, true, SameSite.LAX, null);

    public StickySessions {
        if (cookie != null && !Cookies.isToken(cookie)) {
            throw new InvalidFieldException("cookie", "'" + cookie + "' is not a valid cookie name"
                    + " (expected: letters, digits and !#$%&'*+-.^_`|~)");
        }
        if (maxAge != null && (maxAge.isNegative() || maxAge.isZero())) {
            throw new InvalidFieldException("max_age", Durations.format(maxAge) + " (expected: > 0, or no max_age for a session cookie)");
        }
        if (sameSite == null) {
            sameSite = SameSite.LAX;
        }
        if (sameSite == SameSite.NONE && !secure) {
            // Browsers drop a SameSite=None cookie without Secure: the sessions would silently never stick.
            throw new InvalidFieldException("same_site", "none needs secure: true (browsers refuse it otherwise)");
        }
        if (secret != null && secret.isEmpty()) {
            secret = null;
        }
    }

    StickySessions withCookie(String name) {
        return new StickySessions(name, maxAge, secure, httpOnly, sameSite, secret);
    }

    /** Without the secret: what /routes and logs may show. */
    @Override
    public String toString() {
        return "StickySessions[cookie=" + cookie + ", maxAge=" + maxAge + ", secure=" + secure + ", httpOnly=" + httpOnly
                + ", sameSite=" + sameSite + ", secret=" + (secret == null ? "per-process" : "configured") + "]";
    }
}
