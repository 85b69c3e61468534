/**
 * HTTP/2 on http entrypoints, beside HTTP/1.1 on the same sockets and routes: a
 * {@code PrefaceDetector} hands a connection that starts with the client preface (h2c with prior
 * knowledge, or h2 negotiated by ALPN over TLS) to an {@code H2Connection}, Netty's HTTP/2 codec
 * with the proxy's limits ({@code H2Settings}); every other connection stays with the HTTP/1.1
 * front. Each stream ({@code H2Stream}) is one request for the protocol-neutral forwarder, its
 * head checked by the same HTTP/1.1 rules ({@code RequestBlock}), its body and response under
 * HTTP/2 flow control.
 */
package io.swarmingress.proxy.h2;
