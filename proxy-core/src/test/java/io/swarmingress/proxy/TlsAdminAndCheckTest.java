package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.swarmingress.config.ConfigParser;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.proxy.demo.SelfSigned;
import io.swarmingress.proxy.server.Transport;
import io.swarmingress.proxy.testing.Closer;
import io.swarmingress.proxy.testing.TestCertificates;
import io.swarmingress.proxy.testing.Tools;
import picocli.CommandLine;

/** What an operator sees of TLS besides traffic: /routes, the metrics scrape, {@code check}, and the demo's certificate. */
class TlsAdminAndCheckTest {
    @TempDir
    Path dir;
    private final Closer closer = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
    }

    private String yaml(TestCertificates c, String cert, String key, String routeHost) {
        return String.join("\n",
                "admin: {address: '127.0.0.1:0'}",
                "entrypoints:",
                "  - name: websecure",
                "    address: 127.0.0.1:0",
                "    tls:",
                "      certificates: [{cert: " + c.cert(cert) + ", key: " + c.key(key) + "}]",
                "routes: [{entrypoint: websecure, host: " + routeHost + ", service: s}]",
                "services: [{name: s, endpoints: ['127.0.0.1:9']}]", "");
    }

    @Test
    void routesListsCertificatesWithoutKeysAndMetricsTellExpiry() throws Exception {
        TestCertificates c = new TestCertificates(dir);
        SelfSigned a = c.write("a", SelfSigned.KeyType.EC, "a.test", "*.a.test");
        Path file = dir.resolve("ingress.yaml");
        Files.writeString(file, yaml(c, "a", "a", "a.test"));
        Ingress ingress = closer.add(Ingress.start(file, Transport.best(), Duration.ofMillis(100)));
        HttpClient client = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + ingress.admin().address().getPort();
        String routes = client.send(HttpRequest.newBuilder(URI.create(base + "/routes")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        JsonNode cert = new ObjectMapper().readTree(routes).path("tls").path("certificates").path(0);
        assertThat(cert.path("entrypoint").asText()).isEqualTo("websecure");
        assertThat(cert.path("names").toString()).isEqualTo("[\"a.test\",\"*.a.test\"]");
        assertThat(cert.path("key_type").asText()).isEqualTo("ecdsa");
        assertThat(cert.path("not_after").asText()).isEqualTo(a.certificate().getNotAfter().toInstant().toString());
        assertThat(routes).doesNotContain("PRIVATE").doesNotContain(Files.readString(c.key("a")).split("\n")[1]);
        String metrics = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("ingress_tls_certificate_expiry_timestamp_seconds{name=\"*.a.test\"} "
                + (double) a.certificate().getNotAfter().toInstant().getEpochSecond());
        Tools.Result s = Tools.sClient(ingress.server().address("websecure").getPort(), "-servername", "x.a.test");
        assertThat(s.output()).containsPattern("subject=.*CN = a.test");
    }

    private static int check(Path file, StringWriter out, StringWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute("check", "--config", file.toString());
    }

    @Test
    void checkLoadsEveryPairAndWarnsAboutHostsNoCertificateCovers() throws Exception {
        TestCertificates c = new TestCertificates(dir);
        c.write("a", SelfSigned.KeyType.EC, "a.test");
        c.write("b", SelfSigned.KeyType.RSA, "b.test");
        Path good = dir.resolve("good.yaml");
        Files.writeString(good, yaml(c, "a", "a", "elsewhere.test"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(check(good, out, err)).isZero();
        assertThat(out.toString()).contains("tls websecure: " + c.cert("a") + " serves a.test (ECDSA, expires")
                .contains("good.yaml: OK");
        assertThat(err.toString()).contains("warning: " + good + ":7: host: route host elsewhere.test on TLS entrypoint "
                + "websecure is covered by no certificate");

        Path mismatched = dir.resolve("bad.yaml");
        Files.writeString(mismatched, yaml(c, "a", "b", "a.test"));
        out = new StringWriter();
        err = new StringWriter();
        assertThat(check(mismatched, out, err)).isEqualTo(1);
        assertThat(err.toString()).contains(mismatched + ":6: entrypoints[0].tls.certificates[0].key: " + c.key("b")
                + " is not the key of the certificate in " + c.cert("a"));
    }

    @Test
    void theDemoWritesACertificateOnlyWhereBothFilesAreMissing() throws Exception {
        Path yaml = dir.resolve("tls.yaml");
        Files.createDirectories(dir.resolve("mine"));
        Files.writeString(dir.resolve("mine/only.crt"), "kept as it is\n");
        Files.writeString(yaml, String.join("\n",
                "entrypoints:",
                "  - name: websecure",
                "    address: 127.0.0.1:0",
                "    tls:",
                "      certificates:",
                "        - {cert: certs/demo.crt, key: certs/demo.key}",
                "        - {cert: mine/only.crt, key: mine/only.key}", ""));
        IngressConfig config = new ConfigParser().parse(yaml);
        List<Path> written = SelfSigned.writeMissing(config, Instant.now());
        assertThat(written).containsExactly(dir.resolve("certs/demo.crt"));
        assertThat(Files.readString(dir.resolve("mine/only.crt"))).isEqualTo("kept as it is\n");
        assertThat(dir.resolve("mine/only.key")).doesNotExist();
        Tools.Result x509 = Tools.run("", "openssl", "x509", "-in", dir.resolve("certs/demo.crt").toString(), "-noout", "-ext",
                "subjectAltName");
        assertThat(x509.output()).contains("DNS:localhost").contains("DNS:*.demo.local");
        assertThat(Tools.run("", "openssl", "pkey", "-in", dir.resolve("certs/demo.key").toString(), "-noout").ok()).isTrue();
        assertThat(SelfSigned.writeMissing(config, Instant.now())).isEmpty();
    }
}
