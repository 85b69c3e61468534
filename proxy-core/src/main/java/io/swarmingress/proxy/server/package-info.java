/**
 * Listeners and the live routing table: {@link io.swarmingress.proxy.server.ProxyServer} binds an
 * entrypoint per config entry, swaps the table atomically on reload or discovery, admits
 * connections up to {@code max_connections}, and drains on shutdown. It knows no protocol: each
 * entrypoint's connections get the handlers of the {@link io.swarmingress.proxy.server.Front} of
 * its protocol, once a PROXY protocol header has named the client where the entrypoint requires
 * one ({@link io.swarmingress.proxy.server.ClientAddresses}).
 */
package io.swarmingress.proxy.server;
