package io.swarmingress.proxy.wire;

import java.nio.charset.StandardCharsets;

/**
 * What the proxy says about one client connection in the heads it sends upstream, worked out once
 * when the connection starts (its peer and its trust do not change) so that a request costs no
 * allocation for it: the client's address for X-Forwarded-For (and for Forwarded, RFC 7239 form),
 * the X-Forwarded-Proto and -Port lines, whether the peer is trusted, and on a TLS entrypoint with
 * client certificates the subject the handshake verified.
 *
 * <p>From a trusted peer (a load balancer named in {@code trusted_proxies}) the client's
 * X-Forwarded-For chain is kept and the client appended; its X-Forwarded-Proto, -Host and -Port,
 * Forwarded and X-Real-IP pass unchanged, and the proxy writes its own X-Forwarded-Proto, -Host,
 * -Port only where the peer sent none (a TLS-terminating balancer's "https" survives). From any
 * other peer, X-Forwarded-For is the client's address alone and the rest are the proxy's own;
 * Forwarded and X-Real-IP are removed.
 */
public final class ForwardedFields {
    final byte[] client;
    /** The Forwarded line appended after a trusted peer's Forwarded lines: {@code forwarded: for=...}. */
    final byte[] forwardedLine;
    final byte[] protoLine;
    /** Empty when the connection has no port to tell (not a socket). */
    final byte[] portLine;
    final boolean trusted;
    /** The verified subject of the client's certificate, in the entrypoint's header; empty without one. */
    final byte[] subjectLine;

    /**
     * @param client the client's address as text (IPv6 without brackets), or some other name for
     *               a connection that has none
     * @param proto the scheme the client used, {@code http} or {@code https}
     * @param port the port the client connected to, or -1 when there is none
     * @param trusted whether the peer's X-Forwarded-* fields are believed
     */
    public ForwardedFields(String client, String proto, int port, boolean trusted) {
        this.client = ascii(client);
        boolean ipv6 = client.indexOf(':') >= 0;
        // RFC 7239 section 6: an IPv6 node is bracketed, and then quoted since ':' is not a token character.
        this.forwardedLine = ascii("forwarded: for=" + (ipv6 ? "\"[" + client + "]\"" : client) + "\r\n");
        this.protoLine = ascii("x-forwarded-proto: " + proto + "\r\n");
        this.portLine = port < 0 ? new byte[0] : ascii("x-forwarded-port: " + port + "\r\n");
        this.trusted = trusted;
        this.subjectLine = new byte[0];
    }

    private ForwardedFields(ForwardedFields base, byte[] subjectLine) {
        this.client = base.client;
        this.forwardedLine = base.forwardedLine;
        this.protoLine = base.protoLine;
        this.portLine = base.portLine;
        this.trusted = base.trusted;
        this.subjectLine = subjectLine;
    }

    /**
     * These fields and a client certificate's subject, which the TLS handshake verified: written
     * on every request of the connection, whatever the peer's trust (the parser drops a client's
     * own line of that name).
     *
     * @param lowerCaseName the entrypoint's {@code subject_header}
     * @param subject the subject as header-safe ASCII
     */
    public ForwardedFields withSubject(String lowerCaseName, String subject) {
        return new ForwardedFields(this, ascii(lowerCaseName + ": " + subject + "\r\n"));
    }

    public boolean trusted() {
        return trusted;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
