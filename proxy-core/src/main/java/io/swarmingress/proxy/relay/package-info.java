/**
 * The relay of Swarm state to proxies on workers: {@link io.swarmingress.proxy.relay.RelayServer}
 * serves, on its own listener and event loop, the state discovery read from the Swarm API, as the
 * event stream of {@link io.swarmingress.discovery.RelayProtocol}; the follower is
 * {@link io.swarmingress.discovery.RelayDiscovery}, in discovery, which needs no Netty. It knows
 * discovery's state and the transport, nothing of the data plane ({@code PackageDependenciesTest}).
 */
package io.swarmingress.proxy.relay;
