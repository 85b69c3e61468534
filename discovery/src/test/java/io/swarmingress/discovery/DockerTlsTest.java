package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.config.Location;
import io.swarmingress.config.SwarmProviderConfig;

/**
 * A {@code tcp://} endpoint with mutual TLS, as a remote manager is reached: a socat TLS listener
 * that verifies the client certificate, in front of the lab's socket. The client key is in the
 * traditional PKCS#1 form that older Docker tooling writes.
 */
class DockerTlsTest {
    @TempDir
    Path dir;
    private SwarmLab lab;
    private Process relay;
    private SwarmDiscovery discovery;

    @BeforeEach
    void lab() {
        lab = SwarmLab.get();
    }

    @AfterEach
    void cleanup() {
        if (discovery != null) {
            discovery.close();
        }
        if (relay != null) {
            relay.descendants().forEach(ProcessHandle::destroyForcibly);
            relay.destroyForcibly();
        }
        if (lab != null) {
            lab.cleanup();
        }
    }

    @Test
    void discoveryTalksToAManagerOverMutualTls() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "2",
                "-subj", "/CN=swarm-ingress test CA");
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server-key.pem", "-out", "server.csr",
                "-subj", "/CN=127.0.0.1");
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
                "-out", "server-cert.pem", "-days", "2", "-extfile", "server.ext");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client-key8.pem", "-out", "client.csr",
                "-subj", "/CN=swarm-ingress");
        openssl("rsa", "-in", "client-key8.pem", "-traditional", "-out", "key.pem");
        openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
                "-out", "cert.pem", "-days", "2", "-extfile", "client.ext");
        assertThat(Files.readString(dir.resolve("key.pem"))).startsWith("-----BEGIN RSA PRIVATE KEY-----");

        int port = freePort();
        relay = new ProcessBuilder("socat", "OPENSSL-LISTEN:" + port + ",bind=127.0.0.1,reuseaddr,fork,cert="
                + dir.resolve("server-cert.pem") + ",key=" + dir.resolve("server-key.pem") + ",cafile="
                + dir.resolve("ca.pem") + ",verify=1", "UNIX-CONNECT:" + lab.socket)
                .redirectErrorStream(true).redirectOutput(dir.resolve("socat.log").toFile()).start();
        Awaitility.await("TLS relay listening").atMost(Duration.ofSeconds(5)).until(() -> listening(port));

        String prefix = SwarmLab.uniqueName("tls") + ".";
        String name = SwarmLab.uniqueName("tls");
        lab.createService(name, 2, prefix + "enable=true", prefix + "port=8080");
        SwarmProviderConfig provider = new SwarmProviderConfig(List.of("tcp://127.0.0.1:" + port),
                new SwarmProviderConfig.Tls(dir.resolve("ca.pem").toString(), dir.resolve("cert.pem").toString(),
                        dir.resolve("key.pem").toString()),
                prefix, true, SwarmLab.NETWORK, null, Duration.ofSeconds(2), Duration.ofMillis(100), Duration.ofSeconds(3),
                Location.NONE);
        SnapshotRecorder recorder = new SnapshotRecorder();
        discovery = new SwarmDiscovery(provider, List.of(), recorder);
        discovery.start();
        recorder.await(Duration.ofSeconds(20), "2 endpoints over TLS", s -> s.endpoints(name).size() == 2);
        assertThat(SnapshotRecorder.addresses(recorder.latest(), name)).isEqualTo(lab.runningAddresses(name));
    }

    private void openssl(String... args) {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("openssl.log").toFile()).start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("%s: %s", cmd, Files.readString(dir.resolve("openssl.log"))).isZero();
        } catch (IOException e) {
            throw new IllegalStateException(cmd + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
