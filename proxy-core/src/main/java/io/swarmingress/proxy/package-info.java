/**
 * The process: the command line ({@link io.swarmingress.proxy.Main}), one running proxy for a
 * config file ({@link io.swarmingress.proxy.Ingress}: data plane, admin listener, config watcher,
 * Swarm discovery) and the wiring of protocols to listeners ({@link io.swarmingress.proxy.Fronts}).
 *
 * <h2>The packages, from the bottom up</h2>
 * Each depends only on those below it; {@code PackageDependenciesTest} fails the build otherwise.
 * <pre>
 *   proxy         Main, Ingress, Fronts: wires everything
 *   admin, demo   the dashboard, /api/v1, /metrics, /healthz, /routes; the quickstart's backends
 *   relay         serves discovery's Swarm state to the proxies on workers (their follower is in discovery)
 *   h2            the http entrypoints' front: HTTP/2 streams, and HTTP/1.1 unless the first bytes are
 *                 the HTTP/2 preface (h2 builds on http1: same parser, same rules)
 *   http1, tcp    protocol fronts: an HTTP/1.1 client connection; a byte relay (SNI-routed for TLS passthrough)
 *   tls           TLS termination ahead of the fronts (a server Layer): certificates by SNI, reload,
 *                 ticket keys; the ClientHello reader passthrough routes with
 *   server        listeners and the atomic table swap; knows no protocol (a Front per protocol, Layers ahead,
 *                 behind the PROXY protocol reader where an entrypoint requires one)
 *   health        active health checks, on a loop of their own; state left on endpoints
 *   forward       route, service, endpoint pick, upstream lease, the exchange; knows no client protocol
 *   wire          HTTP/1.1 as bytes: heads scanned in place, fields by RFC 9112, bodies framed as slices
 *   routing       the immutable routing table (entrypoint options included), routers, balancers
 *   metrics       every meter, named in one place
 * </pre>
 *
 * <h2>A request's path</h2>
 * {@code server} accepts, adds the layers the entrypoint asks for ({@code tls} terminates TLS, so the
 * front reads plaintext) and hands the connection to the front of its entrypoint's protocol;
 * {@code h2} sends an HTTP/2 connection's streams on as requests (each checked by the HTTP/1.1
 * rules), and leaves any other connection to {@code http1}, which reads the request with {@code wire}'s parser and starts a {@code forward}
 * exchange, which matches a route in the {@code routing} table, picks an endpoint, leases a pooled
 * upstream connection (on the same event loop) and reports the response back through its
 * {@code Downstream}, which {@code http1} writes as bytes. Time on the data plane comes from the
 * event loop's ticker, so tests move it by hand.
 */
package io.swarmingress.proxy;
