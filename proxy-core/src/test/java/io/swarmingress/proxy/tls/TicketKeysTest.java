package io.swarmingress.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.config.TlsCertificate;
import io.swarmingress.config.TlsConfig;
import io.swarmingress.proxy.demo.SelfSigned;
import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.ProxyFixture;
import io.swarmingress.proxy.testing.TestCertificates;
import io.swarmingress.proxy.testing.Tools;

/**
 * Session tickets: the keys are shared by every certificate of an entrypoint (a ticket issued under
 * the ECDSA certificate resumes under the RSA one) and rotate once a session timeout has passed.
 */
class TicketKeysTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void aTicketFromOneCertificateResumesUnderAnother() {
        TestCertificates c = new TestCertificates(dir);
        c.write("ec", SelfSigned.KeyType.EC, "a.test");
        c.write("rsa", SelfSigned.KeyType.RSA, "a.test");
        Backend b = Backend.start("b");
        toClose.add(b);
        ProxyFixture p = ProxyFixture.start(String.join("\n",
                "entrypoints:",
                "  - name: websecure",
                "    address: 127.0.0.1:0",
                "    tls:",
                "      certificates:",
                "        - {cert: " + c.cert("ec") + ", key: " + c.key("ec") + "}",
                "        - {cert: " + c.cert("rsa") + ", key: " + c.key("rsa") + "}",
                "routes: [{entrypoint: websecure, service: s}]",
                "services: [{name: s, endpoints: ['" + b.hostPort() + "']}]", ""));
        toClose.add(p);
        String port = "127.0.0.1:" + p.port("websecure");
        Path session = dir.resolve("s.pem");
        String request = "GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n";
        Tools.Result ecdsa = Tools.run(request, "openssl", "s_client", "-connect", port, "-servername", "a.test", "-tls1_2",
                "-sess_out", session.toString(), "-ign_eof");
        assertThat(ecdsa.output()).contains("Peer signature type: ECDSA").contains("HTTP/1.1 200 OK");
        // The same client, now offering RSA suites only: the RSA certificate's context resumes the ticket.
        Tools.Result rsa = Tools.run(request, "openssl", "s_client", "-connect", port, "-servername", "a.test", "-tls1_2",
                "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256", "-sess_in", session.toString(), "-ign_eof");
        assertThat(rsa.output()).contains("Reused, TLSv1.2").contains("HTTP/1.1 200 OK");
    }

    @Test
    void keysRotateOnceASessionTimeoutHasPassedAndThePreviousOneStillOpens() {
        TicketKeys keys = new TicketKeys();
        var first = keys.current();
        assertThat(keys.previous()).isNull();
        keys.rotate();
        assertThat(keys.previous()).isSameAs(first);
        assertThat(keys.current()).isNotSameAs(first);
        assertThat(keys.current().name()).isNotEqualTo(first.name());
        var second = keys.current();
        keys.rotate();
        assertThat(keys.previous()).isSameAs(second);
    }

    @Test
    void anEntrypointRotatesItsKeysEverySessionTimeout() {
        TestCertificates c = new TestCertificates(dir);
        c.write("a", SelfSigned.KeyType.EC, "a.test");
        TlsConfig config = new TlsConfig(List.of(TlsCertificate.of(c.cert("a").toString(), c.key("a").toString())), null, null,
                false, true, 100, Duration.ofMinutes(10), null, null, null);
        EntrypointTls tls = EntrypointTls.load("websecure", "entrypoints[0]", config, TlsProvider.best(), true, Instant.now());
        try {
            var first = tls.ticketKeys().current();
            long t0 = 1_000;
            tls.rotateTicketKeysIfDue(t0);
            tls.rotateTicketKeysIfDue(t0 + Duration.ofMinutes(9).toNanos());
            assertThat(tls.ticketKeys().current()).isSameAs(first);
            tls.rotateTicketKeysIfDue(t0 + Duration.ofMinutes(10).toNanos());
            assertThat(tls.ticketKeys().previous()).isSameAs(first);
            var second = tls.ticketKeys().current();
            tls.rotateTicketKeysIfDue(t0 + Duration.ofMinutes(19).toNanos());
            assertThat(tls.ticketKeys().current()).isSameAs(second);
        } finally {
            tls.contexts().forEach(TlsLayer::release);
        }
    }
}
