/**
 * The admin listener, on a thread of its own: the dashboard ({@code /}, one self-contained page
 * in the jar), its versioned JSON API ({@code /api/v1/routes}, {@code /services},
 * {@code /discovery}, {@code /reloads}, {@code /traffic}), {@code /metrics} (Prometheus),
 * {@code /healthz} and {@code /routes} (the live table as JSON, as before the API).
 *
 * <p>Read-only: GET and HEAD only, nothing here changes what the proxy does. It reads the live
 * routing table, discovery's snapshot and the very meters Prometheus scrapes; the charts' history
 * samples those meters once a second on the admin thread, so the data plane does nothing for it.
 * Optional basic auth from an htpasswd file of bcrypt users ({@code admin.htpasswd}) covers
 * everything but {@code /healthz}. Never shown: TLS keys, Docker TLS material, label and header
 * values whose name looks like a credential ({@code Secrets}).
 */
package io.swarmingress.proxy.admin;
