package io.swarmingress.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Hashing, sticky sessions, endpoint weights and weighted routes as users write them, and the errors they get. */
class BalancingConfigTest {
    private static final String HEAD = "entrypoints: [{name: web, address: '127.0.0.1:0'}]\n";

    private static IngressConfig parse(String yaml) {
        return new ConfigParser(name -> Map.of("STICKY_SECRET", "from-env").get(name)).parse(HEAD + yaml, "lb.yaml");
    }

    private static ServiceConfig service(String options) {
        return parse("services:\n  - {name: app, endpoints: ['10.0.0.1:80', '10.0.0.2:80']" + options + "}\n").service("app");
    }

    @Test
    void policiesAndHashKeys() {
        assertThat(service(", lb: p2c").lb()).isEqualTo(LbPolicy.P2C);
        ServiceConfig hashed = service(", lb: hash");
        assertThat(hashed.balancing().hashOn()).as("the client's address by default").isEqualTo(HashOn.CLIENT_ADDRESS);
        assertThat(service(", lb: hash, hash_on: path").balancing().hashOn()).isEqualTo(new HashOn(HashOn.Source.PATH, null));
        assertThat(service(", lb: hash, hash_on: 'header:X-User-Id'").balancing().hashOn())
                .isEqualTo(new HashOn(HashOn.Source.HEADER, "x-user-id"));
        assertThat(service(", lb: hash, hash_on: 'cookie:Session'").balancing().hashOn())
                .isEqualTo(new HashOn(HashOn.Source.COOKIE, "Session"));
        assertThat(service("").balancing().hashOn()).isNull();
    }

    @Test
    void stickySessionsTrueOrWithOptions() {
        StickySessions plain = service(", sticky: true").balancing().sticky();
        assertThat(plain).isEqualTo(new StickySessions("ingress_app", null, false, true, StickySessions.SameSite.LAX, null));
        assertThat(service(", sticky: false").balancing().sticky()).isNull();
        StickySessions full = service(", sticky: {cookie: sid, max_age: 2h, secure: true, http_only: false, same_site: none,"
                + " secret: '${STICKY_SECRET}'}").balancing().sticky();
        assertThat(full).isEqualTo(new StickySessions("sid", Duration.ofHours(2), true, false, StickySessions.SameSite.NONE, "from-env"));
        assertThat(full.toString()).as("the secret never shows").doesNotContain("from-env").contains("secret=configured");
    }

    @Test
    void endpointWeightsAreWrittenAsMappingsAmongPlainEndpoints() {
        ServiceConfig s = parse("services:\n  - name: app\n    endpoints:\n      - 10.0.0.1:80\n"
                + "      - {address: '10.0.0.2:80', weight: 3}\n      - {address: '10.0.0.3:80'}\n").service("app");
        assertThat(s.endpoints()).containsExactly(new HostPort("10.0.0.1", 80), new HostPort("10.0.0.2", 80),
                new HostPort("10.0.0.3", 80));
        assertThat(s.balancing().weight(new HostPort("10.0.0.1", 80))).isEqualTo(1);
        assertThat(s.balancing().weight(new HostPort("10.0.0.2", 80))).isEqualTo(3);
        assertThat(s.balancing().weights()).containsOnlyKeys(new HostPort("10.0.0.2", 80));
    }

    @Test
    void aRouteSplitsAmongWeightedServices() {
        IngressConfig c = parse("routes:\n  - entrypoint: web\n    services: [{name: a, weight: 90}, {name: b, weight: 10}]\n"
                + "services: [{name: a, endpoints: ['10.0.0.1:80']}, {name: b, endpoints: ['10.0.0.2:80']}]\n");
        RouteConfig r = c.routes().get(0);
        assertThat(r.services()).containsExactly(new WeightedService("a", 90), new WeightedService("b", 10));
        assertThat(r.split()).isTrue();
        assertThat(r.service()).isEqualTo("a");
        RouteConfig single = parse("routes: [{entrypoint: web, service: a}]\nservices: [{name: a, endpoints: ['10.0.0.1:80']}]\n")
                .routes().get(0);
        assertThat(single.services()).containsExactly(new WeightedService("a", 1));
        assertThat(single.split()).isFalse();
    }

