/**
 * Active health checks of endpoints (an HTTP path or a TCP connect), on a loop of their own; the
 * data plane only reads the state they leave on each {@link io.swarmingress.proxy.routing.Endpoint}.
 */
package io.swarmingress.proxy.health;
