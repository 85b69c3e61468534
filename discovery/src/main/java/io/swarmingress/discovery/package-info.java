/**
 * Swarm discovery: the only code that talks to Docker.
 *
 * <h2>Wiring</h2>
 * <pre>{@code
 * SwarmDiscovery discovery = SwarmDiscovery.forConfig(config, snapshot -> table.swap(merge(config, snapshot)), observer);
 * discovery.start();                                       // returns at once
 * discovery.firstSync().get(5, TimeUnit.SECONDS);          // optional: wait for the first snapshot
 * ...
 * discovery.close();
 * }</pre>
 * A {@link io.swarmingress.discovery.DiscoverySnapshot} carries endpoints by proxy service name
 * (a file service under its config name, a labelled service under its Swarm service name) and
 * the services and routes declared by labels; adding those to the file's config gives the
 * routing table. {@code forConfig} drops label routes that would clash with the file, so the
 * merged config stays valid; each such decision is in {@code warnings()}.
 *
 * <h2>Labels</h2> (prefix {@code ingress.} by default, {@code swarm.label_prefix} in the config)
 * <ul>
 * <li>{@code ingress.enable=true}: route this service (when {@code swarm.labels} is true)</li>
 * <li>{@code ingress.port}: the task port, required (Swarm has no port detection)</li>
 * <li>{@code ingress.http.host}, {@code ingress.http.path}, {@code ingress.http.strip_prefix}:
 *     a route; without host and path the service gets endpoints but no route (file routes may
 *     name it)</li>
 * <li>{@code ingress.entrypoint}: the route's entrypoint, else {@code swarm.entrypoint}</li>
 * <li>{@code ingress.lb}: {@code round_robin} (default) or {@code least_conn}</li>
 * <li>{@code ingress.network}: the overlay network of the task addresses, else
 *     {@code swarm.network}, else a task's only network</li>
 * </ul>
 * Precedence: the file beats labels (service names and routes); between labelled services, the
 * name first in sort order keeps a contested route. Every conflict is a warning.
 *
 * <h2>Metrics</h2>
 * {@link io.swarmingress.discovery.DiscoveryObserver#onSync} gives
 * {@code ingress_discovery_syncs_total{result="ok|error"}},
 * {@link io.swarmingress.discovery.DiscoveryObserver#onEvent} gives
 * {@code ingress_discovery_events_total{type}},
 * {@link io.swarmingress.discovery.SwarmDiscovery#lastSuccess()} gives
 * {@code ingress_discovery_last_success_timestamp_seconds} (and the age /routes shows), and the
 * sizes of {@code snapshot.endpoints()} give {@code ingress_service_endpoints{service}}.
 * {@link io.swarmingress.discovery.DiscoveryCounters} is a ready observer that only counts.
 *
 * <h2>Threads</h2>
 * {@code swarm-discovery} applies reads and calls the listener; {@code swarm-discovery-read}
 * runs API reads; {@code swarm-api-io} carries each HTTP call under its deadline;
 * {@code swarm-events} follows the event stream. None of them is an event loop, and no call from
 * outside blocks on Docker.
 *
 * <h2>Known limits</h2>
 * Container events are only seen on the node that runs the container: on a multi-node swarm a
 * task that dies on another node, with no service change, is seen at the next full resync
 * ({@code swarm.resync_interval}). Scales and updates are seen at once on any node, because the
 * service event starts the 100 ms re-reads of a converging service.
 */
package io.swarmingress.discovery;
