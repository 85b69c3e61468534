package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.proxy.testing.Tools;

/**
 * The TLS quickstart as README gives it: {@code java -jar swarm-ingress.jar demo --config
 * examples/tls.yaml}, then its curl and openssl lines. The example is copied with every loopback
 * port moved to a free one (the machine may run other proxies on 8080 and 8443), so what runs is
 * the repository's file apart from its port numbers. Run by failsafe after {@code package}.
 */
@Timeout(120)
class TlsQuickstartIT {
    private static final Pattern LOOPBACK_PORT = Pattern.compile("127\\.0\\.0\\.1:(\\d{4,5})");

    @TempDir
    Path dir;
    private Path jar;
    private Path example;
    private final List<Process> processes = new ArrayList<>();
    /** The example's port to the free one it runs on here. */
    private final Map<Integer, Integer> ports = new HashMap<>();

    @BeforeEach
    void findJarAndExample() {
        String property = System.getProperty("swarm.ingress.jar");
        assertThat(property).as("system property swarm.ingress.jar (set by failsafe in proxy-core/pom.xml)").isNotBlank();
        jar = Path.of(property);
        assertThat(jar).as("the shaded jar; run 'mvn verify' so that package builds it first").isRegularFile();
        example = Path.of(System.getProperty("swarm.ingress.repo", "..")).resolve("examples/tls.yaml");
        assertThat(example).isRegularFile();
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** examples/tls.yaml with its ports moved, in a directory without certificates. */
    private Path copyOfExample() throws IOException {
        String text = Files.readString(example);
        Matcher m = LOOPBACK_PORT.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            int port = Integer.parseInt(m.group(1));
            int moved = ports.computeIfAbsent(port, p -> unusedFreePort());
            m.appendReplacement(out, "127.0.0.1:" + moved);
        }
        m.appendTail(out);
        Path copy = dir.resolve("tls.yaml");
        Files.writeString(copy, out.toString());
        return copy;
    }

    /** A free port none of the example's other ports was moved to (the kernel may hand the same one out twice). */
    private int unusedFreePort() {
        int candidate = freePort();
        while (ports.containsValue(candidate)) {
            candidate = freePort();
        }
        return candidate;
    }

    private int port(int inExample) {
        assertThat(ports).as("examples/tls.yaml uses 127.0.0.1:%d", inExample).containsKey(inExample);
        return ports.get(inExample);
    }

    @Test
    void demoWritesACertificateAndServesHttpsTheRedirectHstsAndPassthrough() throws Exception {
        Path config = copyOfExample();
        Path log = dir.resolve("demo.log");
        Process demo = start(log, "demo", "--config", config.toString());
        int https = port(8443);
        int http = port(8080);
        int pass = port(8444);
        int admin = port(9090);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(demo.isAlive()).as("demo running; log:%n%s", Files.readString(log)).isTrue();
            assertThat(Tools.curl("-sk", "https://localhost:" + https + "/").output()).startsWith("backend ");
        });
        Path cert = dir.resolve("certs/demo.crt");
        assertThat(cert).isRegularFile();
        assertThat(dir.resolve("certs/demo.key")).isRegularFile();
        assertThat(Files.readString(log)).contains("generated a self-signed certificate for localhost and *.demo.local")
                .contains("TLS: OpenSSL provider (BoringSSL");

        assertThat(Tools.curl("--cacert", cert.toString(), "https://localhost:" + https + "/").output()).startsWith("backend ");
        assertThat(Tools.curl("--cacert", cert.toString(), "--resolve", "shop.demo.local:" + https + ":127.0.0.1",
                "https://shop.demo.local:" + https + "/").output()).startsWith("backend ");
        Tools.Result redirect = Tools.curl("-si", "http://localhost:" + http + "/cart?id=1");
        assertThat(redirect.output()).startsWith("HTTP/1.1 308").containsIgnoringCase("location: https://localhost:" + https + "/cart?id=1");
        assertThat(Tools.curl("-sLk", "http://localhost:" + http + "/").output()).startsWith("backend ");
        assertThat(Tools.curl("-sk", "-D", "-", "-o", "/dev/null", "https://localhost:" + https + "/").output())
                .containsIgnoringCase("strict-transport-security: max-age=300");
        // HTTP/2, chosen by ALPN.
        assertThat(Tools.curl("--http2", "-k", "https://localhost:" + https + "/").output()).startsWith("backend ");
        assertThat(Tools.curl("-sk", "--http2", "-o", "/dev/null", "-w", "%{http_version}", "https://localhost:" + https + "/")
                .output()).isEqualTo("2");
        assertThat(Tools.sClient(https, "-servername", "localhost", "-alpn", "h2,http/1.1").output())
                .containsPattern("subject=.*CN = localhost").contains("ALPN protocol: h2").contains("New, TLSv1.3");
        assertThat(Tools.curl("-sk", "--resolve", "localhost:" + pass + ":127.0.0.1", "https://localhost:" + pass + "/").output())
                .startsWith("backend ");
        assertThat(Tools.curl("-s", "http://127.0.0.1:" + admin + "/routes").output()).contains("\"tls\"")
                .contains("\"localhost\"").contains("\"*.demo.local\"").doesNotContain("PRIVATE KEY");

        // A second start finds the certificate and keeps it.
        String written = Files.readString(cert);
        demo.destroy();
        assertThat(demo.waitFor(15, TimeUnit.SECONDS)).isTrue();
        Process again = start(dir.resolve("demo2.log"), "demo", "--config", config.toString());
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(again.isAlive()).isTrue();
            assertThat(Tools.curl("--cacert", cert.toString(), "https://localhost:" + https + "/").output()).startsWith("backend ");
        });
        assertThat(Files.readString(cert)).isEqualTo(written);
    }

    @Test
    void aPlainConfigRunNeverInventsACertificate() throws Exception {
        Path config = copyOfExample();
        Path log = dir.resolve("plain.log");
        Process plain = start(log, "--config", config.toString());
        assertThat(plain.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(plain.exitValue()).isNotZero();
        assertThat(Files.readString(log)).contains("tls.yaml:").contains("entrypoints[1].tls.certificates[0].cert: cannot read "
                + dir.resolve("certs/demo.crt"));
        assertThat(dir.resolve("certs")).doesNotExist();
    }

    @Test
    void withoutTheNativeLibraryTheJdkProviderServesAndTheStartLogSaysWhy() throws Exception {
        Path config = copyOfExample();
        Path log = dir.resolve("jdk.log");
        Process demo = start(log, List.of("-Dio.netty.handler.ssl.noOpenSsl=true"), "demo", "--config", config.toString());
        int https = port(8443);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(demo.isAlive()).as("demo running; log:%n%s", Files.readString(log)).isTrue();
            assertThat(Tools.curl("--cacert", dir.resolve("certs/demo.crt").toString(), "https://localhost:" + https + "/").output())
                    .startsWith("backend ");
        });
        assertThat(Files.readString(log)).contains("TLS: JDK provider (the OpenSSL provider cannot load:")
                .contains("noOpenSsl=true");
        // ALPN through the JDK's engine too: h2 when offered.
        assertThat(Tools.curl("-sk", "--http2", "-o", "/dev/null", "-w", "%{http_version}", "https://localhost:" + https + "/")
                .output()).isEqualTo("2");
    }

    private Process start(Path log, String... args) throws IOException {
        return start(log, List.of(), args);
    }

    private Process start(Path log, List<String> jvmOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
