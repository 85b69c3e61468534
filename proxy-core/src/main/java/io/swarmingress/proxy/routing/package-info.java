/**
 * The routing table: one immutable snapshot of entrypoint options, routes, services and their
 * endpoints, built off the event loops and swapped atomically. Routers match host, path prefix
 * (whole segments) and headers; load balancers are one small {@code pick} interface with
 * package-private implementations.
 */
package io.swarmingress.proxy.routing;
