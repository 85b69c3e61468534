package io.swarmingress.proxy.http1;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.security.auth.x500.X500Principal;

import io.netty.handler.ssl.SslHandler;

/** The client certificate a TLS handshake verified, as the header value the upstream gets. */
final class ClientCertificates {
    private ClientCertificates() {
    }

    /**
     * The subject of the client's verified certificate in RFC 2253 form ({@code CN=alice,O=Example}),
     * with any byte outside printable ASCII written as {@code \XX}, so a header line can carry it;
     * null when the client sent none.
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
        for (int i = 0; i < dn.length(); i++) {
            char c = dn.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                for (byte b : String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                    out.append('\\').append(String.format("%02X", b & 0xff));
                }
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
