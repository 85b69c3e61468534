package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.swarmingress.config.SwarmProviderConfig;
import io.swarmingress.discovery.SwarmService.Attachment;
import io.swarmingress.discovery.SwarmService.SwarmTask;

/** The relay's JSON: what goes in, what a follower reads back, and what it refuses. */
class SwarmStateTest {
    private static final Instant READ_AT = Instant.parse("2026-11-30T07:00:00.123Z");

    static SwarmService web() {
        return new SwarmService("id-web", "web", Map.of("ingress.enable", "true", "ingress.port", "8080",
                "ingress.http.host", "web.test", "com.example.secret-ish", "not relayed"), 2, true,
                List.of(new SwarmTask("t1", "running", "running", "2026-11-30T06:59:58.5Z",
                                List.of(new Attachment("net-ingress", "ingress", true, List.of("10.0.0.5/24")),
                                        new Attachment("net-app", "appnet", false, List.of("10.0.1.5/24")))),
                        new SwarmTask("t0", "running", "shutdown", "2026-11-30T06:50:00Z",
                                List.of(new Attachment("net-app", "appnet", false, List.of("10.0.1.4/24"))))), 7);
    }

    @Test
    void aFollowerReadsBackWhatRoutingNeedsAndNothingElse() throws IOException {
        SwarmService db = new SwarmService("id-db", "db", Map.of(), -1, false, List.of(), 7);
        SwarmState sent = SwarmState.of(List.of(web(), db), READ_AT, "ingress.");
        String json = new String(sent.json(), StandardCharsets.UTF_8);
        assertThat(json).doesNotContain("\n").doesNotContain("secret-ish").startsWith("{\"format\":1,");

        SwarmState read = SwarmState.parse(sent.json(), 42);
        assertThat(read.readAt()).isEqualTo(READ_AT);
        SwarmService expectedWeb = new SwarmService("id-web", "web", Map.of("ingress.enable", "true", "ingress.port",
                "8080", "ingress.http.host", "web.test"), 2, true, web().tasks(), 42);
        assertThat(read.services()).containsExactly(new SwarmService("id-db", "db", Map.of(), -1, false, List.of(), 42),
                expectedWeb);
        assertThat(read.size()).isEqualTo(sent.size());
    }

    @Test
    void theSameServicesGiveTheSameBytes() {
        SwarmService db = new SwarmService("id-db", "db", Map.of(), 1, false, List.of(), 1);
        assertThat(SwarmState.of(List.of(web(), db), READ_AT, "ingress.").json())
                .isEqualTo(SwarmState.of(List.of(db, web()), READ_AT, "ingress.").json());
    }

    @Test
    void anotherFormatOrBrokenJsonIsRefused() {
        assertThatThrownBy(() -> SwarmState.parse("{\"format\":2,\"read_at\":\"2026-11-30T07:00:00Z\"}".getBytes(
                StandardCharsets.UTF_8), 1)).hasMessageContaining("format 2 (expected: 1");
        assertThatThrownBy(() -> SwarmState.parse("{\"format\":1}".getBytes(StandardCharsets.UTF_8), 1))
                .hasMessageContaining("without read_at");
        assertThatThrownBy(() -> SwarmState.parse("{\"format\":1,\"read_at\":\"yesterday\"}".getBytes(
                StandardCharsets.UTF_8), 1)).hasMessageContaining("'yesterday' is not a time");
        assertThatThrownBy(() -> SwarmState.parse(("{\"format\":1,\"read_at\":\"2026-11-30T07:00:00Z\","
                + "\"services\":[{\"name\":\"x\"}]}").getBytes(StandardCharsets.UTF_8), 1))
                .hasMessageContaining("a id is missing");
        assertThatThrownBy(() -> SwarmState.parse("[1,".getBytes(StandardCharsets.UTF_8), 1))
                .isInstanceOf(IOException.class);
    }

    @Test
    void eventsAreFramedAsServerSentEvents() {
        SwarmState s = SwarmState.of(List.of(), READ_AT, "ingress.");
        assertThat(new String(RelayProtocol.stateEvent(s), StandardCharsets.UTF_8))
                .isEqualTo("event: state\ndata: {\"format\":1,\"read_at\":\"2026-11-30T07:00:00.123Z\",\"services\":[]}\n\n");
        assertThat(new String(RelayProtocol.aliveEvent(READ_AT), StandardCharsets.UTF_8))
                .isEqualTo("event: alive\ndata: {\"read_at\":\"2026-11-30T07:00:00.123Z\"}\n\n");
        assertThat(new String(RelayProtocol.aliveEvent(null), StandardCharsets.UTF_8))
                .isEqualTo("event: alive\ndata: {\"read_at\":null}\n\n");
    }

    @Test
    void aPublisherKeepsTheStateOfEachSnapshotOnlyWhenAskedTo() {
        SwarmProviderConfig provider = SwarmProviderConfig.of(List.of()).withNetwork("appnet").withEntrypoint("web");
        ServiceCatalogue catalogue = new ServiceCatalogue();
        catalogue.applyAll(List.of(web()), 7);
        SnapshotPublisher plain = new SnapshotPublisher(new SnapshotBuilder(provider, List.of()), s -> { });
        plain.publish(catalogue, READ_AT);
        assertThat(plain.relayed()).isNull();

        SnapshotPublisher relaying = new SnapshotPublisher(new SnapshotBuilder(provider, List.of()), s -> { }, "ingress.");
        relaying.publish(catalogue, READ_AT);
        assertThat(relaying.relayed().readAt()).isEqualTo(READ_AT);
        assertThat(relaying.relayed().services()).extracting(SwarmService::name).containsExactly("web");
    }
}
