package io.swarmingress.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.proxy.demo.SelfSigned;
import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.Command;
import io.swarmingress.proxy.testing.ProxyFixture;
import io.swarmingress.proxy.testing.TestCertificates;
import io.swarmingress.proxy.testing.Tools;

/**
 * HTTP/2 over TLS, negotiated by ALPN, with clients nobody here wrote: openssl s_client sees
 * {@code h2} chosen, curl {@code --http2} gets its answer over HTTP/2 with the same routes and
 * X-Forwarded-Proto https as HTTP/1.1, nghttp shows the proxy's SETTINGS over TLS, and h2load runs
 * 100 streams per connection without an error. An entrypoint with {@code alpn: [http/1.1]} offers
 * no h2 and takes no HTTP/2, not even from a client that starts with the preface unasked.
 */
@Timeout(120)
class Http2OverTlsTest {
    @TempDir
    static Path dir;
    private static TestCertificates certs;
    private static Backend backend;
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() {
        certs = new TestCertificates(dir);
        certs.write("a", SelfSigned.KeyType.EC, "a.test");
        backend = Backend.start("b1");
        String tls = "{certificates: [{cert: " + certs.cert("a") + ", key: " + certs.key("a") + "}]";
        proxy = ProxyFixture.start(String.join("\n",
                "entrypoints:",
                "  - name: websecure",
                "    address: 127.0.0.1:0",
                "    tls: " + tls + "}",
                "  - name: legacy",
                "    address: 127.0.0.1:0",
                "    tls: " + tls + ", alpn: [http/1.1]}",
                "routes:",
                "  - {entrypoint: websecure, service: s}",
                "  - {entrypoint: legacy, service: s}",
                "services: [{name: s, endpoints: ['" + backend.hostPort() + "']}]", ""));
    }

    @AfterAll
    static void stop() {
        proxy.close();
        backend.close();
    }

    private static String url(String entrypoint, String path) {
        return "https://a.test:" + proxy.port(entrypoint) + path;
    }

    private static String[] curl(String entrypoint, String... args) {
        String[] head = {"--cacert", certs.caFile().toString(), "--resolve", "a.test:" + proxy.port(entrypoint) + ":127.0.0.1"};
        String[] all = new String[head.length + args.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(args, 0, all, head.length, args.length);
        return all;
    }

    @Test
    void opensslSeesH2ChosenWhenOfferedAndHttp11Otherwise() {
        int port = proxy.port("websecure");
        assertThat(Tools.sClient(port, "-servername", "a.test", "-alpn", "h2").output()).contains("ALPN protocol: h2");
        assertThat(Tools.sClient(port, "-servername", "a.test", "-alpn", "http/1.1,h2").output())
                .as("the server's preference decides").contains("ALPN protocol: h2");
        assertThat(Tools.sClient(port, "-servername", "a.test", "-alpn", "http/1.1").output()).contains("ALPN protocol: http/1.1");

        int legacy = proxy.port("legacy");
        assertThat(Tools.sClient(legacy, "-servername", "a.test", "-alpn", "h2").output()).contains("No ALPN negotiated");
        assertThat(Tools.sClient(legacy, "-servername", "a.test", "-alpn", "h2,http/1.1").output()).contains("ALPN protocol: http/1.1");
    }

    @Test
    void curlHttp2IsAnsweredOverHttp2ThroughTheSameRoutesWithForwardedProtoHttps() {
        Tools.Result r = Tools.curl(curl("websecure", "--http2", "-w", "\n%{http_version} %{http_code}", url("websecure", "/headers")));
        assertThat(r.ok()).as(r.output()).isTrue();
        // The backend echoes the request it got: HTTP/1.1 upstream, the client's scheme and port in X-Forwarded-*.
        assertThat(r.output()).contains("GET /headers HTTP/1.1").containsIgnoringCase("x-forwarded-proto: https")
                .containsIgnoringCase("x-forwarded-port: " + proxy.port("websecure")).endsWith("\n2 200");
    }

    @Test
    void nghttpOverTlsNegotiatesH2AndSeesTheProxysSettings() {
        String out = Command.of("nghttp", "-nv", "https://127.0.0.1:" + proxy.port("websecure") + "/").check();
        assertThat(out).contains("The negotiated protocol: h2", "recv SETTINGS frame", "recv (stream_id=13) :status: 200")
                .doesNotContain("RST_STREAM", "recv GOAWAY")
                // No RFC 8441: WebSocket over HTTP/2 is not offered (an extended CONNECT is refused, see Http2FrontTest).
                .doesNotContain("SETTINGS_ENABLE_CONNECT_PROTOCOL");
    }

    @Test
    void h2loadOverTlsWithAHundredStreamsPerConnectionHasNoErrors() {
        String out = Command.of("h2load", "-n", "4000", "-c", "4", "-m", "100",
                "https://127.0.0.1:" + proxy.port("websecure") + "/").timeout(Duration.ofSeconds(90)).check();
        assertThat(out).contains("Application protocol: h2",
                "requests: 4000 total, 4000 started, 4000 done, 4000 succeeded, 0 failed, 0 errored, 0 timeout",
                "status codes: 4000 2xx, 0 3xx, 0 4xx, 0 5xx");
    }

    @Test
    void anEntrypointWithoutH2InItsAlpnServesHttp11AndTakesNoHttp2() {
        Tools.Result r = Tools.curl(curl("legacy", "--http2", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                url("legacy", "/")));
        assertThat(r.output()).isEqualTo("1.1 200");
        // A client that sends the preface without having negotiated h2 (curl's prior knowledge is for http:// only, so
        // openssl writes it) meets the HTTP/1 front, which knows no HTTP/2.0.
        Tools.Result prior = Tools.run("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "openssl", "s_client", "-connect",
                "127.0.0.1:" + proxy.port("legacy"), "-servername", "a.test", "-alpn", "http/1.1", "-quiet", "-ign_eof");
        assertThat(prior.output()).contains("HTTP/1.1 505");
    }
}
