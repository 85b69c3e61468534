/**
 * The HTTP/1.1 front: one {@code Http1Connection} per client connection moves bytes (flow control,
 * deadlines, lingering close), one {@code Http1Request} per connection is the client's side of the
 * exchange in progress (what may be forwarded, what the proxy answers itself, how the connection
 * ends). Slow clients are bounded by {@code ClientDeadlines}: a head due a fixed time after its
 * first byte, a body at a minimum rate, the idle timeout between requests.
 */
package io.swarmingress.proxy.http1;
