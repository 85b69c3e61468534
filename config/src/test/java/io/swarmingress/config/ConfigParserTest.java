package io.swarmingress.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ConfigParserTest {
    private final ConfigParser parser = new ConfigParser(name -> Map.of("BACKEND_PORT", "9001").get(name));

    private static final String VALID = String.join("\n",
            "io_threads: 2",
            "shutdown_grace: 3s",
            "admin:",
            "  address: 127.0.0.1:9090",
            "entrypoints:",
            "  - name: web",
            "    address: 0.0.0.0:8080",
            "  - name: db",
            "    address: 127.0.0.1:5432",
            "    protocol: tcp",
            "    service: pg",
            "routes:",
            "  - entrypoint: web",
            "    host: '*.Example.com'",
            "    path_prefix: /api",
            "    strip_prefix: true",
            "    headers: {X-Env: prod}",
            "    service: api",
            "services:",
            "  - name: api",
            "    lb: least_conn",
            "    connect_timeout: 250ms",
            "    response_timeout: 5s",
            "    idle_timeout: 1m",
            "    endpoints: [10.0.1.5:8080, '[::1]:8080', 'backend:${BACKEND_PORT}']",
            "  - name: pg",
            "    endpoints: [10.0.1.9:5432]",
            "shutdown_delay: 4s",
            "");

    @Test
    void parsesEveryOption() {
        IngressConfig c = parser.parse(VALID, "ingress.yaml");
        assertThat(c.ioThreads()).isEqualTo(2);
        assertThat(c.shutdownGrace()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.shutdownDelay()).isEqualTo(Duration.ofSeconds(4));
        assertThat(c.admin().address()).isEqualTo(new HostPort("127.0.0.1", 9090));
        assertThat(c.entrypoints()).extracting(EntrypointConfig::name).containsExactly("web", "db");
        assertThat(c.entrypoint("web").protocol()).isEqualTo(Protocol.HTTP);
        assertThat(c.entrypoint("db").service()).isEqualTo("pg");
        RouteConfig r = c.routes().get(0);
        assertThat(r.host()).isEqualTo("*.example.com");
        assertThat(r.pathPrefix()).isEqualTo("/api");
        assertThat(r.stripPrefix()).isTrue();
        assertThat(r.headers()).containsEntry("x-env", "prod");
        assertThat(r.location().line()).isEqualTo(13);
        ServiceConfig api = c.service("api");
        assertThat(api.lb()).isEqualTo(LbPolicy.LEAST_CONN);
        assertThat(api.timeouts()).isEqualTo(new Timeouts(Duration.ofMillis(250), Duration.ofSeconds(5), Duration.ofMinutes(1)));
        assertThat(api.endpoints()).containsExactly(new HostPort("10.0.1.5", 8080), new HostPort("::1", 8080),
                new HostPort("backend", 9001));
        assertThat(c.service("pg").lb()).isEqualTo(LbPolicy.ROUND_ROBIN);
    }

    @Test
    void defaultsApplyWhenOptionsAreOmitted() {
        IngressConfig c = parser.parse("entrypoints: [{name: web, address: ':80'}]\n", "min.yaml");
        assertThat(c.ioThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(c.admin()).isNull();
        assertThat(c.shutdownGrace()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.shutdownDelay()).as("no delay unless a load balancer in front needs one").isZero();
        assertThat(c.entrypoint("web").address()).isEqualTo(new HostPort("0.0.0.0", 80));
        assertThat(c.entrypoint("web").limits()).isEqualTo(ClientLimits.DEFAULT);
    }

    @Test
    void everyErrorNamesFileLineAndField() {
        String text = String.join("\n",
                "io_threads: 0",                                   // 1
                "entrypoints:",                                    // 2
                "  - name: web",                                   // 3
                "    address: 0.0.0.0:70000",                      // 4
                "  - name: web2",                                  // 5
                "    address: 0.0.0.0:8081",                       // 6
                "    protocl: http",                               // 7 unknown key
                "routes:",                                         // 8
                "  - entrypoint: web2",                            // 9
                "    path_prefix: api",                            // 10 no leading slash
                "    service: api",                                // 11
                "  - entrypoint: web2",                            // 12
                "    service: nowhere",                            // 13 unknown service
                "services:",                                       // 14
                "  - name: api",                                   // 15
                "    lb: random",                                  // 16
                "    connect_timeout: 5",                          // 17
                "    endpoints: [10.0.0.1:0, 10.0.0.2:80]",        // 18
                "");
        assertThatThrownBy(() -> parser.parse(text, "bad.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).extracting(ConfigError::toString)
                        .contains(
                                "bad.yaml:4: entrypoints[0].address: port 70000 in '0.0.0.0:70000' (expected: 0-65535)",
                                "bad.yaml:7: entrypoints[1].protocl: is not a known option",
                                "bad.yaml:10: routes[0].path_prefix: 'api' (expected: starts with '/')",
                                "bad.yaml:16: services[0].lb: 'random' (expected: round_robin, least_conn, p2c or hash)",
                                "bad.yaml:17: services[0].connect_timeout: '5' (expected: a number with a unit ms, s, m or h, e.g. 5s)",
                                "bad.yaml:18: services[0].endpoints[0]: port 0 in '10.0.0.1:0' (expected: 1-65535)"));
    }

    @Test
    void clientAddressOptionsAreReadWithTheirDefaults() {
        String text = String.join("\n",
                "entrypoints:",
                "  - name: edge",
                "    address: 0.0.0.0:8080",
                "    proxy_protocol: true",
                "    trusted_proxies: [10.0.0.0/8, '::1', 2001:db8::/32, 192.0.2.7]",
                "  - name: plain",
                "    address: 0.0.0.0:8081",
                "  - name: db",
                "    address: 0.0.0.0:5432",
                "    protocol: tcp",
                "    proxy_protocol: true",
                "    service: pg",
                "services:",
                "  - name: pg",
                "    send_proxy_protocol: v2",
                "    endpoints: [10.0.1.9:5432]",
                "  - name: api",
                "    send_proxy_protocol: v1",
                "    upstream_reuse: per_client",
                "    endpoints: [10.0.1.9:80]",
                "  - name: legacy",
                "    upstream_reuse: per_client",
                "    endpoints: [10.0.1.9:81]",
                "  - name: plain",
                "    endpoints: [10.0.1.9:82]",
                "");
        IngressConfig c = parser.parse(text, "addr.yaml");
        EntrypointConfig edge = c.entrypoint("edge");
        assertThat(edge.proxyProtocol()).isTrue();
        assertThat(edge.trustedProxies().blocks()).extracting(Cidr::toString)
                .containsExactly("10.0.0.0/8", "::1/128", "2001:db8::/32", "192.0.2.7/32");
        assertThat(c.entrypoint("plain").proxyProtocol()).isFalse();
        assertThat(c.entrypoint("plain").trustedProxies()).isEqualTo(TrustedProxies.NONE);
        assertThat(c.entrypoint("db").proxyProtocol()).isTrue();
        assertThat(c.service("pg").upstream()).isEqualTo(new UpstreamOptions(ProxyProtocolVersion.V2, UpstreamOptions.Reuse.PER_CLIENT));
        assertThat(c.service("pg").upstream().perClient()).as("a PROXY header describes one client").isTrue();
        assertThat(c.service("api").upstream().sendProxyProtocol()).isEqualTo(ProxyProtocolVersion.V1);
        assertThat(c.service("legacy").upstream()).isEqualTo(new UpstreamOptions(null, UpstreamOptions.Reuse.PER_CLIENT));
        assertThat(c.service("plain").upstream()).isEqualTo(UpstreamOptions.DEFAULT);
        assertThat(c.service("plain").upstream().perClient()).isFalse();
    }

    @Test
    void h2cUpstreamProtocolIsReadAndCheckedWithFileLineAndField() {
        String ok = String.join("\n",
                "entrypoints:",
                "  - name: web",
                "    address: 0.0.0.0:8080",
                "services:",
                "  - name: greeter",
                "    protocol: h2c",
                "    endpoints: [10.0.1.9:50051]",
                "  - name: plain",
                "    protocol: http1",
                "    endpoints: [10.0.1.9:80]",
                "");
        IngressConfig c = parser.parse(ok, "grpc.yaml");
        assertThat(c.service("greeter").upstream().protocol()).isEqualTo(UpstreamProtocol.H2C);
        assertThat(c.service("greeter").upstream().h2c()).isTrue();
        assertThat(c.service("plain").upstream()).isEqualTo(UpstreamOptions.DEFAULT);

        String bad = String.join("\n",
                "entrypoints:",                                    // 1
                "  - name: web",                                   // 2
                "    address: 0.0.0.0:8080",                       // 3
                "services:",                                       // 4
                "  - name: a",                                     // 5
                "    protocol: h3",                                // 6
                "    endpoints: [10.0.1.9:50051]",                 // 7
                "  - name: b",                                     // 8
                "    protocol: h2c",                               // 9
                "    send_proxy_protocol: v2",                     // 10
                "    endpoints: [10.0.1.9:50052]",                 // 11
                "  - name: c",                                     // 12
                "    protocol: h2c",                               // 13
                "    upstream_reuse: per_client",                  // 14
                "    endpoints: [10.0.1.9:50053]",                 // 15
                "");
        assertThatThrownBy(() -> parser.parse(bad, "grpc.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).extracting(ConfigError::toString)
                        .containsExactlyInAnyOrder(
                                "grpc.yaml:6: services[0].protocol: 'h3' (expected: http1 or h2c)",
                                "grpc.yaml:9: services[1].protocol: h2c cannot go with send_proxy_protocol (an h2c connection "
                                        + "carries the streams of many clients; a PROXY header names one)",
                                "grpc.yaml:13: services[2].protocol: h2c cannot go with upstream_reuse: per_client (an h2c "
                                        + "connection is shared by the streams of every client on its event loop)"));
    }

    @Test
    void clientAddressOptionErrorsNameFileLineAndField() {
        String text = String.join("\n",
                "entrypoints:",                                    // 1
                "  - name: web",                                   // 2
                "    address: 0.0.0.0:8080",                       // 3
                "    proxy_protocol: yes please",                  // 4
                "    trusted_proxies: [10.0.0.0/8, 10.1.0.0/8, proxy.example.com]", // 5
                "  - name: db",                                    // 6
                "    address: 0.0.0.0:5432",                       // 7
                "    protocol: tcp",                               // 8
                "    service: pg",                                 // 9
                "    trusted_proxies: [10.0.0.0/8]",               // 10
                "services:",                                       // 11
                "  - name: pg",                                    // 12
                "    send_proxy_protocol: v3",                     // 13
                "    endpoints: [10.0.1.9:5432]",                  // 14
                "  - name: api",                                   // 15
                "    send_proxy_protocol: v2",                     // 16
                "    upstream_reuse: shared",                      // 17
                "    endpoints: [10.0.1.9:80]",                    // 18
                "  - name: other",                                 // 19
                "    upstream_reuse: sometimes",                   // 20
                "    endpoints: [10.0.1.9:81]",                    // 21
                "");
        assertThatThrownBy(() -> parser.parse(text, "addr.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).extracting(ConfigError::toString)
                        .containsExactlyInAnyOrder(
                                "addr.yaml:4: entrypoints[0].proxy_protocol: 'yes please' (expected: true or false)",
                                "addr.yaml:5: entrypoints[0].trusted_proxies[1]: '10.1.0.0/8' has bits set past the /8 prefix "
                                        + "(expected: 10.0.0.0/8)",
                                "addr.yaml:5: entrypoints[0].trusted_proxies[2]: 'proxy.example.com' (expected: an IPv4 or IPv6 "
                                        + "address or CIDR block, e.g. 10.0.0.0/8 or fd00::/8)",
                                "addr.yaml:10: entrypoints[1].trusted_proxies: is only for http entrypoints (a tcp relay writes no "
                                        + "X-Forwarded-For; use proxy_protocol to learn the client's address)",
                                "addr.yaml:13: services[0].send_proxy_protocol: 'v3' (expected: v1 or v2)",
                                "addr.yaml:17: services[1].upstream_reuse: shared cannot go with send_proxy_protocol "
                                        + "(a connection that starts with a PROXY header describes one client)",
                                "addr.yaml:20: services[2].upstream_reuse: 'sometimes' (expected: shared or per_client)"));
    }

    @Test
    void crossRecordErrorsPointAtTheReferencingLine() {
        String text = String.join("\n",
                "io_threads: 0",
                "entrypoints:",
                "  - {name: web, address: '127.0.0.1:8080'}",
                "  - {name: web, address: '127.0.0.1:8081'}",
                "  - {name: other, address: '127.0.0.1:8080'}",
                "routes:",
                "  - entrypoint: web",
                "    service: ghost",
                "  - entrypoint: missing",
                "    service: api",
                "services:",
                "  - {name: api, endpoints: ['10.0.0.1:80']}",
                "  - {name: api, endpoints: ['10.0.0.2:80']}",
                "");
        assertThatThrownBy(() -> parser.parse(text, "x.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).extracting(ConfigError::toString)
                        .containsExactlyInAnyOrder(
                                "x.yaml:1: io_threads: 0 (expected: >= 1)",
                                "x.yaml:4: entrypoints[1].name: 'web' is declared twice",
                                "x.yaml:5: entrypoints[2].address: 127.0.0.1:8080 is already used by entrypoint 'web'",
                                "x.yaml:13: services[1].name: 'api' is declared twice",
                                "x.yaml:8: routes[0].service: 'ghost' is not a declared service",
                                "x.yaml:9: routes[1].entrypoint: 'missing' is not a declared entrypoint"));
    }

    @Test
    void syntaxErrorsAndWrongShapesAreReported() {
        assertThatThrownBy(() -> parser.parse("entrypoints: [\n  - name: a\n", "broken.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.errors()).hasSize(1);
                    assertThat(e.errors().get(0).file()).isEqualTo("broken.yaml");
                    assertThat(e.errors().get(0).line()).isPositive();
                    assertThat(e.errors().get(0).message()).startsWith("invalid YAML");
                });
        assertThatThrownBy(() -> parser.parse("- a\n- b\n", "list.yaml"))
                .hasMessage("list.yaml:1: : the config must be a mapping");
        assertThatThrownBy(() -> parser.parse("entrypoints: web\n", "s.yaml"))
                .hasMessage("s.yaml:1: entrypoints: expected a list");
        assertThatThrownBy(() -> parser.parse("io_threads: 1\nio_threads: 2\n", "d.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("d.yaml:2");
    }

    @Test
    void tcpEntrypointsNeedAServiceAndTakeNoRoutes() {
        String text = String.join("\n",
                "entrypoints:",
                "  - {name: db, address: '127.0.0.1:5432', protocol: tcp}",
                "  - {name: db2, address: '127.0.0.1:5433', protocol: tcp, service: pg}",
                "routes:",
                "  - {entrypoint: db2, service: pg}",
                "services:",
                "  - {name: pg, endpoints: ['10.0.0.1:5432']}",
                "");
        assertThatThrownBy(() -> parser.parse(text, "t.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).extracting(ConfigError::toString)
                        .containsExactlyInAnyOrder(
                                "t.yaml:2: entrypoints[0].service: is required on a tcp entrypoint",
                                "t.yaml:5: routes[0].entrypoint: 'db2' is a tcp entrypoint (routes need http, or a tcp entrypoint with tls_passthrough: true)"));
    }

    @Test
    void unsetEnvironmentVariableWithoutDefaultIsAnError() {
        assertThatThrownBy(() -> parser.parse("admin: {address: '${NOPE}'}\n", "e.yaml"))
                .hasMessageContaining("e.yaml:1: admin.address: environment variable NOPE is not set");
        IngressConfig c = parser.parse("admin: {address: '${NOPE:-127.0.0.1:9999}'}\n", "e.yaml");
        assertThat(c.admin().address().port()).isEqualTo(9999);
    }

    @Test
    void recordsValidateWhenBuiltInCodeToo() {
        assertThatThrownBy(() -> RouteConfig.of("web", "a.*.com", "/", "api"))
                .isInstanceOfSatisfying(InvalidFieldException.class, e -> assertThat(e.field()).isEqualTo("host"));
        assertThatThrownBy(() -> ServiceConfig.of("api", LbPolicy.ROUND_ROBIN,
                List.of(new HostPort("10.0.0.1", 80), new HostPort("10.0.0.1", 80))))
                .hasMessageContaining("listed twice");
        assertThatThrownBy(() -> IngressConfig.of(List.of(), List.of(RouteConfig.of("web", null, "/", "api")), List.of(), null, 1))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'web' is not a declared entrypoint");
    }

    @Test
    void durationsRoundTrip() {
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ofSeconds(120))).isEqualTo("2m");
        assertThatThrownBy(() -> Durations.parse("5 s")).isInstanceOf(IllegalArgumentException.class);
    }
}
