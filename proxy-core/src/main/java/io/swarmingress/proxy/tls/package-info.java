/**
 * TLS at the front door: {@link io.swarmingress.proxy.tls.TlsLayer} terminates TLS on the
 * entrypoints whose config has {@code tls:}, ahead of the protocol front, so a front reads
 * plaintext whatever came on the wire. A connection's first handler reads the ClientHello and
 * picks the certificate for the name asked for (exact, wildcard, default; ECDSA when the client
 * can verify it), then puts BoringSSL (netty-tcnative; the JDK's provider when it cannot load)
 * in its place. Certificate files are watched and reloaded without dropping a connection; a file
 * that cannot be used leaves the previous certificate serving. {@link io.swarmingress.proxy.tls.ClientHello}
 * and {@link io.swarmingress.proxy.tls.HelloReader} also serve the tcp front's SNI passthrough,
 * which routes a TLS connection by name without decrypting it.
 */
package io.swarmingress.proxy.tls;
