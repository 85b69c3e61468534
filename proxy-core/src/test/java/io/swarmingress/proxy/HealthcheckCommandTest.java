package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.config.HostPort;
import io.swarmingress.proxy.server.Transport;
import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.Closer;
import picocli.CommandLine;

/** The {@code healthcheck} command Docker's HEALTHCHECK runs, against a real admin listener. */
@Timeout(60)
class HealthcheckCommandTest {
    @TempDir
    Path dir;
    private final Closer closer = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
    }

    private record Run(int exitCode, String out, String err) {
    }

    private static Run healthcheck(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 1];
        all[0] = "healthcheck";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(all);
        return new Run(code, out.toString(), err.toString());
    }

    private Path config(String adminAddress, Backend backend) throws IOException {
        Path file = dir.resolve("ingress.yaml");
        Files.writeString(file, "io_threads: 1\n"
                + "shutdown_delay: 30s\n"
                + "admin: {address: '" + adminAddress + "'}\n"
                + "entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, endpoints: ['" + backend.hostPort() + "']}]\n");
        return file;
    }

    @Test
    void healthyProxyExitsZeroAndADrainingOneExitsOne() throws Exception {
        Backend backend = closer.add(Backend.start("b1"));
        Ingress ingress = closer.add(Ingress.start(config("127.0.0.1:0", backend), Transport.best(), Duration.ofSeconds(10)));
        String address = "127.0.0.1:" + ingress.admin().address().getPort();

        Run healthy = healthcheck("--address", address);
        assertThat(healthy.exitCode()).as(healthy.err()).isZero();
        assertThat(healthy.out()).isEqualTo("200 ok" + System.lineSeparator());

        CountDownLatch paused = new CountDownLatch(1);
        CountDownLatch endDelay = new CountDownLatch(1);
        Thread stopping = new Thread(() -> ingress.shutdown(delay -> {
            paused.countDown();
            endDelay.await();
        }), "stopping");
        stopping.start();
        try {
            assertThat(paused.await(10, TimeUnit.SECONDS)).isTrue();
            Run draining = healthcheck("--address", address);
            assertThat(draining.exitCode()).isEqualTo(1);
            assertThat(draining.out()).startsWith("503 draining");
        } finally {
            endDelay.countDown();
            stopping.join(TimeUnit.SECONDS.toMillis(20));
        }

        Run gone = healthcheck("--address", address, "--timeout", "500ms");
        assertThat(gone.exitCode()).isEqualTo(1);
        assertThat(gone.err()).startsWith("healthcheck: http://" + address + "/healthz: ").contains("Connection refused");
    }

    @Test
    void theAddressComesFromTheConfigAndAListenerOnEveryAddressIsAskedOnLoopback() throws Exception {
        Backend backend = closer.add(Backend.start("b1"));
        int port = freePort();
        Path file = config("0.0.0.0:" + port, backend);
        closer.add(Ingress.start(file, Transport.best(), Duration.ofSeconds(10)));

        Run r = healthcheck("--config", file.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("200 ok");
        assertThat(HealthcheckCommand.local(new HostPort("::", 9090))).isEqualTo(new HostPort("127.0.0.1", 9090));
        assertThat(HealthcheckCommand.local(new HostPort("10.0.0.7", 9090))).isEqualTo(new HostPort("10.0.0.7", 9090));
    }

    @Test
    void anUnreadableConfigFallsBackToTheDefaultAddressAndSaysSo() throws Exception {
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "colour: blue\n");
        StringWriter err = new StringWriter();
        HealthcheckCommand check = new HealthcheckCommand();
        check.config = broken;
        assertThat(check.target(new PrintWriter(err, true))).isEqualTo(HealthcheckCommand.DEFAULT_ADDRESS);
        assertThat(err.toString()).contains(broken + ":1: colour: is not a known option").contains("asking 127.0.0.1:9090");
    }

    @Test
    void aConfigWithoutAdminIsAnError() throws Exception {
        Path file = dir.resolve("no-admin.yaml");
        Files.writeString(file, "entrypoints: [{name: web, address: '127.0.0.1:0'}]\n");
        Run r = healthcheck("--config", file.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("has no admin listener");
    }

    @Test
    void aServerThatNeverAnswersTimesOut() throws Exception {
        try (ServerSocket silent = new ServerSocket()) {
            silent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Run r = healthcheck("--address", "127.0.0.1:" + silent.getLocalPort(), "--timeout", "200ms");
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.err()).contains("/healthz: ").containsIgnoringCase("timed out");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }
}