    @Test
    void mistakesNameTheirFileLineAndField() {
        assertError(() -> service(", lb: hash, hash_on: 'query:x'"), "lb.yaml:3: services[0].hash_on: 'query:x' (expected: client_address,"
                + " path, header:NAME or cookie:NAME)");
        assertError(() -> service(", lb: hash, hash_on: 'header:bad name'"), "lb.yaml:3: services[0].hash_on: 'bad name' is not a valid header name");
        assertError(() -> service(", hash_on: path"), "lb.yaml:3: services[0].hash_on: is for lb: hash (this service has lb: round_robin)");
        assertError(() -> service(", sticky: {same_site: none}"), "lb.yaml:3: services[0].sticky.same_site: none needs secure: true");
        assertError(() -> service(", sticky: {cookie: 'a b'}"), "lb.yaml:3: services[0].sticky.cookie: 'a b' is not a valid cookie name");
        assertError(() -> service(", sticky: {max_age: 0s}"), "lb.yaml:3: services[0].sticky.max_age: 0s (expected: > 0");
        assertError(() -> service(", sticky: {same_site: loose}"), "lb.yaml:3: services[0].sticky.same_site: 'loose' (expected: lax, strict or none)");
        assertError(() -> service(", sticky: {domain: x}"), "lb.yaml:3: services[0].sticky.domain: is not a known option");
        assertError(() -> service(", sticky: maybe"), "lb.yaml:3: services[0].sticky: 'maybe' (expected: true or false)");
        assertError(() -> parse("services:\n  - name: app\n    endpoints:\n      - 10.0.0.1:80\n"
                + "      - {address: '10.0.0.2:80', weight: 0}\n"), "lb.yaml:6: services[0].endpoints[1].weight: 0 (expected: 1-256)");
        assertError(() -> parse("services:\n  - name: app\n    endpoints:\n      - {weight: 2}\n"),
                "lb.yaml:5: services[0].endpoints[0].address: is required");
        String two = "services: [{name: a, endpoints: ['10.0.0.1:80']}, {name: b, endpoints: ['10.0.0.2:80']}]\n";
        assertError(() -> parse("routes:\n  - entrypoint: web\n    service: a\n    services: [{name: b}]\n" + two),
                "lb.yaml:5: routes[0].services: a route takes either service or services, not both");
        assertError(() -> parse("routes:\n  - entrypoint: web\n    services:\n      - {name: a, weight: 1001}\n" + two),
                "lb.yaml:5: routes[0].services[0].weight: 1001 (expected: 0-1000)");
        assertError(() -> parse("routes:\n  - entrypoint: web\n    services: [{name: a, weight: 0}, {name: b, weight: 0}]\n" + two),
                "lb.yaml:4: routes[0].services: every weight is 0");
        assertError(() -> parse("routes:\n  - entrypoint: web\n    services: [{name: a}, {name: a}]\n" + two),
                "lb.yaml:4: routes[0].services: 'a' is listed twice");
        assertError(() -> parse("routes:\n  - entrypoint: web\n    services: [{name: a}, {name: c}]\n" + two),
                "lb.yaml:4: routes[0].services: 'c' is not a declared service");
    }

    @Test
    void aTcpEntrypointCanHashOnlyOnTheClientAddressAndHasNoCookies() {
        String tcp = "entrypoints: [{name: db, address: '127.0.0.1:0', protocol: tcp, service: pg}]\n";
        ConfigParser parser = new ConfigParser(name -> null);
        assertThat(parser.parse(tcp + "services: [{name: pg, lb: hash, endpoints: ['10.0.0.1:5432']}]\n", "t.yaml")
                .service("pg").balancing().hashOn()).isEqualTo(HashOn.CLIENT_ADDRESS);
        assertError(() -> parser.parse(tcp + "services: [{name: pg, sticky: true, endpoints: ['10.0.0.1:5432']}]\n", "t.yaml"),
                "t.yaml:1: entrypoints[0].service: 'pg' has sticky sessions, which need HTTP");
        assertError(() -> parser.parse(tcp + "services: [{name: pg, lb: hash, hash_on: path, endpoints: ['10.0.0.1:5432']}]\n",
                "t.yaml"), "t.yaml:1: entrypoints[0].service: 'pg' hashes on path, which a tcp entrypoint does not have");
    }

    private interface Parse {
        Object run();
    }

    private static void assertError(Parse parse, String expected) {
        assertThatThrownBy(parse::run).isInstanceOf(ConfigException.class).hasMessageContaining(expected);
    }
}
