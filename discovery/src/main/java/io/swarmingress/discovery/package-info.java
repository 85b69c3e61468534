/**
 * Swarm discovery: the only code that talks to Docker.
 *
 * <h2>Wiring</h2>
 * <pre>{@code
 * SwarmDiscovery discovery = SwarmDiscovery.forConfig(config, snapshot -> table.swap(merge(config, snapshot)), observer);
 * discovery.start();                                       // returns at once
 * discovery.firstSync().get(5, TimeUnit.SECONDS);          // optional: wait for the first snapshot
 * discovery.applyFileConfig(reloaded);                     // a new file, same swarm: section: no restart
 * ...
 * discovery.close();
 * }</pre>
 * A {@link io.swarmingress.discovery.DiscoverySnapshot} carries endpoints by proxy service name
 * (a file service under its config name, a labelled service under its Swarm service name) and
 * the services and routes declared by labels; adding those to the file's config gives the
 * routing table. {@code forConfig} drops label routes that would clash with the file, so the
 * merged config stays valid; each such decision is in {@code warnings()}. When the file changes
 * and its {@code swarm:} section does not ({@link io.swarmingress.config.SwarmProviderConfig#sameSettings}),
 * {@code applyFileConfig} rebuilds the snapshot from the services already read, without a read.
 *
 * <h2>Rooms</h2>
 * Each class has one job; the data flows from top to bottom:
 * <pre>
 *  EventStream        follows GET /events on its own thread; events are triggers, never state
 *    EventTriage      which services an event concerns: one service, its tasks, or everything
 *  ReadScheduler      when to read what: debounce, resync, the 100 ms re-reads of converging
 *                     services (given up after 60 s), no overlapping reads
 *  CatalogueSync      carries a read: SwarmReader on a reader thread, then on the loop applied,
 *                     counted (SyncStatus) and published; a failed read is applied nowhere
 *    SwarmReader      the two reads: everything in two calls (a third while a routed service
 *                     has fewer ready tasks than it wants), or a few services with all their tasks
 *      DockerApi      the Engine API of several managers, a deadline per call, failover in the
 *                     order of ManagerOrder (last answer first, recent failures last)
 *    ServiceCatalogue services by id as last read successfully (stale-on-error, newer read wins)
 *  SnapshotPublisher  SnapshotBuilder (+ TaskEndpoints: which tasks, which address) over the
 *                     catalogue; publishes only what changed; holds what the file says, so a
 *                     new file is one more publish
 *  SwarmDiscovery     the public face: lifecycle, threads and the wiring of the rooms above
 * </pre>
 * Time is passed in: a Caffeine {@link com.github.benmanes.caffeine.cache.Ticker} for every delay
 * and age, a {@link java.time.Clock} for the "last success" timestamps, and delays run through
 * the {@code DiscoveryLoop}; {@code SystemTime} is the one place that reads the system's clocks.
 * Tests move time by hand instead of sleeping.
 *
 * <h2>Make before break</h2>
 * Swarm moves a task's desired state before its container stops. A task told to stop whose
 * container still runs stays an endpoint, as a fallback, while its service has fewer ready tasks
 * than it wants (a reschedule after a node missed its heartbeats, a drain, a stop-first update);
 * it leaves when its replacement runs or its container stops. Where the remaining ready tasks
 * suffice (a scale-down, a start-first update) it leaves at once, as before. The rule is in
 * {@code TaskEndpoints}; {@link io.swarmingress.discovery.DiscoverySnapshot#fallbacks()} tells the
 * proxy which endpoints are fallbacks, and {@code endpoints()} still lists every endpoint to route to.
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
 * <li>the resilience settings of a file service under the same names: timeouts
 *     ({@code ingress.connect_timeout}, ...), {@code ingress.retries}, {@code ingress.retry_on},
 *     {@code ingress.outlier.*} and an active health check ({@code ingress.health.path} or
 *     {@code ingress.health.tcp=true}, {@code ingress.health.interval}, ...); see {@code LabelPolicies}</li>
 * </ul>
 * Precedence: the file beats labels (service names and routes); between labelled services, the
 * name first in sort order keeps a contested route. Every conflict is a warning.
 *
 * <h2>Metrics</h2>
 * What discovery reports goes through {@link io.swarmingress.discovery.DiscoveryObserver}; the
 * proxy's metrics turn {@code onSync} into {@code ingress_discovery_syncs_total{result="success"|"failure"}}
 * and {@code onEvent} into {@code ingress_discovery_events_total{type}}, and read
 * {@link io.swarmingress.discovery.SwarmDiscovery#lastSuccess()} for
 * {@code ingress_discovery_last_success_timestamp_seconds} (and the age /routes shows); the sizes
 * of {@code snapshot.endpoints()} give {@code ingress_service_endpoints{service}} (fallbacks
 * included; {@code snapshot.fallbacks()} says how many are fallbacks). Manager
 * failovers are reported through {@code onFailover} too, but the proxy does not export them as a
 * metric (yet); {@link io.swarmingress.discovery.DiscoveryCounters}, a ready observer that only
 * counts, counts them.
 *
 * <h2>Threads</h2>
 * {@code swarm-discovery} (the loop) triages events, schedules, applies reads and calls the
 * listener; {@code swarm-discovery-read} runs API reads; {@code swarm-api-io} carries each HTTP
 * call under its deadline; {@code swarm-events} follows the event stream. None of them is an
 * event loop of the proxy, and no call from outside blocks on Docker.
 *
 * <h2>Known limits</h2>
 * Container events are only seen on the node that runs the container: on a multi-node swarm a
 * task that dies on another node, with no service change, is seen at the next full resync
 * ({@code swarm.resync_interval}). Scales and updates are seen at once on any node, because the
 * service event starts the 100 ms re-reads of a converging service.
 */
package io.swarmingress.discovery;
