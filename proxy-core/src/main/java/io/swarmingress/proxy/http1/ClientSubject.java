package io.swarmingress.proxy.http1;

import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.security.auth.x500.X500Principal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.config.TlsConfig;
import io.swarmingress.proxy.wire.ForwardedFields;
import io.swarmingress.proxy.wire.RequestParser;

/**
 * The subject of a client certificate, which the proxy vouches for upstream in the header an
 * entrypoint's {@code client_auth} names: known once the TLS handshake verified the certificate,
 * the same for every request of the connection.
 */
public final class ClientSubject {
    /** The header that carries a verified subject upstream (lower case); null on an entrypoint without client certificates. */
    private final String header;

    private ClientSubject(String header) {
        this.header = header;
    }

    /**
     * The subject of one connection's client. On an entrypoint with client certificates, the
     * parser is told the header is the proxy's own: a client's line of that name is dropped.
     */
    static ClientSubject of(EntrypointConfig config, RequestParser parser) {
        String header = header(config);
        if (header != null) {
            parser.ownField(header);
        }
        return new ClientSubject(header);
    }

    /** The header a verified subject goes upstream in on this entrypoint; null on one without client certificates. */
    public static String header(EntrypointConfig config) {
        TlsConfig.ClientAuth auth = config.terminatesTls() ? config.tls().clientAuth() : null;
        return auth == null ? null : auth.subjectHeader();
    }

    /**
     * The fields of an HTTP/2 connection's requests with its client's verified subject, when it
     * has one: an HTTP/2 connection starts after its handshake ended, so the subject is known.
     * Its streams' parsers must own {@link #header} too, as an HTTP/1 connection's does.
     */
    public static ForwardedFields vouchedFor(EntrypointConfig config, Channel ch, ForwardedFields fields) {
        String header = header(config);
        String subject = header == null ? null : verified(ch.pipeline().get(SslHandler.class));
        return subject == null ? fields : fields.withSubject(header, subject);
    }

    /**
     * The TLS handshake ended: a verified subject goes on every request of the connection (this
     * comes before any request could be read).
     */
    void handshook(SslHandshakeCompletionEvent event, ChannelPipeline pipeline, ParsedRequest head) {
        String subject = header != null && event.isSuccess() ? verified(pipeline.get(SslHandler.class)) : null;
        if (subject != null) {
            head.verifiedSubject(header, subject);
        }
    }

    /**
     * The subject of the client's verified certificate in RFC 2253 form ({@code CN=alice,O=Example}),
     * with every byte outside printable ASCII written as {@code \XX} (UTF-8), so that a header line
     * can carry it unchanged; null when the client sent none.
     */
    public static String verified(SslHandler ssl) {
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
