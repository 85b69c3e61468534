package io.swarmingress.proxy.http1;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.security.auth.x500.X500Principal;

import io.netty.handler.ssl.SslHandler;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.config.TlsConfig;

/**
 * The lines every request of one client connection carries upstream, the same for each request:
 * {@code X-Forwarded-Proto} ({@code https} on a TLS entrypoint) and {@code X-Forwarded-Port} (the
 * port the client connected to), and with client certificates the verified subject, which is
 * known once the TLS handshake ended.
 */
final class ForwardedLines {
    private final String base;
    /** The header of a verified client subject (lower case); null without client certificates. */
    private final String subjectHeader;

    ForwardedLines(EntrypointConfig config, SocketAddress local) {
        String port = local instanceof InetSocketAddress ? Integer.toString(((InetSocketAddress) local).getPort()) : "";
        this.base = "x-forwarded-proto: " + (config.terminatesTls() ? "https" : "http") + "\r\nx-forwarded-port: " + port + "\r\n";
        TlsConfig.ClientAuth auth = config.terminatesTls() ? config.tls().clientAuth() : null;
        this.subjectHeader = auth == null ? null : auth.subjectHeader();
    }

    byte[] lines() {
        return base.getBytes(StandardCharsets.US_ASCII);
    }

    String subjectHeader() {
        return subjectHeader;
    }

    /** The lines with the subject of the client certificate the handshake verified; without one, as before. */
    byte[] withSubject(SslHandler ssl) {
        String subject = verifiedSubject(ssl);
        return subject == null ? lines() : (base + subjectHeader + ": " + subject + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The subject of the client's verified certificate in RFC 2253 form ({@code CN=alice,O=Example}),
     * with every byte outside printable ASCII written as {@code \XX} (UTF-8), so that a header line
     * can carry it unchanged; null when the client sent none.
     */
    static String verifiedSubject(SslHandler ssl) {
        if (ssl == null) {
            return null;
        }
        Certificate[] peer;
        try {
            peer = ssl.engine().getSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        if (peer.length == 0 || !(peer[0] instanceof X509Certificate)) {
            return null;
        }
        String dn = ((X509Certificate) peer[0]).getSubjectX500Principal().getName(X500Principal.RFC2253);
        StringBuilder out = new StringBuilder(dn.length());
        for (byte b : dn.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c < 0x20 || c > 0x7e) {
                out.append('\\').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            } else {
                out.append((char) c);
            }
        }
        return out.toString();
    }
}
