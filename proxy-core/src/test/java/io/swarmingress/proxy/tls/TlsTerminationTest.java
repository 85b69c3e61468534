package io.swarmingress.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.config.ConfigException;
import io.swarmingress.proxy.demo.SelfSigned;
import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.ProxyFixture;
import io.swarmingress.proxy.testing.TestCertificates;
import io.swarmingress.proxy.testing.Tools;

/**
 * TLS termination against clients nobody here wrote: curl for SNI choice, HTTP/1.1 over TLS and
 * the redirect; openssl s_client for the certificate chosen, protocol versions, resumption and
 * ALPN. Certificates are made at test time under a test CA that the clients trust.
 */
@Timeout(120)
class TlsTerminationTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private Backend backend() {
        Backend b = Backend.start("b1");
        toClose.add(b);
        return b;
    }

    private ProxyFixture proxy(String yaml) {
        ProxyFixture p = ProxyFixture.start(yaml);
        toClose.add(p);
        return p;
    }

    /** Certificates for a.test (ECDSA and RSA), *.w.test (ECDSA) and other.test (ECDSA, the default). */
    private TestCertificates certificates() {
        TestCertificates c = new TestCertificates(dir);
        c.write("a-ec", SelfSigned.KeyType.EC, "a.test");
        c.write("a-rsa", SelfSigned.KeyType.RSA, "a.test");
        c.write("wild", SelfSigned.KeyType.EC, "*.w.test");
        c.write("other", SelfSigned.KeyType.EC, "other.test");
        return c;
    }

    private String yaml(TestCertificates c, Backend b, String tlsExtra) {
        return String.join("\n",
                "io_threads: 1",
                "entrypoints:",
                "  - name: web",
                "    address: 127.0.0.1:0",
                "    https_redirect: websecure",
                "  - name: websecure",
                "    address: 127.0.0.1:0",
                "    tls:",
                "      certificates:",
                "        - {cert: " + c.cert("a-ec") + ", key: " + c.key("a-ec") + "}",
                "        - {cert: " + c.cert("a-rsa") + ", key: " + c.key("a-rsa") + "}",
                "        - {cert: " + c.cert("wild") + ", key: " + c.key("wild") + "}",
                "        - {cert: " + c.cert("other") + ", key: " + c.key("other") + ", default: true}",
                tlsExtra,
                "routes:",
                "  - {entrypoint: websecure, service: s, hsts: 'max-age=600; includeSubDomains'}",
                "services:",
                "  - name: s",
                "    endpoints: [" + b.hostPort() + "]",
                "");
    }

    private static String https(ProxyFixture p, String host, String path) {
        return "https://" + host + ":" + p.port("websecure") + path;
    }

    private static String resolve(ProxyFixture p, String host) {
        return host + ":" + p.port("websecure") + ":127.0.0.1";
    }

    @Test
    void curlGetsTheCertificateOfTheNameItAsksForAndSpeaksHttp11OverTls() {
        TestCertificates c = certificates();
        Backend b = backend();
        ProxyFixture p = proxy(yaml(c, b, ""));
        for (String host : List.of("a.test", "x.w.test", "other.test")) {
            // curl verifies the certificate against the name: the wrong certificate fails the request.
            Tools.Result r = Tools.curl("--cacert", c.caFile().toString(), "--resolve", resolve(p, host), https(p, host, "/headers"));
            assertThat(r.ok()).as(host + ": " + r.output()).isTrue();
            assertThat(r.output()).contains("GET /headers HTTP/1.1").containsIgnoringCase("x-forwarded-proto: https")
                    .containsIgnoringCase("x-forwarded-port: " + p.port("websecure"));
        }
        // a.b.w.test is two labels below the wildcard, which covers one: the default certificate comes, and curl refuses it.
        Tools.Result deep = Tools.curl("--cacert", c.caFile().toString(), "--resolve", resolve(p, "a.b.w.test"),
                https(p, "a.b.w.test", "/"));
        assertThat(deep.ok()).isFalse();
        assertThat(Tools.sClient(p.port("websecure"), "-servername", "a.b.w.test").output()).containsPattern("subject=.*CN = other.test");
        Tools.Result headers = Tools.curl("-D", "-", "-o", "/dev/null", "--cacert", c.caFile().toString(), "--resolve",
                resolve(p, "a.test"), https(p, "a.test", "/"));
        assertThat(headers.output()).containsIgnoringCase("strict-transport-security: max-age=600; includeSubDomains");
    }

    @Test
    void opensslSeesEcdsaWhenItOffersItRsaOtherwiseAndTheDefaultForUnknownNames() {
        TestCertificates c = certificates();
        ProxyFixture p = proxy(yaml(c, backend(), ""));
        int port = p.port("websecure");
        assertThat(Tools.sClient(port, "-servername", "a.test").output()).containsPattern("subject=.*CN = a.test")
                .contains("Peer signature type: ECDSA");
        assertThat(Tools.sClient(port, "-servername", "a.test", "-sigalgs", "RSA-PSS+SHA256:RSA+SHA256").output())
                .containsPattern("subject=.*CN = a.test").contains("Server public key is 2048 bit");
        assertThat(Tools.sClient(port, "-servername", "a.test", "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256").output())
                .contains("Server public key is 2048 bit").contains("TLSv1.2");
        assertThat(Tools.sClient(port, "-servername", "nobody.test").output()).containsPattern("subject=.*CN = other.test");
        assertThat(Tools.sClient(port, "-noservername").output()).containsPattern("subject=.*CN = other.test");
    }

    @Test
    void protocolVersionsAlpnAndResumptionWithTickets() {
        TestCertificates c = certificates();
        ProxyFixture p = proxy(yaml(c, backend(), "      protocols: [TLSv1.3]"));
        int port = p.port("websecure");
        assertThat(Tools.sClient(port, "-servername", "a.test", "-tls1_3").output()).contains("New, TLSv1.3");
        Tools.Result old = Tools.sClient(port, "-servername", "a.test", "-tls1_2");
        assertThat(old.ok()).isFalse();
        assertThat(old.output()).containsIgnoringCase("alert protocol version");
        assertThat(Tools.sClient(port, "-servername", "a.test", "-alpn", "h2,http/1.1").output()).contains("ALPN protocol: h2");
        assertThat(Tools.sClient(port, "-servername", "a.test", "-alpn", "spdy/3").output()).contains("No ALPN negotiated");

        Path session = dir.resolve("session.pem");
        // s_client reads the post-handshake ticket only if it waits for it: -ign_eof with a quick request does.
        Tools.Result first = Tools.run("GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n", "openssl", "s_client",
                "-connect", "127.0.0.1:" + port, "-servername", "a.test", "-sess_out", session.toString(), "-ign_eof");
        assertThat(first.output()).contains("New, TLSv1.3");
        assertThat(session).exists();
        Tools.Result second = Tools.run("GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n", "openssl", "s_client",
                "-connect", "127.0.0.1:" + port, "-servername", "a.test", "-sess_in", session.toString(), "-ign_eof");
        assertThat(second.output()).contains("Reused, TLSv1.3").contains("HTTP/1.1 200 OK");
        String metrics = p.metrics().scrape();
        assertThat(metrics).containsPattern("ingress_tls_handshakes_total\\{entrypoint=\"websecure\",result=\"resumed\"} [1-9]");
        assertThat(metrics).containsPattern("ingress_tls_handshakes_total\\{entrypoint=\"websecure\",result=\"full\"} [1-9]");
        assertThat(metrics).containsPattern("ingress_tls_handshakes_total\\{entrypoint=\"websecure\",result=\"failed\"} [1-9]");
        assertThat(metrics).contains("ingress_tls_certificate_expiry_timestamp_seconds{name=\"a.test\"}");
        assertThat(metrics).contains("ingress_tls_handshake_duration_seconds_bucket{entrypoint=\"websecure\"");
    }

    @Test
    void onlyTheConfiguredCiphersServeAndTls12ResumesFromTheSessionCacheWithoutTickets() {
        TestCertificates c = certificates();
        ProxyFixture p = proxy(yaml(c, backend(), String.join("\n",
                "      protocols: [TLSv1.2]",
                "      ciphers: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]",
                "      session_tickets: false")));
        int port = p.port("websecure");
        assertThat(Tools.sClient(port, "-servername", "a.test").output()).contains("New, TLSv1.2, Cipher is ECDHE-ECDSA-AES256-GCM-SHA384");
        Tools.Result left = Tools.sClient(port, "-servername", "a.test", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256");
        assertThat(left.ok()).isFalse();
        assertThat(left.output()).containsIgnoringCase("handshake failure");

        Path session = dir.resolve("session12.pem");
        String request = "GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n";
        Tools.Result first = Tools.run(request, "openssl", "s_client", "-connect", "127.0.0.1:" + port, "-servername", "a.test",
                "-sess_out", session.toString(), "-ign_eof");
        assertThat(first.output()).contains("New, TLSv1.2").doesNotContain("TLS session ticket:");
        Tools.Result second = Tools.run(request, "openssl", "s_client", "-connect", "127.0.0.1:" + port, "-servername", "a.test",
                "-sess_in", session.toString(), "-ign_eof");
        assertThat(second.output()).contains("Reused, TLSv1.2").contains("HTTP/1.1 200 OK");
    }

    @Test
    void plaintextHttpOnATlsPortGetsA400ThatSaysHttps() {
        TestCertificates c = certificates();
        ProxyFixture p = proxy(yaml(c, backend(), ""));
        Tools.Result r = Tools.curl("-i", "http://127.0.0.1:" + p.port("websecure") + "/");
        assertThat(r.output()).contains("HTTP/1.1 400 Bad Request").contains("this port speaks HTTPS");
        assertThat(p.metrics().scrape())
                .containsPattern("ingress_tls_handshakes_total\\{entrypoint=\"websecure\",result=\"failed\"} [1-9]");
    }

    @Test
    void anAnswerBeforeTheBodyEndsTheTlsStreamWithCloseNotify() {
        TestCertificates c = certificates();
        ProxyFixture p = proxy(yaml(c, backend(), "").replace("service: s, hsts", "host: a.test, service: s, hsts"));
        // A 404 for a body of 5 MB, 2 MB of which arrive: the proxy answers, ends its side and lingers. OpenSSL
        // calls a FIN without close_notify "unexpected eof".
        String request = "POST / HTTP/1.1\r\nHost: b.test\r\nContent-Length: 5000000\r\n\r\n" + "x".repeat(2_000_000);
        Tools.Result r = Tools.run(request, "openssl", "s_client", "-connect", "127.0.0.1:" + p.port("websecure"),
                "-servername", "a.test", "-quiet");
        assertThat(r.output()).contains("HTTP/1.1 404 Not Found").contains("connection: close").doesNotContain("unexpected eof");
    }

    @Test
    void theHttpEntrypointRedirectsToHttpsAndCurlFollows() {
        TestCertificates c = certificates();
        ProxyFixture p = proxy(yaml(c, backend(), ""));
        String http = "http://a.test:" + p.port("web") + "/headers?x=1";
        Tools.Result r = Tools.curl("-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "--resolve",
                "a.test:" + p.port("web") + ":127.0.0.1", http);
        assertThat(r.output()).isEqualTo("308 https://a.test:" + p.port("websecure") + "/headers?x=1");
        Tools.Result followed = Tools.curl("-L", "--cacert", c.caFile().toString(), "--resolve", "a.test:" + p.port("web")
                + ":127.0.0.1", "--resolve", resolve(p, "a.test"), http);
        assertThat(followed.ok()).as(followed.output()).isTrue();
        assertThat(followed.output()).contains("GET /headers?x=1 HTTP/1.1").containsIgnoringCase("x-forwarded-proto: https");
    }

    @Test
    void anUnknownNameIsRefusedWithUnrecognizedNameUnderSniStrict() {
        TestCertificates c = new TestCertificates(dir);
        c.write("a", SelfSigned.KeyType.EC, "a.test");
        ProxyFixture p = proxy(String.join("\n",
                "entrypoints:",
                "  - name: websecure",
                "    address: 127.0.0.1:0",
                "    tls:",
                "      sni_strict: true",
                "      certificates: [{cert: " + c.cert("a") + ", key: " + c.key("a") + "}]",
                "routes: [{entrypoint: websecure, service: s}]",
                "services: [{name: s, endpoints: ['127.0.0.1:9']}]", ""));
        Tools.Result r = Tools.sClient(p.port("websecure"), "-servername", "unknown.test");
        assertThat(r.ok()).isFalse();
        assertThat(r.output()).containsIgnoringCase("unrecognized name");
        assertThat(Tools.sClient(p.port("websecure"), "-servername", "a.test").output()).containsPattern("subject=.*CN = a.test");
    }

    @Test
    void certificateFilesThatCannotBeUsedAreConfigErrorsWithFileLineAndField() throws Exception {
        TestCertificates c = new TestCertificates(dir);
        c.write("a", SelfSigned.KeyType.EC, "a.test");
        c.write("b", SelfSigned.KeyType.EC, "b.test");
        Files.writeString(dir.resolve("garbage.crt"), "not a certificate\n");
        String yaml = String.join("\n",
                "entrypoints:",
                "  - name: websecure",
                "    address: 127.0.0.1:0",
                "    tls:",
                "      certificates:",
                "        - {cert: " + dir.resolve("missing.crt") + ", key: " + c.key("a") + "}",
                "        - {cert: " + c.cert("a") + ", key: " + c.key("b") + "}",
                "        - {cert: " + dir.resolve("garbage.crt") + ", key: " + c.key("a") + "}",
                "routes: [{entrypoint: websecure, service: s}]",
                "services: [{name: s, endpoints: ['127.0.0.1:9']}]", "");
        assertThatThrownBy(() -> ProxyFixture.start(yaml)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("test.yaml:6: entrypoints[0].tls.certificates[0].cert: cannot read " + dir.resolve("missing.crt"))
                .hasMessageContaining("test.yaml:7: entrypoints[0].tls.certificates[1].key: " + c.key("b")
                        + " is not the key of the certificate in " + c.cert("a"))
                .hasMessageContaining("test.yaml:8: entrypoints[0].tls.certificates[2].cert: " + dir.resolve("garbage.crt"));
    }

    @Test
    void theJdkProviderServesWhenOpenSslIsNotUsed() {
        TestCertificates c = certificates();
        Backend b = backend();
        System.setProperty("swarm.ingress.tls.provider", "jdk");
        ProxyFixture p;
        try {
            p = proxy(yaml(c, b, ""));
        } finally {
            System.clearProperty("swarm.ingress.tls.provider");
        }
        Tools.Result r = Tools.curl("--cacert", c.caFile().toString(), "--resolve", resolve(p, "a.test"), https(p, "a.test", "/"));
        assertThat(r.output()).isEqualTo("b1");
        assertThat(Tools.sClient(p.port("websecure"), "-servername", "a.test").output()).contains("Peer signature type: ECDSA");
    }
}
