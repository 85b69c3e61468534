package io.swarmingress.proxy.http1;

import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.security.auth.x500.X500Principal;

import io.netty.handler.ssl.SslHandler;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.config.TlsConfig;

/**
 * The subject of a client certificate, which the proxy vouches for upstream in the header an
 * entrypoint's {@code client_auth} names: known once the TLS handshake verified the certificate,
 * the same for every request of the connection.
 */
final class ClientSubject {
    private ClientSubject() {
    }

    /** The header that carries a verified subject upstream (lower case); null on an entrypoint without client certificates. */
    static String header(EntrypointConfig config) {
        TlsConfig.ClientAuth auth = config.terminatesTls() ? config.tls().clientAuth() : null;
        return auth == null ? null : auth.subjectHeader();
    }

    /**
     * The subject of the client's verified certificate in RFC 2253 form ({@code CN=alice,O=Example}),
     * with every byte outside printable ASCII written as {@code \XX} (UTF-8), so that a header line
     * can carry it unchanged; null when the client sent none.
     */
    static String verified(SslHandler ssl) {
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
