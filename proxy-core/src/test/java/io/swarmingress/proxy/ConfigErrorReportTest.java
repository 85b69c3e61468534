package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.swarmingress.config.ConfigError;
import io.swarmingress.config.ConfigException;
import io.swarmingress.config.ConfigParser;

/**
 * What {@code check} prints comes from these errors: one per real problem, each with its line
 * and field, and no follow-on error that points at a declaration which is in fact there.
 */
class ConfigErrorReportTest {

    @Test
    void anEntrypointOrServiceWithAnErrorIsStillDeclaredForTheRoutesThatNameIt() {
        String yaml = """
                entrypoints:
                  - name: web
                    address: 127.0.0.1:99999
                    protocol: http
                  - name: db
                    address: 127.0.0.1:5432
                    protocol: tcp
                    service: pg
                routes:
                  - entrypoint: web
                    path_prefix: /
                    service: app
                  - entrypoint: web
                    path_prefix: /missing
                    service: nowhere
                services:
                  - name: app
                    connect_timeout: soon
                    endpoints:
                      - 127.0.0.1:8081
                  - name: pg
                    lb: fastest
                    endpoints:
                      - 127.0.0.1:5433
                """;

        List<ConfigError> errors = catchThrowableOfType(ConfigException.class,
                () -> new ConfigParser().parse(yaml, "broken.yaml")).errors();

        assertThat(errors).extracting(e -> e.line() + " " + e.field())
                .containsExactlyInAnyOrder(
                        "3 entrypoints[0].address",
                        "18 services[0].connect_timeout",
                        "22 services[1].lb",
                        "15 routes[1].service");
        assertThat(errors).filteredOn(e -> e.field().equals("routes[1].service"))
                .singleElement().extracting(ConfigError::message).isEqualTo("'nowhere' is not a declared service");
    }
}
