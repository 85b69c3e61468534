package io.swarmingress.proxy.tls;

import java.io.ByteArrayInputStream;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLException;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.internal.tcnative.SSLContext;
import io.swarmingress.config.TlsConfig;

/**
 * Builds the server context of one certificate from an entrypoint's TLS settings: its protocol
 * versions and suites, session cache and tickets, ALPN (on http entrypoints the entrypoint's
 * {@code alpn} list, {@code h2} then {@code http/1.1} by default), client certificates and OCSP
 * stapling.
 *
 * <p>Why nothing else is needed for HTTP/2 over TLS: a client that negotiated {@code h2} starts
 * with the HTTP/2 client preface, which the http front recognises in the plaintext after the
 * handshake, as it does for h2c; the TLS layer needs no hook into the front.
 */
final class ContextFactory {
    private final TlsConfig config;
    private final TlsProvider provider;
    private final boolean http;
    /** The CAs client certificates must chain to; null without client_auth. */
    private final List<X509Certificate> clientCas;

    /**
     * @param http whether the entrypoint speaks HTTP (ALPN offers the config's {@code alpn} list)
     * @throws LoadedCertificate.Problem when the client CA file cannot be read (field {@code ca})
     */
    ContextFactory(TlsConfig config, TlsProvider provider, boolean http) throws LoadedCertificate.Problem {
        this.config = config;
        this.provider = provider;
        this.http = http;
        this.clientCas = config.clientAuth() == null ? null : cas(config.clientAuth().caFile());
    }

    SslContext build(LoadedCertificate cert) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forServer(cert.key(), cert.chain())
                .sslProvider(provider.provider())
                .protocols(config.protocols())
                .ciphers(config.ciphers(), IdentityCipherSuiteFilter.INSTANCE)
                .sessionCacheSize(config.sessionCacheSize())
                .sessionTimeout(config.sessionTimeout().toSeconds());
        if (http) {
            // NO_ADVERTISE + ACCEPT: a client that offers only protocols we lack goes on without ALPN (and
            // speaks HTTP/1.1). The server's order decides: the first of our list that the client offers.
            b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, config.alpn()));
        }
        if (clientCas != null) {
            b.clientAuth(config.clientAuth().mode() == TlsConfig.ClientAuthMode.REQUIRED ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL)
                    .trustManager(clientCas);
        }
        if (provider.openSsl() && cert.source().ocspResponseFile() != null) {
            b.enableOcsp(true); // each engine of this context then gets the staple (SniSelector)
        }
        if (provider.openSsl()) {
            // Handshakes run inline on the event loop: a signature is tens of microseconds, a task hop costs more.
            b.option(OpenSslContextOption.USE_TASKS, false);
        }
        SslContext context = b.build();
        if (context instanceof ReferenceCountedOpenSslContext) {
            long ctx = ((ReferenceCountedOpenSslContext) context).sslCtxPointer();
            // One TLS 1.3 ticket per handshake instead of two: a client resumes with one, and each costs a seal and a write.
            // Without tickets, none; TLS 1.2 tickets stay off as Netty leaves them until ticket keys are given (EntrypointTls
            // gives none then). SSLContext.setOptions(ctx, SSL_OP_NO_TICKET), the obvious way, crashed the JVM here in
            // native code (SIGSEGV, netty-tcnative-boringssl-static 2.0.84).
            SSLContext.setNumTickets(ctx, config.sessionTickets() ? 1 : 0);
            ((ReferenceCountedOpenSslContext) context).setRejectRemoteInitiatedRenegotiation(true);
        }
        return context;
    }

    static List<X509Certificate> cas(String file) throws LoadedCertificate.Problem {
        byte[] pem = LoadedCertificate.read("ca", file);
        List<X509Certificate> cas = new ArrayList<>();
        try {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))) {
                cas.add((X509Certificate) c);
            }
        } catch (CertificateException e) {
            throw new LoadedCertificate.Problem("ca", file + " is not a PEM certificate file: " + e.getMessage());
        }
        if (cas.isEmpty()) {
            throw new LoadedCertificate.Problem("ca", file + " holds no PEM certificate");
        }
        return cas;
    }
}
