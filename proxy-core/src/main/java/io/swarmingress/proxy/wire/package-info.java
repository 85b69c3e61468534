/**
 * HTTP/1.1 as bytes, in both directions: heads are scanned in place ({@code HeadLines}), their
 * fields checked by one set of rules ({@code MessageFields}, {@link io.swarmingress.proxy.wire.FieldRules},
 * {@code ConnectionHeaders}), bodies framed as slices of the buffers read ({@code BodyFraming},
 * {@code ChunkedBody}), and the heads the proxy sends on written in one canonical form
 * ({@link io.swarmingress.proxy.wire.RequestHeadWriter}, {@code ResponseHeadWriter}).
 *
 * <p>This is the proxy's security boundary: anything a lenient peer could read differently from
 * us (framing, target, Host, trailers, field names) is refused, never forwarded as sent. It knows
 * nothing of routes, services or connections; {@code forward} and {@code http1} use it.
 */
package io.swarmingress.proxy.wire;
