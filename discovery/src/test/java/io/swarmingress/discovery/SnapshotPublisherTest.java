package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.swarmingress.config.ClientLimits;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.config.HostPort;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.config.LbPolicy;
import io.swarmingress.config.Location;
import io.swarmingress.config.Protocol;
import io.swarmingress.config.RouteConfig;
import io.swarmingress.config.ServiceConfig;
import io.swarmingress.config.SwarmProviderConfig;
import io.swarmingress.config.SwarmServiceRef;
import io.swarmingress.config.Timeouts;
import io.swarmingress.discovery.SwarmService.Attachment;
import io.swarmingress.discovery.SwarmService.SwarmTask;

/** Publishing only what changed, and a new config file taken without a read. */
class SnapshotPublisherTest {
    private static final Instant READ_AT = Instant.parse("2026-11-28T07:00:00Z");
    private static final SwarmProviderConfig PROVIDER = SwarmProviderConfig.of(List.of()).withEntrypoint("web")
            .withNetwork("appnet");

    private final SnapshotRecorder recorder = new SnapshotRecorder();
    private final ServiceCatalogue catalogue = new ServiceCatalogue();

    private static SwarmService labelled(String name, String host, String... addresses) {
        List<SwarmTask> tasks = new java.util.ArrayList<>();
        for (String a : addresses) {
            tasks.add(new SwarmTask("t-" + a, "running", "running", null,
                    List.of(new Attachment("n1", "appnet", false, List.of(a + "/24")))));
        }
        return new SwarmService("id-" + name, name, Map.of("ingress.enable", "true", "ingress.port", "8080",
                "ingress.http.host", host), tasks.size(), false, tasks, 1);
    }

    /** A file with an http entrypoint {@code web}, a static service and the given routes and services. */
    private static IngressConfig file(List<RouteConfig> routes, List<ServiceConfig> swarmServices) {
        List<ServiceConfig> services = new java.util.ArrayList<>(swarmServices);
        services.add(ServiceConfig.of("static", LbPolicy.ROUND_ROBIN, List.of(new HostPort("127.0.0.1", 9000))));
        return new IngressConfig(List.of(new EntrypointConfig("web", new HostPort("127.0.0.1", 0), Protocol.HTTP, null,
                ClientLimits.DEFAULT, false, Location.NONE)), routes, services, null, 1,
                IngressConfig.DEFAULT_SHUTDOWN_GRACE, Location.NONE, PROVIDER);
    }

    private static RouteConfig fileRoute(String host) {
        return new RouteConfig("web", host, "/", Map.of(), false, "static", Location.NONE);
    }

    @Test
    void nothingBeforeTheFirstFullReadThenOnlyWhatChanged() {
        SnapshotPublisher publisher = new SnapshotPublisher(SnapshotBuilder.forConfig(file(List.of(), List.of())),
                recorder);
        catalogue.applySome(Set.of("id-app"), Map.of("id-app", labelled("app", "app.test", "10.0.1.5")), 1);
        publisher.publish(catalogue, READ_AT);
        assertThat(recorder.count()).as("a partial view is not published").isZero();
        assertThat(publisher.firstSync()).isNotDone();

        catalogue.applyAll(List.of(labelled("app", "app.test", "10.0.1.5")), 2);
        publisher.publish(catalogue, READ_AT);
        assertThat(recorder.count()).isEqualTo(1);
        assertThat(publisher.firstSync()).isCompletedWithValue(recorder.latest());

        Instant later = READ_AT.plusSeconds(10);
        catalogue.applyAll(List.of(labelled("app", "app.test", "10.0.1.5")), 3);
        publisher.publish(catalogue, later);
        assertThat(recorder.count()).as("same content, only a later read").isEqualTo(1);
        assertThat(publisher.current().lastSuccess()).as("current still tells the age").isEqualTo(later);

        catalogue.applyAll(List.of(labelled("app", "app.test", "10.0.1.5", "10.0.1.6")), 4);
        publisher.publish(catalogue, later);
        assertThat(recorder.count()).isEqualTo(2);
        assertThat(recorder.latest().endpoints("app")).hasSize(2);
    }

