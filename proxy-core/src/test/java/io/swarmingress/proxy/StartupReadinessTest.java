package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.config.HostPort;
import io.swarmingress.proxy.server.Transport;
import io.swarmingress.proxy.testing.Closer;

/**
 * A proxy that reports healthy must serve its label routes: a load balancer polling {@code /healthz}
 * during a rolling update sends traffic the moment it answers 200. So the admin listener opens only
 * after the first Swarm read, or after its bounded wait when no manager answers (here: a manager
 * that accepts and never answers, as during a leader election).
 */
@Timeout(60)
class StartupReadinessTest {
    @TempDir
    Path dir;
    private final Closer closer = new Closer();
    private final List<SocketChannel> accepted = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
        for (SocketChannel c : accepted) {
            c.close();
        }
    }

    @Test
    void adminOpensOnlyAfterTheFirstSwarmReadOrItsWait() throws Exception {
        ServerSocketChannel silentManager = closer.add(ServerSocketChannel.open(StandardProtocolFamily.UNIX));
        silentManager.bind(UnixDomainSocketAddress.of(dir.resolve("docker.sock")));
        CountDownLatch asked = new CountDownLatch(1);
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    accepted.add(silentManager.accept()); // never answered
                    asked.countDown();
                }
            } catch (IOException closed) {
                // the test is over
            }
        }, "silent-manager");
        acceptor.setDaemon(true);
        acceptor.start();

        int adminPort = freePort();
        Path file = dir.resolve("ingress.yaml");
        Files.writeString(file, "io_threads: 1\n"
                + "admin: {address: '127.0.0.1:" + adminPort + "'}\n"
                + "entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "swarm: {endpoints: ['unix://" + dir.resolve("docker.sock") + "'], entrypoint: web, api_timeout: 30s}\n");
        CompletableFuture<Ingress> starting = CompletableFuture.supplyAsync(
                () -> Ingress.start(file, Transport.best(), Duration.ofSeconds(10)));

        assertThat(asked.await(20, TimeUnit.SECONDS)).as("discovery asked the manager").isTrue();
        assertThat(starting).as("start-up waits for the first Swarm read").isNotDone();
        assertThatThrownBy(() -> new Socket("127.0.0.1", adminPort).close()).as("no /healthz before the first read")
                .isInstanceOf(ConnectException.class);

        Ingress ingress = closer.add(starting.get(30, TimeUnit.SECONDS));
        assertThat(ingress.admin().address().getPort()).isEqualTo(adminPort);
        assertThat(HealthcheckCommand.get(new HostPort("127.0.0.1", adminPort), 5000)).isEqualTo("200 ok");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }
}
