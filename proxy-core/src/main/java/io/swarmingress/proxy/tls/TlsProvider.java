package io.swarmingress.proxy.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

/**
 * Which TLS implementation terminates: BoringSSL through netty-tcnative (faster handshakes and
 * bulk encryption, session ticket keys under our control) whenever its native library loads, the
 * JDK's otherwise. {@code -Dswarm.ingress.tls.provider=jdk} forces the JDK's.
 */
public record TlsProvider(SslProvider provider, String description) {

    public static TlsProvider best() {
        if ("jdk".equals(System.getProperty("swarm.ingress.tls.provider"))) {
            return jdk("requested with -Dswarm.ingress.tls.provider=jdk");
        }
        if (OpenSsl.isAvailable()) {
            return new TlsProvider(SslProvider.OPENSSL_REFCNT, "OpenSSL provider (" + OpenSsl.versionString() + ", netty-tcnative)");
        }
        Throwable cause = OpenSsl.unavailabilityCause();
        return jdk("the OpenSSL provider cannot load: " + (cause == null ? "unknown cause" : cause.toString()));
    }

    public static TlsProvider jdk(String why) {
        return new TlsProvider(SslProvider.JDK, "JDK provider (" + why + ")");
    }

    boolean openSsl() {
        return provider != SslProvider.JDK;
    }
}
