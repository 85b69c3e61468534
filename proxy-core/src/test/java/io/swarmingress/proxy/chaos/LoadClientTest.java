package io.swarmingress.proxy.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.proxy.chaos.LoadClientProcess.Counts;
import io.swarmingress.proxy.testing.ScriptedBackend;
import io.swarmingress.proxy.testing.ScriptedBackend.Step;

/**
 * The chaos test's load client counts honestly: a reset, a 5xx and a connection that cannot be
 * opened are each one failed request, and every request sent ends as ok or failed. Run as the
 * chaos test runs it, in a JVM of its own, against real sockets.
 */
class LoadClientTest {
    @TempDir
    Path dir;

    @Test
    void resetsAndErrorStatusesAreFailedRequestsAndEverySentRequestIsCounted() throws Exception {
        try (ScriptedBackend backend = ScriptedBackend.start("b", Step.RESET_AFTER_REQUEST, Step.ANSWER_503, Step.ANSWER_502);
             LoadClientProcess client = LoadClientProcess.start(null, dir.resolve("client.log"))) {
            client.add("t", backend.hostPort(), "app.test", "/x", 1, 100, 2_000);
            await().atMost(Duration.ofSeconds(20)).until(() -> client.totals().of("t").ok() >= 20);
            Counts c = client.stop().of("t");

            assertThat(c.failed()).isEqualTo(3);
            assertThat(c.sent()).isEqualTo(c.ok() + c.failed());
            assertThat(backend.requests()).hasSize((int) c.sent()).allMatch(r -> r.startsWith("GET /x "));
            List<String> failures = client.failures(0).get("t");
            assertThat(failures).hasSize(3);
            assertThat(failures.get(0)).containsAnyOf(" reset:", " closed_early:");
            assertThat(failures.get(1)).contains(" status_503:");
            assertThat(failures.get(2)).contains(" status_502:");
        }
    }

    @Test
    void aConnectionThatCannotBeOpenedIsAFailedRequest() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = s.getLocalPort();
        }
        try (LoadClientProcess client = LoadClientProcess.start(null, dir.resolve("client.log"))) {
            client.add("t", "127.0.0.1:" + port, "app.test", "/", 2, 50, 2_000);
            await().atMost(Duration.ofSeconds(20)).until(() -> client.totals().of("t").sent() >= 10);
            Counts c = client.stop().of("t");

            assertThat(c.ok()).isZero();
            assertThat(c.failed()).isEqualTo(c.sent()).isGreaterThanOrEqualTo(10);
            assertThat(client.failures(0).get("t")).allMatch(f -> f.contains(" connect_refused: "));
        }
    }
}
