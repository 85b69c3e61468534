package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.discovery.SwarmDiscovery;
import io.swarmingress.proxy.server.Transport;
import io.swarmingress.proxy.testing.Closer;

/**
 * A reload keeps discovery running unless the {@code swarm:} section changed. No Swarm is needed:
 * which discovery runs is the point, not what it finds (the manager socket does not exist).
 */
class SwarmReloadTest {
    @TempDir
    Path dir;
    private final Closer closer = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
    }

    /** Replaces the file in one step, so that the watcher never reads it half written. */
    private void write(Path file, String content) throws java.io.IOException {
        Path next = dir.resolve("next.yaml");
        Files.writeString(next, content);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private String config(String routes, String swarm) {
        return "io_threads: 1\n"
                + "entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [" + routes + "]\n"
                + "services: [{name: app, endpoints: ['127.0.0.1:9']}]\n"
                + swarm;
    }

    private String swarm(String debounce) {
        return "swarm:\n"
                + "  endpoints: ['unix://" + dir.resolve("no-manager.sock") + "']\n"
                + "  entrypoint: web\n"
                + "  debounce: " + debounce + "\n";
    }

    @Test
    void discoveryIsKeptWhenTheSwarmSectionIsUnchangedAndReplacedWhenItChanged() throws Exception {
        Path file = dir.resolve("ingress.yaml");
        write(file, config("{entrypoint: web, service: app}", ""));
        Ingress ingress = Ingress.start(file, Transport.best(), Duration.ofMillis(50));
        closer.add(ingress);
        assertThat(ingress.discovery()).isNull();

        write(file, config("{entrypoint: web, service: app}", swarm("100ms")));
        await().atMost(Duration.ofSeconds(10)).until(() -> ingress.discovery() != null);
        io.swarmingress.discovery.Discovery first = ingress.discovery();

        // other routes, and the swarm section two lines further down: the same discovery
        write(file, config("{entrypoint: web, path_prefix: /a, service: app},\n"
                + "  {entrypoint: web, path_prefix: /b, service: app}", "\n\n" + swarm("100ms")));
        await().atMost(Duration.ofSeconds(10)).until(() -> ingress.config().routes().size() == 2);
        assertThat(ingress.discovery()).isSameAs(first);

        write(file, config("{entrypoint: web, service: app}", swarm("50ms")));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> ingress.config().swarm().debounce().equals(Duration.ofMillis(50)));
        assertThat(ingress.discovery()).isNotNull().isNotSameAs(first);

        write(file, config("{entrypoint: web, service: app}", ""));
        await().atMost(Duration.ofSeconds(10)).until(() -> ingress.discovery() == null);
    }
}
