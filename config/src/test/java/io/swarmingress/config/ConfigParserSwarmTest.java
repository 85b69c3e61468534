package io.swarmingress.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ConfigParserSwarmTest {

    private static final String HEAD = ""
            + "entrypoints:\n"
            + "  - name: web\n"
            + "    address: 127.0.0.1:8080\n"
            + "  - name: db\n"
            + "    address: 127.0.0.1:5432\n"
            + "    protocol: tcp\n"
            + "    service: pg\n"
            + "services:\n"
            + "  - name: pg\n"
            + "    swarm: { service: postgres, port: 5432, network: dbnet }\n";

    private final ConfigParser parser = new ConfigParser(Map.of("DOCKER_HOST", "tcp://10.0.0.9:2376")::get);

    @Test
    void readsTheWholeSwarmSection() {
        IngressConfig c = parser.parse(HEAD
                + "swarm:\n"
                + "  endpoints:\n"
                + "    - ${DOCKER_HOST:-unix:///var/run/docker.sock}\n"
                + "    - tcp://10.0.0.10:2376\n"
                + "  tls: { ca: /certs/ca.pem, cert: /certs/cert.pem, key: /certs/key.pem }\n"
                + "  label_prefix: edge.\n"
                + "  labels: false\n"
                + "  network: appnet\n"
                + "  entrypoint: web\n"
                + "  resync_interval: 30s\n"
                + "  debounce: 250ms\n"
                + "  api_timeout: 2s\n", "ingress.yaml");
        SwarmProviderConfig s = c.swarm();
        assertThat(s.endpoints()).containsExactly("tcp://10.0.0.9:2376", "tcp://10.0.0.10:2376");
        assertThat(s.tls()).isEqualTo(new SwarmProviderConfig.Tls("/certs/ca.pem", "/certs/cert.pem", "/certs/key.pem"));
        assertThat(s.labelPrefix()).isEqualTo("edge.");
        assertThat(s.labels()).isFalse();
        assertThat(s.network()).isEqualTo("appnet");
        assertThat(s.entrypoint()).isEqualTo("web");
        assertThat(s.resyncInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.debounce()).isEqualTo(Duration.ofMillis(250));
        assertThat(s.apiTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.location().file()).isEqualTo("ingress.yaml");
        assertThat(c.service("pg").swarm()).isEqualTo(new SwarmServiceRef("postgres", 5432, "dbnet"));
    }

    @Test
    void anEmptySectionMeansEveryDefault() {
        IngressConfig c = parser.parse(HEAD + "swarm: {}\n", "ingress.yaml");
        assertThat(c.swarm()).usingRecursiveComparison().ignoringFields("location")
                .isEqualTo(SwarmProviderConfig.of(List.of()));
    }

    @Test
    void withoutTheSectionThereIsNoProvider() {
        IngressConfig c = parser.parse("entrypoints: [{name: web, address: ':8080'}]\n", "ingress.yaml");
        assertThat(c.swarm()).isNull();
        assertThat(IngressConfig.of(List.of(), List.of(), List.of(), null, 1).swarm()).isNull();
    }

    @Test
    void aServiceNamingASwarmServiceNeedsTheSection() {
        assertThatThrownBy(() -> parser.parse(HEAD, "ingress.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).singleElement()
                        .satisfies(err -> {
                            assertThat(err.line()).isEqualTo(10);
                            assertThat(err.field()).isEqualTo("services[0].swarm");
                            assertThat(err.message()).contains("'postgres'", "top-level swarm: section is missing");
                        }));
    }

    @Test
    void unknownKeysAndBadValuesAreLocatedErrors() {
        assertThatThrownBy(() -> parser.parse(HEAD
                + "swarm:\n"
                + "  endpoint: unix:///var/run/docker.sock\n"
                + "  labels: yes\n"
                + "  debounce: 1x\n"
                + "  tls: { ca: ca.pem, cert: cert.pem }\n", "ingress.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
                        .extracting(err -> err.line() + " " + err.field())
                        .containsExactlyInAnyOrder("13 swarm.labels", "14 swarm.debounce", "15 swarm.tls.key",
                                "12 swarm.endpoint"));
    }

    @Test
    void aRecordErrorNamesTheFieldAndItsLine() {
        assertThatThrownBy(() -> parser.parse(HEAD
                + "swarm:\n"
                + "  api_timeout: 1s\n"
                + "  endpoints: [ 'http://manager:2375' ]\n", "ingress.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).singleElement()
                        .satisfies(err -> {
                            assertThat(err.line()).isEqualTo(13);
                            assertThat(err.field()).isEqualTo("swarm.endpoints");
                            assertThat(err.message()).contains("unknown scheme");
                        }));
    }

    @Test
    void theDefaultEntrypointOfLabelRoutesMustBeAnHttpEntrypoint() {
        assertThatThrownBy(() -> parser.parse(HEAD + "swarm: { entrypoint: db }\n", "ingress.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).singleElement()
                        .satisfies(err -> {
                            assertThat(err.field()).isEqualTo("swarm.entrypoint");
                            assertThat(err.message()).contains("tcp entrypoint");
                        }));
        assertThatThrownBy(() -> parser.parse(HEAD + "swarm: { entrypoint: nope }\n", "ingress.yaml"))
                .hasMessageContaining("'nope' is not a declared entrypoint");
    }

    @Test
    void readsTheRelayAndTheTaskPoll() {
        IngressConfig manager = parser.parse(HEAD
                + "swarm:\n"
                + "  task_poll_interval: 500ms\n"
                + "  relay:\n"
                + "    listen: 0.0.0.0:9091\n"
                + "    from: [tasks.proxy:9091, 10.0.0.3:9091]\n"
                + "    token_file: /run/secrets/relay-token\n", "ingress.yaml");
        SwarmProviderConfig m = manager.swarm();
        assertThat(m.source()).isEqualTo(SwarmSource.DOCKER);
        assertThat(m.taskPollInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(m.relay()).isEqualTo(new SwarmRelay(new HostPort("0.0.0.0", 9091),
                List.of(new HostPort("tasks.proxy", 9091), new HostPort("10.0.0.3", 9091)), "/run/secrets/relay-token"));

        IngressConfig worker = new ConfigParser(Map.of("INGRESS_SWARM_SOURCE", "relay")::get).parse(HEAD
                + "swarm:\n"
                + "  source: ${INGRESS_SWARM_SOURCE:-docker}\n"
                + "  task_poll_interval: 0s\n"
                + "  relay: { from: [tasks.proxy:9091] }\n", "ingress.yaml");
        assertThat(worker.swarm().source()).isEqualTo(SwarmSource.RELAY);
        assertThat(worker.swarm().taskPollInterval()).isZero();
        assertThat(worker.swarm().relay().listen()).isNull();
        assertThat(worker.swarm().relay().tokenFile()).isNull();
    }

    @Test
    void aRelaySourceNeedsRelaysToFollow() {
        assertThatThrownBy(() -> parser.parse(HEAD
                + "swarm:\n"
                + "  source: relay\n", "ingress.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).singleElement()
                        .satisfies(err -> {
                            assertThat(err.line()).isEqualTo(12);
                            assertThat(err.field()).isEqualTo("swarm.source");
                            assertThat(err.message()).contains("relay.from", "tasks.proxy:9091");
                        }));
        assertThatThrownBy(() -> parser.parse(HEAD
                + "swarm:\n"
                + "  source: workers\n"
                + "  relay:\n"
                + "    from: [proxy]\n"
                + "    listen: 9091\n"
                + "    token: x\n", "ingress.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
                        .extracting(err -> err.line() + " " + err.field())
                        .containsExactlyInAnyOrder("12 swarm.source", "14 swarm.relay.from[0]", "15 swarm.relay.listen",
                                "16 swarm.relay.token"));
    }

    @Test
    void theTaskPollStaysBelowTheResync() {
        assertThatThrownBy(() -> parser.parse(HEAD
                + "swarm: { resync_interval: 1s, task_poll_interval: 1s }\n", "ingress.yaml"))
                .hasMessageContaining("swarm.task_poll_interval")
                .hasMessageContaining("below resync_interval 1s");
    }

    @Test
    void theSwarmExampleParsesWithAndWithoutDockerHost() {
        Path example = Path.of("../examples/swarm.yaml");
        IngressConfig fromEnv = parser.parse(example);
        assertThat(fromEnv.swarm().endpoints()).containsExactly("tcp://10.0.0.9:2376");
        assertThat(fromEnv.swarm().network()).isNull();
        assertThat(fromEnv.swarm().entrypoint()).isEqualTo("web");

        IngressConfig plain = new ConfigParser(Map.of("INGRESS_NETWORK", "appnet")::get).parse(example);
        assertThat(plain.swarm().endpoints()).containsExactly("unix:///var/run/docker.sock");
        assertThat(plain.swarm().network()).isEqualTo("appnet");
        assertThat(plain.entrypoint("web").address()).isEqualTo(new HostPort("0.0.0.0", 8080));
        assertThat(plain.admin().address()).as("the admin listener faces no network by default").isEqualTo(new HostPort("127.0.0.1", 9090));
        assertThat(plain.admin().htpasswd()).isNull();
    }
}
