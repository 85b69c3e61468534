/** The admin listener: {@code /metrics} (Prometheus), {@code /healthz} and {@code /routes} (the live table as JSON). */
package io.swarmingress.proxy.admin;
