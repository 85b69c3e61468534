/**
 * The protocol-neutral forwarder: one {@link io.swarmingress.proxy.forward.Exchange} per request
 * goes from route to service to endpoint pick to an upstream connection leased from the event
 * loop's pool, sends the request head ({@link io.swarmingress.proxy.forward.RequestHead}, kept for
 * the exchange's life so it can be written again) and body, and reports the response through a
 * {@link io.swarmingress.proxy.forward.Downstream}. An HTTP/1 connection is one downstream; an
 * HTTP/2 stream is another. Upstreams speak HTTP/1.1 ({@code wire}), or, for a service with
 * {@code protocol: h2c}, HTTP/2 over a connection per loop and endpoint whose streams each carry
 * one exchange ({@link io.swarmingress.proxy.forward.H2cUpstreams}; the exchange drives a stream
 * as it drives an HTTP/1.1 connection, its bytes translated to frames and back). Services whose
 * upstream connections must serve one client only (they start with a PROXY header,
 * {@link io.swarmingress.proxy.forward.ProxyProtocolHeader}, or ask for per-client reuse) keep
 * them in a pool of the {@link io.swarmingress.proxy.forward.Forwarder}'s own instead.
 */
package io.swarmingress.proxy.forward;
