package io.swarmingress.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * TLS termination on one entrypoint: the certificates it serves (chosen per connection by the
 * name the client asks for), the protocol versions and cipher suites it accepts, session
 * resumption and, optionally, client certificates. Only the shape is checked here; whether the
 * files exist and hold a matching certificate and key is checked where they are loaded, with the
 * file and line of the field that names them.
 *
 * @param certificates PEM certificate chains and their keys; at least one
 * @param protocols the TLS versions accepted, out of {@code TLSv1.2} and {@code TLSv1.3}
 * @param ciphers IANA names of the TLS 1.2 suites, then the TLS 1.3 ones, in order of preference
 * @param sniStrict whether a client whose name no certificate covers is refused rather than given
 *                  the default certificate
 * @param sessionTickets whether clients may resume with session tickets (keys rotated every
 *                       {@code sessionTimeout}); the session cache works either way
 * @param sessionCacheSize sessions kept for resumption by id (TLS 1.2)
 * @param sessionTimeout how long a session may be resumed
 * @param clientAuth client certificates; null when none are asked for
 * @param alpn the application protocols offered by ALPN on an http entrypoint, in order of
 *             preference, out of {@code h2} and {@code http/1.1}; {@code [http/1.1]} turns HTTP/2
 *             off on the entrypoint. HTTP/1.1 is always in it: a client that offers no protocol we
 *             have goes on without ALPN and speaks HTTP/1.1, so leaving it out would refuse nobody
 */
