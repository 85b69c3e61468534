/**
 * The protocol-neutral forwarder: one {@link io.swarmingress.proxy.forward.Exchange} per request
 * goes from route to service to endpoint pick to an upstream connection leased from the event
 * loop's pool, sends the request head ({@link io.swarmingress.proxy.forward.RequestHead}, kept for
 * the exchange's life so it can be written again) and body, and reports the response through a
 * {@link io.swarmingress.proxy.forward.Downstream}. An HTTP/1 connection is one downstream; an
 * HTTP/2 stream would be another. Upstreams speak HTTP/1.1 ({@code wire}). Services whose
 * upstream connections must serve one client only (they start with a PROXY header,
 * {@link io.swarmingress.proxy.forward.ProxyProtocolHeader}, or ask for per-client reuse) keep
 * them in a pool of the {@link io.swarmingress.proxy.forward.Forwarder}'s own instead.
 */
package io.swarmingress.proxy.forward;
