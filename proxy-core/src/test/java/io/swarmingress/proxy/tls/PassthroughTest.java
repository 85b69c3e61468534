package io.swarmingress.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.proxy.demo.SelfSigned;
import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.ProxyFixture;
import io.swarmingress.proxy.testing.TestCertificates;
import io.swarmingress.proxy.testing.Tools;

/**
 * SNI passthrough on a tcp entrypoint: the ClientHello is read, never terminated, and the whole
 * TLS stream goes to the service its server name routes to. The TLS servers behind it are a second
 * proxy terminating TLS for a.test and *.b.test; the clients are curl and openssl s_client.
 */
@Timeout(120)
class PassthroughTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private TestCertificates certs;
    private ProxyFixture outer;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T t) {
        toClose.add(t);
        return t;
    }

    /** @param defaultService a service for names no route matches, or null */
    private void start(String defaultService) {
        certs = new TestCertificates(dir);
        certs.write("a", SelfSigned.KeyType.EC, "a.test");
        certs.write("b", SelfSigned.KeyType.RSA, "*.b.test");
        Backend ba = keep(Backend.start("backend-a"));
        Backend bb = keep(Backend.start("backend-b"));
        ProxyFixture inner = keep(ProxyFixture.start(String.join("\n",
                "entrypoints:",
                "  - {name: a, address: '127.0.0.1:0', tls: {certificates: [{cert: " + certs.cert("a") + ", key: " + certs.key("a") + "}]}}",
                "  - {name: b, address: '127.0.0.1:0', tls: {certificates: [{cert: " + certs.cert("b") + ", key: " + certs.key("b") + "}]}}",
                "routes:",
                "  - {entrypoint: a, service: ba}",
                "  - {entrypoint: b, service: bb}",
                "services:",
                "  - {name: ba, endpoints: ['" + ba.hostPort() + "']}",
                "  - {name: bb, endpoints: ['" + bb.hostPort() + "']}", "")));
        outer = keep(ProxyFixture.start(String.join("\n",
                "entrypoints:",
                "  - name: pass",
                "    address: 127.0.0.1:0",
                "    protocol: tcp",
                "    tls_passthrough: true",
                "    request_header_timeout: 2s",
                defaultService == null ? "" : "    service: " + defaultService,
                "routes:",
                "  - {entrypoint: pass, host: a.test, service: tls-a}",
                "  - {entrypoint: pass, host: '*.b.test', service: tls-b}",
                "services:",
                "  - {name: tls-a, endpoints: ['127.0.0.1:" + inner.port("a") + "']}",
                "  - {name: tls-b, endpoints: ['127.0.0.1:" + inner.port("b") + "']}", "")));
    }

    private Tools.Result curl(String host) {
        int port = outer.port("pass");
        return Tools.curl("--cacert", certs.caFile().toString(), "--resolve", host + ":" + port + ":127.0.0.1",
                "https://" + host + ":" + port + "/");
    }

    @Test
    void theServerNameChoosesTheServiceAndTlsIsNeverTerminated() {
        start(null);
        assertThat(curl("a.test").output()).isEqualTo("backend-a");
        assertThat(curl("x.b.test").output()).isEqualTo("backend-b");
        assertThat(curl("deep.x.b.test").ok()).isFalse(); // routed to b, whose *.b.test certificate covers one label only
        int port = outer.port("pass");
        assertThat(Tools.sClient(port, "-servername", "a.test").output()).containsPattern("subject=.*CN = a.test")
                .contains("Peer signature type: ECDSA");
        assertThat(Tools.sClient(port, "-servername", "y.b.test").output()).containsPattern("subject=.*CN = \\*.b.test")
                .contains("Server public key is 2048 bit");
        Tools.Result unknown = Tools.sClient(port, "-servername", "nobody.test");
        assertThat(unknown.ok()).isFalse();
        assertThat(unknown.output()).containsIgnoringCase("unrecognized name");
        assertThat(outer.metrics().scrape())
                .containsPattern("ingress_tls_passthrough_connections_total\\{entrypoint=\"pass\",result=\"routed\"} [4-9]")
                .containsPattern("ingress_tls_passthrough_connections_total\\{entrypoint=\"pass\",result=\"unknown_name\"} 1");
    }

    @Test
    void namesNoRouteMatchesGoToTheDefaultService() {
        start("tls-a");
        assertThat(Tools.sClient(outer.port("pass"), "-servername", "nobody.test").output()).containsPattern("subject=.*CN = a.test");
        assertThat(Tools.sClient(outer.port("pass"), "-noservername").output()).containsPattern("subject=.*CN = a.test");
    }

    @Test
    void plaintextTruncatedAndSlowHellosAreRefused() throws Exception {
        start("tls-a");
        int port = outer.port("pass");
        Tools.Result http = Tools.curl("-i", "http://127.0.0.1:" + port + "/");
        assertThat(http.output()).contains("HTTP/1.1 400 Bad Request").contains("passes TLS through");

        byte[] hello = ClientHelloTest.jdkHello("a.test");
        // Half a hello, then the client ends its side: nothing can complete it, the proxy closes.
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(Arrays.copyOf(hello, hello.length / 2));
            out.flush();
            s.shutdownOutput();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        // Half a hello and then silence: closed once request_header_timeout (2s) passed.
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(Arrays.copyOf(hello, 30));
            s.getOutputStream().flush();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        // Binary garbage: closed, without a byte of answer.
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(new byte[] {0x00, 0x01, 0x02, 0x03, 0x04, 0x05});
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            assertThat(in.read()).isEqualTo(-1);
        }
        assertThat(outer.metrics().scrape())
                .containsPattern("ingress_tls_passthrough_connections_total\\{entrypoint=\"pass\",result=\"not_tls\"} 2")
                .containsPattern("ingress_tls_passthrough_connections_total\\{entrypoint=\"pass\",result=\"invalid\"} 1")
                .containsPattern("ingress_tls_passthrough_connections_total\\{entrypoint=\"pass\",result=\"timeout\"} 1");
        // And the port still works.
        assertThat(Tools.sClient(port, "-servername", "a.test").output()).containsPattern("subject=.*CN = a.test");
    }
}