public record TlsConfig(List<TlsCertificate> certificates, List<String> protocols, List<String> ciphers, boolean sniStrict,
                        boolean sessionTickets, int sessionCacheSize, Duration sessionTimeout, ClientAuth clientAuth,
                        List<String> alpn, Location location) {

    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.2", "TLSv1.3");
    /**
     * Forward-secret AEAD suites only (Mozilla's "intermediate" profile), ECDSA before RSA within a
     * strength; the TLS 1.3 suites last.
     */
    public static final List<String> DEFAULT_CIPHERS = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");
    public static final int DEFAULT_SESSION_CACHE_SIZE = 20_000;
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofMinutes(10);
    private static final Set<String> KNOWN_PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");
    public static final String H2 = "h2";
    public static final String HTTP_1_1 = "http/1.1";
    /** HTTP/2 preferred: a browser that offers both gets {@code h2}. */
    public static final List<String> DEFAULT_ALPN = List.of(H2, HTTP_1_1);

    /** How a client certificate is asked for. */
    public enum ClientAuthMode {
        /** The handshake fails without a certificate signed by the CA. */
        REQUIRED,
        /** A certificate is asked for; without one the connection goes on, with one it must verify. */
        OPTIONAL;

        static ClientAuthMode fromConfig(String value) {
            switch (value) {
                case "required": return REQUIRED;
                case "optional": return OPTIONAL;
                default: throw new IllegalArgumentException("'" + value + "' (expected: required or optional)");
            }
        }
    }

    /**
     * Client certificates (mutual TLS).
     *
     * @param caFile PEM file of the CAs a client certificate must chain to
     * @param subjectHeader the request header that carries the verified subject upstream (lower
     *                      case); a client's own header of that name is always removed
     */
    public record ClientAuth(ClientAuthMode mode, String caFile, String subjectHeader) {
        public static final String DEFAULT_SUBJECT_HEADER = "x-client-subject";

        public ClientAuth {
            if (mode == null) {
                throw new InvalidFieldException("mode", "is required (required or optional)");
            }
            if (caFile == null || caFile.isBlank()) {
                throw new InvalidFieldException("ca", "is required (a PEM file of the CAs client certificates chain to)");
            }
            subjectHeader = subjectHeader == null ? DEFAULT_SUBJECT_HEADER : subjectHeader.toLowerCase(Locale.ROOT);
            if (!HeaderNames.isToken(subjectHeader) || HeaderNames.isReserved(subjectHeader)) {
                throw new InvalidFieldException("subject_header", "'" + subjectHeader
                        + "' (expected: a header name that is not a framing, hop-by-hop or X-Forwarded field)");
            }
        }
    }

    public TlsConfig {
        certificates = certificates == null ? List.of() : List.copyOf(certificates);
        if (certificates.isEmpty()) {
            throw new InvalidFieldException("certificates", "is required: at least one {cert, key} pair of PEM files");
        }
        int defaults = 0;
        for (TlsCertificate c : certificates) {
            defaults += c.isDefault() ? 1 : 0;
        }
        if (defaults > 1) {
            throw new InvalidFieldException("certificates", "more than one certificate is marked default: true");
        }
        if (sniStrict && defaults > 0) {
            throw new InvalidFieldException("sni_strict", "refuses unknown names, so no certificate can be the default");
        }
        protocols = protocols == null || protocols.isEmpty() ? DEFAULT_PROTOCOLS : List.copyOf(protocols);
        for (String p : protocols) {
            if (!KNOWN_PROTOCOLS.contains(p)) {
                throw new InvalidFieldException("protocols", "'" + p + "' (expected: TLSv1.2, TLSv1.3)");
            }
        }
        ciphers = ciphers == null || ciphers.isEmpty() ? DEFAULT_CIPHERS : List.copyOf(ciphers);
        for (String c : ciphers) {
            if (!c.matches("[A-Z0-9_]+")) {
                throw new InvalidFieldException("ciphers", "'" + c + "' (expected: IANA names such as "
                        + "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 or TLS_AES_128_GCM_SHA256)");
            }
        }
        if (sessionCacheSize < 0) {
            throw new InvalidFieldException("session_cache_size", sessionCacheSize + " (expected: >= 0, 0 turns the cache off)");
        }
        if (sessionTimeout == null) {
            sessionTimeout = DEFAULT_SESSION_TIMEOUT;
        }
        if (sessionTimeout.compareTo(Duration.ofSeconds(1)) < 0 || sessionTimeout.compareTo(Duration.ofDays(7)) > 0) {
            throw new InvalidFieldException("session_timeout", Durations.format(sessionTimeout) + " (expected: 1s to 168h)");
        }
        alpn = alpn == null ? DEFAULT_ALPN : List.copyOf(alpn);
        if (alpn.isEmpty()) {
            throw new InvalidFieldException("alpn", "is empty (expected: [h2, http/1.1], or [http/1.1] to turn HTTP/2 off)");
        }
        for (String a : alpn) {
            if (!a.equals(H2) && !a.equals(HTTP_1_1)) {
                throw new InvalidFieldException("alpn", "'" + a + "' (expected: h2, http/1.1)");
            }
        }
        if (Set.copyOf(alpn).size() != alpn.size()) {
            throw new InvalidFieldException("alpn", alpn + " names a protocol twice");
        }
        if (!alpn.contains(HTTP_1_1)) {
            throw new InvalidFieldException("alpn", alpn + " leaves out http/1.1, which is always served (a client "
                    + "without ALPN speaks it); [h2, http/1.1] or [http/1.1]");
        }
        if (location == null) {
            location = Location.NONE;
        }
    }

    /** Whether ALPN offers HTTP/2 ({@code h2}). */
    public boolean offersH2() {
        return alpn.contains(H2);
    }

    /** TLS with these certificates and every other setting at its default. */
    public static TlsConfig of(List<TlsCertificate> certificates) {
        return new TlsConfig(certificates, null, null, false, true, DEFAULT_SESSION_CACHE_SIZE, DEFAULT_SESSION_TIMEOUT, null,
                null, Location.NONE);
    }

    /** The certificate given to clients whose name no certificate covers: the one marked default, else the first. */
    public TlsCertificate defaultCertificate() {
        for (TlsCertificate c : certificates) {
            if (c.isDefault()) {
                return c;
            }
        }
        return certificates.get(0);
    }
}
