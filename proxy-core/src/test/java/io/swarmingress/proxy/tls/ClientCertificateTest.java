package io.swarmingress.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.swarmingress.proxy.demo.SelfSigned;
import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.ProxyFixture;
import io.swarmingress.proxy.testing.TestCertificates;
import io.swarmingress.proxy.testing.Tools;

/**
 * Client certificates (mutual TLS) with curl: the verified subject reaches the upstream in the
 * configured header, and a client can never send that header itself.
 */
@Timeout(120)
class ClientCertificateTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private ProxyFixture proxy(TestCertificates c, String mode) {
        Backend b = Backend.start("b1");
        toClose.add(b);
        ProxyFixture p = ProxyFixture.start(String.join("\n",
                "entrypoints:",
                "  - name: websecure",
                "    address: 127.0.0.1:0",
                "    tls:",
                "      certificates: [{cert: " + c.cert("a") + ", key: " + c.key("a") + "}]",
                "      client_auth: {mode: " + mode + ", ca: " + c.caFile() + ", subject_header: X-Client-DN}",
                "routes: [{entrypoint: websecure, service: s}]",
                "services: [{name: s, endpoints: ['" + b.hostPort() + "']}]", ""));
        toClose.add(p);
        return p;
    }

    private static Tools.Result curl(TestCertificates c, ProxyFixture p, String... extra) {
        List<String> args = new ArrayList<>(List.of("--cacert", c.caFile().toString(), "--resolve",
                "a.test:" + p.port("websecure") + ":127.0.0.1", "-H", "X-Client-DN: CN=forged", "-H", "X_Client_DN: CN=forged"));
        args.addAll(List.of(extra));
        args.add("https://a.test:" + p.port("websecure") + "/headers");
        return Tools.curl(args.toArray(new String[0]));
    }

    @Test
    void requiredClientCertificatesReachTheUpstreamAsTheVerifiedSubjectOnly() throws Exception {
        TestCertificates c = new TestCertificates(dir);
        c.write("a", SelfSigned.KeyType.EC, "a.test");
        c.write("alice", SelfSigned.KeyType.EC, "alice");
        ProxyFixture p = proxy(c, "required");

        Tools.Result with = curl(c, p, "--cert", c.cert("alice").toString(), "--key", c.key("alice").toString());
        assertThat(with.ok()).as(with.output()).isTrue();
        assertThat(with.output()).containsIgnoringCase("x-client-dn: CN=alice,O=Swarm Ingress demo").doesNotContain("forged");

        Tools.Result without = curl(c, p);
        assertThat(without.ok()).isFalse();
        assertThat(without.output()).doesNotContain("GET /headers");

        // A certificate from another CA is refused too.
        TestCertificates strangers = new TestCertificates(Files.createDirectories(dir.resolve("other")));
        strangers.write("mallory", SelfSigned.KeyType.EC, "mallory");
        Tools.Result stranger = curl(c, p, "--cert", strangers.cert("mallory").toString(), "--key", strangers.key("mallory").toString());
        assertThat(stranger.ok()).isFalse();
        assertThat(stranger.output()).doesNotContain("GET /headers");
    }

    /** Over HTTP/1.1 and over HTTP/2 (negotiated by ALPN): the same subject, and no forged one. */
    @ParameterizedTest
    @ValueSource(strings = {"--http1.1", "--http2"})
    void optionalClientCertificatesLetClientsWithoutOneInButNeverTheirOwnSubjectHeader(String version) {
        TestCertificates c = new TestCertificates(dir);
        c.write("a", SelfSigned.KeyType.EC, "a.test");
        c.write("bob", SelfSigned.KeyType.RSA, "bob");
        ProxyFixture p = proxy(c, "optional");
        Tools.Result anonymous = curl(c, p, version, "-w", "\n%{http_version}");
        assertThat(anonymous.ok()).as(anonymous.output()).isTrue();
        assertThat(anonymous.output()).contains("GET /headers").doesNotContainIgnoringCase("x-client-dn").doesNotContain("forged")
                .endsWith(version.equals("--http2") ? "\n2" : "\n1.1");
        Tools.Result bob = curl(c, p, version, "--cert", c.cert("bob").toString(), "--key", c.key("bob").toString());
        assertThat(bob.output()).containsIgnoringCase("x-client-dn: CN=bob,O=Swarm Ingress demo").doesNotContain("forged");
    }
}
