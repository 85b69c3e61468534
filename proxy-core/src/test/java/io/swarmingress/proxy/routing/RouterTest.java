package io.swarmingress.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.swarmingress.config.ConfigParser;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.proxy.metrics.IngressMetrics;

class RouterTest {
    private final IngressMetrics metrics = new IngressMetrics();

    @AfterEach
    void close() {
        metrics.close();
    }

    private Router router(String... routes) {
        StringBuilder yaml = new StringBuilder("entrypoints: [{name: web, address: '127.0.0.1:0'}]\nroutes:\n");
        for (String r : routes) {
            yaml.append("  - {entrypoint: web, ").append(r).append("}\n");
        }
        yaml.append("services:\n");
        for (String s : List.of("exact", "wild", "deepwild", "any", "api", "apiv2", "root", "prod", "canary", "exactroot")) {
            yaml.append("  - {name: ").append(s).append(", endpoints: ['127.0.0.1:1']}\n");
        }
        IngressConfig config = new ConfigParser().parse(yaml.toString(), "router.yaml");
        return RoutingTable.build(config, Map.of(), null, metrics, Clock.systemUTC()).router("web");
    }

    private static String service(Route r) {
        return r == null ? null : r.service().name();
    }

    /** Header lookup as the proxy does it: names case-insensitive, values exact. */
    private static RequestHeaders headers(String... kv) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (int i = 0; i < kv.length; i += 2) {
            h.add(kv[i], kv[i + 1]);
        }
        return h::get;
    }

    @Test
    void exactHostBeatsWildcardAndWildcardBeatsAnyHost() {
        Router r = router("host: a.example.com, service: exact", "host: '*.example.com', service: wild",
                "host: '*.b.example.com', service: deepwild", "service: any");
        RequestHeaders none = RequestHeaders.NONE;
        assertThat(service(r.match("a.example.com", "/", none))).isEqualTo("exact");
        assertThat(service(r.match("x.example.com", "/", none))).isEqualTo("wild");
        assertThat(service(r.match("y.x.example.com", "/", none))).isEqualTo("wild");
        assertThat(service(r.match("c.b.example.com", "/", none))).as("longer wildcard suffix wins").isEqualTo("deepwild");
        assertThat(service(r.match("example.com", "/", none))).as("*.example.com does not match the apex").isEqualTo("any");
        assertThat(service(r.match("other.org", "/", none))).isEqualTo("any");
        assertThat(service(r.match(null, "/", none))).isEqualTo("any");
    }

    @Test
    void longestPathPrefixWins() {
        Router r = router("path_prefix: /api, service: api", "path_prefix: /api/v2, service: apiv2", "service: root");
        RequestHeaders none = RequestHeaders.NONE;
        assertThat(service(r.match("h", "/api/v2/users", none))).isEqualTo("apiv2");
        assertThat(service(r.match("h", "/api/v2", none))).isEqualTo("apiv2");
        assertThat(service(r.match("h", "/api/v1", none))).isEqualTo("api");
        assertThat(service(r.match("h", "/apix", none))).as("prefixes match whole segments only").isEqualTo("root");
        assertThat(service(r.match("h", "/api/v2x", none))).as("prefixes match whole segments only").isEqualTo("api");
        assertThat(service(r.match("h", "/", none))).isEqualTo("root");
        assertThat(service(r.match("h", "/other", none))).isEqualTo("root");
    }

    @Test
    void headerConditionsMustAllMatchAndMakeARouteMoreSpecific() {
        Router r = router("service: prod", "headers: {X-Canary: 'yes', X-Env: prod}, service: canary");
        assertThat(service(r.match("h", "/", headers("x-canary", "yes", "x-env", "prod")))).isEqualTo("canary");
        assertThat(service(r.match("h", "/", headers("X-Canary", "yes")))).isEqualTo("prod");
        assertThat(service(r.match("h", "/", headers("x-canary", "YES", "x-env", "prod")))).as("values are exact").isEqualTo("prod");
    }

    @Test
    void aHostWithoutAMatchingPathFallsThroughToLessSpecificHosts() {
        Router r = router("host: a.example.com, path_prefix: /admin, service: exact", "service: any");
        assertThat(service(r.match("a.example.com", "/admin/x", headers()))).isEqualTo("exact");
        assertThat(service(r.match("a.example.com", "/public", headers()))).isEqualTo("any");
    }

    @Test
    void noRouteMeansNoMatch() {
        Router r = router("host: a.example.com, service: exact");
        assertThat(r.match("b.example.com", "/", headers())).isNull();
        assertThat(router().match("a", "/", headers())).isNull();
    }

    @Test
    void manyRulesStillFindTheLastOne() {
        String[] routes = new String[2000];
        for (int i = 0; i < 1000; i++) {
            routes[i] = "host: h" + i + ".example.com, service: exact";
            routes[1000 + i] = "host: api.example.com, path_prefix: /p" + i + "/x, service: " + (i == 999 ? "api" : "root");
        }
        Router r = router(routes);
        assertThat(service(r.match("h999.example.com", "/", headers()))).isEqualTo("exact");
        assertThat(service(r.match("api.example.com", "/p999/x/y", headers()))).isEqualTo("api");
        assertThat(r.match("api.example.com", "/p1000/x", headers())).isNull();
    }

    @Test
    void stripPrefixRewritesTheTarget() {
        Router r = router("path_prefix: /api, strip_prefix: true, service: api");
        Route route = r.match("h", "/api/users", headers());
        assertThat(route.rewritePath("/api/users")).isEqualTo("/users");
        assertThat(route.rewritePath("/api")).isEqualTo("/");
        assertThat(route.rewritePath("/api/")).isEqualTo("/");
    }
}
