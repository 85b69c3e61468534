package io.swarmingress.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

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
 * Certificate files replaced under a running proxy, as a Swarm secret or a renewal does it: new
 * connections get the new certificate, no handshake fails meanwhile, and a replacement that cannot
 * be used (mismatched, expired, half written) leaves the previous certificate serving.
 */
@Timeout(120)
class TlsReloadTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private ProxyFixture proxy(TestCertificates c, Backend b) {
        ProxyFixture p = ProxyFixture.start(String.join("\n",
                "io_threads: 1",
                "entrypoints:",
                "  - name: websecure",
                "    address: 127.0.0.1:0",
                "    tls:",
                "      certificates: [{cert: " + c.cert("a") + ", key: " + c.key("a") + "}]",
                "routes: [{entrypoint: websecure, service: s}]",
                "services: [{name: s, endpoints: ['" + b.hostPort() + "']}]", ""));
        toClose.add(p);
        return p;
    }

    private Backend backend() {
        Backend b = Backend.start("b1");
        toClose.add(b);
        return b;
    }

    /** The JDK's TLS client, trusting the test CA only. */
    private static SSLContext client(TestCertificates c) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", c.ca().certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }

    /** A full handshake (a fresh session each time), a request and its response; returns the serial of the certificate served. */
    private static BigInteger request(SSLContext ssl, int port) throws Exception {
        try (SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            SSLParameters params = s.getSSLParameters();
            params.setServerNames(List.of(new SNIHostName("a.test")));
            params.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(params);
            s.startHandshake();
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            if (!response.startsWith("HTTP/1.1 200")) {
                throw new AssertionError("unexpected response: " + response);
            }
            BigInteger serial = ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
            s.getSession().invalidate();
            return serial;
        }
    }

    @Test
    void certificatesRotatedDuringLoadFailNoHandshake() throws Exception {
        TestCertificates c = new TestCertificates(dir);
        c.write("a", SelfSigned.KeyType.EC, "a.test");
        ProxyFixture p = proxy(c, backend());
        int port = p.port("websecure");
        SSLContext ssl = client(c);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger handshakes = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicReference<BigInteger> lastSeen = new AtomicReference<>();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Thread t = new Thread(() -> {
                // Bounded: at most 20,000 requests per client even if the test forgot to stop it.
                for (int n = 0; n < 20_000 && !stop.get(); n++) {
                    try {
                        lastSeen.set(request(ssl, port));
                        handshakes.incrementAndGet();
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }
            }, "tls-client-" + i);
            t.start();
            clients.add(t);
        }
        try {
            for (int round = 0; round < 3; round++) {
                int before = handshakes.get();
                // Rewritten in place (key first, then the certificate), so the watcher may well read a mismatched pair.
                SelfSigned next = c.write("a", SelfSigned.KeyType.EC, "a.test");
                BigInteger serial = next.certificate().getSerialNumber();
                await().atMost(Duration.ofSeconds(30)).until(() -> serial.equals(lastSeen.get()) && handshakes.get() > before + 20);
            }
        } finally {
            stop.set(true);
            for (Thread t : clients) {
                t.join(30_000);
            }
        }
        assertThat(failures).as("failed handshakes or requests").isEmpty();
        assertThat(handshakes.get()).isGreaterThan(60);
        assertThat(p.metrics().scrape()).containsPattern("ingress_tls_certificate_reloads_total\\{result=\"success\"} [3-9]");
    }

    @Test
    void aMismatchedOrExpiredReplacementLeavesThePreviousCertificateServing() throws Exception {
        TestCertificates c = new TestCertificates(dir);
        SelfSigned first = c.write("a", SelfSigned.KeyType.EC, "a.test");
        ProxyFixture p = proxy(c, backend());
        int port = p.port("websecure");
        SSLContext ssl = client(c);
        assertThat(request(ssl, port)).isEqualTo(first.certificate().getSerialNumber());

        // A new certificate beside the old key: the pair does not match.
        SelfSigned other = c.write("b", SelfSigned.KeyType.EC, "a.test");
        Files.copy(c.cert("b"), c.cert("a"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        awaitFailedReloads(p, 1);
        assertThat(request(ssl, port)).isEqualTo(first.certificate().getSerialNumber());
        assertThat(other.certificate().getSerialNumber()).isNotEqualTo(first.certificate().getSerialNumber());

        // An expired pair that matches.
        Instant now = Instant.now();
        c.write("a", SelfSigned.KeyType.EC, now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1)), "a.test");
        awaitFailedReloads(p, 2);
        assertThat(request(ssl, port)).isEqualTo(first.certificate().getSerialNumber());
        assertThat(Tools.sClient(port, "-servername", "a.test").output()).containsPattern("subject=.*CN = a.test");

        // A good pair serves at once.
        SelfSigned good = c.write("a", SelfSigned.KeyType.EC, "a.test");
        await().atMost(Duration.ofSeconds(30)).until(() -> request(ssl, port).equals(good.certificate().getSerialNumber()));
    }

    private static void awaitFailedReloads(ProxyFixture p, int n) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            java.util.regex.Matcher m = java.util.regex.Pattern
                    .compile("ingress_tls_certificate_reloads_total\\{result=\"failure\"} ([0-9.]+)").matcher(p.metrics().scrape());
            return m.find() && Double.parseDouble(m.group(1)) >= n;
        });
    }
}