    @Test
    void aNewFileIsTakenFromTheCatalogueWithoutARead() {
        SnapshotPublisher publisher = new SnapshotPublisher(
                SnapshotBuilder.forConfig(file(List.of(fileRoute("app.test")), List.of())), recorder);
        catalogue.applyAll(List.of(labelled("app", "app.test", "10.0.1.5")), 1);
        publisher.publish(catalogue, READ_AT);
        assertThat(recorder.latest().routes()).as("the file's route wins").isEmpty();
        assertThat(recorder.latest().warnings()).singleElement().asString().contains("(the file wins)");

        Set<String> toRead = publisher.reconfigure(SnapshotBuilder.forConfig(file(List.of(), List.of())), catalogue,
                READ_AT);
        assertThat(toRead).isEmpty();
        assertThat(recorder.count()).isEqualTo(2);
        assertThat(recorder.latest().routes()).extracting(RouteConfig::host).containsExactly("app.test");
        assertThat(recorder.latest().endpoints("app")).containsExactly(new HostPort("10.0.1.5", 8080));

        publisher.reconfigure(SnapshotBuilder.forConfig(file(List.of(fileRoute("other.test")), List.of())), catalogue,
                READ_AT);
        assertThat(recorder.count()).as("a file change that changes no snapshot publishes nothing").isEqualTo(2);
    }

    @Test
    void servicesANewFileNamesThatNoRouteUsedAreToBeRead() {
        SnapshotPublisher publisher = new SnapshotPublisher(SnapshotBuilder.forConfig(file(List.of(), List.of())),
                recorder);
        SwarmService plain = new SwarmService("id-db", "db", Map.of(), 1, false, List.of(), 1);
        catalogue.applyAll(List.of(plain, labelled("app", "app.test", "10.0.1.5")), 1);
        publisher.publish(catalogue, READ_AT);
        assertThat(publisher.routed(plain)).isFalse();

        ServiceConfig named = new ServiceConfig("database", LbPolicy.ROUND_ROBIN, Timeouts.DEFAULT, List.of(),
                new SwarmServiceRef("db", 5432, null), Location.NONE);
        Set<String> toRead = publisher.reconfigure(SnapshotBuilder.forConfig(file(List.of(), List.of(named))),
                catalogue, READ_AT);
        assertThat(toRead).containsExactly("id-db");
        assertThat(publisher.routed(plain)).isTrue();
        assertThat(recorder.latest().endpoints()).containsKeys("app", "database");
    }

    @Test
    void readyEndpointsTurningIntoFallbacksIsAChangeThoughTheAddressesStay() {
        SnapshotPublisher publisher = new SnapshotPublisher(SnapshotBuilder.forConfig(file(List.of(), List.of())),
                recorder);
        SwarmService settled = labelled("app", "app.test", "10.0.1.5", "10.0.1.6");
        catalogue.applyAll(List.of(settled), 1);
        publisher.publish(catalogue, READ_AT);
        List<SwarmTask> toldToStop = new java.util.ArrayList<>();
        for (SwarmTask t : settled.tasks()) {
            toldToStop.add(new SwarmTask(t.id(), "running", "shutdown", t.stateSince(), t.attachments()));
        }
        catalogue.applyAll(List.of(settled.withTasks(toldToStop, 2)), 2);
        publisher.publish(catalogue, READ_AT);

        assertThat(recorder.count()).isEqualTo(2);
        assertThat(recorder.latest().endpoints("app")).isEqualTo(recorder.all().get(0).snapshot().endpoints("app"));
        assertThat(recorder.latest().fallbacks("app")).containsExactlyInAnyOrder(new HostPort("10.0.1.5", 8080),
                new HostPort("10.0.1.6", 8080));
    }

    @Test
    void aFailingListenerDoesNotStopPublishing() {
        int[] calls = new int[1];
        SnapshotPublisher publisher = new SnapshotPublisher(SnapshotBuilder.forConfig(file(List.of(), List.of())),
                snapshot -> {
                    calls[0]++;
                    throw new IllegalStateException("listener bug");
                });
        catalogue.applyAll(List.of(labelled("app", "app.test", "10.0.1.5")), 1);
        publisher.publish(catalogue, READ_AT);
        catalogue.applyAll(List.of(labelled("app", "app.test", "10.0.1.6")), 2);
        publisher.publish(catalogue, READ_AT);
        assertThat(calls[0]).isEqualTo(2);
        assertThat(publisher.firstSync()).isDone();
    }
}
