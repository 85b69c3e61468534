package io.swarmingress.proxy.chaos;

/**
 * The proxy's config in the chaos test: two Swarm services behind one entrypoint, told apart by
 * host.
 * <ul>
 * <li>{@code web} has what a user sets for zero failed requests on an overlay network:
 *     {@code connect_timeout: 500ms} (an address whose task vanished may not even refuse a
 *     connection, so a short connect time out is how soon a retry can start), {@code retries: 3}
 *     on {@code [reset, 502, 503]} (a killed task resets the requests it holds; GETs may be sent
 *     again), passive ejection after one connect failure or reset (the default, spelled out), a
 *     {@code request_timeout} that bounds a request with its retries, and an HTTP health check of
 *     {@code /} every second, so a new task gets traffic only once it answers;
 * <li>{@code plain} names only its Swarm service: every other setting is the default.
 * </ul>
 */
final class ChaosConfig {
    static final String PROXY = "127.0.0.1:18080";
    static final int ADMIN_PORT = 19091;
    static final int TASK_PORT = 8080;

    private ChaosConfig() {
    }

    /** {@code variant} > 0 alternates two harmless changes (a route, a timeout), for the reload scenario. */
    static String yaml(int variant, String webService, String plainService, String dockerSocket) {
        boolean odd = variant % 2 == 1;
        return String.join("\n",
                "io_threads: 2",
                "shutdown_grace: 15s",
                "admin: {address: '127.0.0.1:" + ADMIN_PORT + "'}",
                "entrypoints: [{name: web, address: '" + PROXY + "'}]",
                "routes:",
                "  - {entrypoint: web, host: web.test, service: web}",
                "  - {entrypoint: web, host: plain.test, service: plain}",
                odd ? "  - {entrypoint: web, host: extra.test, service: plain}" : "",
                "services:",
                "  - name: web",
                "    swarm: {service: " + webService + ", port: " + TASK_PORT + ", network: " + Lab.NETWORK + "}",
                "    connect_timeout: 500ms",
                "    response_timeout: " + (odd ? "6s" : "5s"),
                "    request_timeout: 15s",
                "    retries: 3",
                "    retry_on: [reset, 502, 503]",
                "    outlier_detection: {consecutive_failures: 1, base_ejection_time: 5s, max_ejection_percent: 50}",
                "    health_check: {path: /, interval: 1s, timeout: 500ms, healthy_threshold: 1, unhealthy_threshold: 2}",
                "  - name: plain",
                "    swarm: {service: " + plainService + ", port: " + TASK_PORT + ", network: " + Lab.NETWORK + "}",
                "swarm:",
                "  endpoints: ['unix://" + dockerSocket + "']",
                "  network: " + Lab.NETWORK,
                "  labels: false",
                "");
    }
}
