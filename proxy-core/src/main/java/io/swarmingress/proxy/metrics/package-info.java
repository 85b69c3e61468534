/**
 * Every meter the proxy publishes, named in one place ({@code ingress_} prefix, Prometheus
 * conventions), resolved when a table is built so the hot path never looks one up by name.
 */
package io.swarmingress.proxy.metrics;
