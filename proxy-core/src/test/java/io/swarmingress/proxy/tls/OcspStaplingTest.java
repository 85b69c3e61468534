package io.swarmingress.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.config.ConfigException;
import io.swarmingress.proxy.demo.SelfSigned;
import io.swarmingress.proxy.testing.ProxyFixture;
import io.swarmingress.proxy.testing.TestCertificates;
import io.swarmingress.proxy.testing.Tools;

/**
 * OCSP stapling with responses made by {@code openssl ocsp} (the test CA answering for its own
 * certificates) and read by {@code openssl s_client -status}: the staple reaches clients that ask,
 * a renewed response file replaces it without a restart, and a response that must not be stapled
 * (about another certificate, or saying revoked) is refused at start and left unused at reload.
 */
@Timeout(120)
class OcspStaplingTest {
    private static final DateTimeFormatter INDEX_DATE = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

    @TempDir
    Path dir;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    /** The test CA's key on disk, and a.test's certificate with its chain (leaf, then the CA). */
    private TestCertificates certificates() throws IOException {
        TestCertificates c = new TestCertificates(dir);
        c.ca().write(c.caFile(), dir.resolve("ca.key"));
        c.write("a", SelfSigned.KeyType.EC, "a.test");
        c.write("b", SelfSigned.KeyType.EC, "b.test");
        Files.writeString(dir.resolve("a-chain.crt"), Files.readString(c.cert("a")) + Files.readString(c.caFile()));
        return c;
    }

    /**
     * What the CA's responder says about a certificate, written to {@code out} in DER.
     *
     * @param status {@code V} (valid) or {@code R} (revoked), as in an {@code openssl ca} index
     */
    private Path response(TestCertificates c, String file, String status, int days, String out) throws IOException {
        X509Certificate cert;
        try (InputStream in = Files.newInputStream(c.cert(file))) {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (CertificateException e) {
            throw new AssertionError(e);
        }
        String serial = cert.getSerialNumber().toString(16).toUpperCase();
        if (serial.length() % 2 == 1) {
            serial = "0" + serial; // openssl looks serials up as whole bytes
        }
        String expiry = INDEX_DATE.format(cert.getNotAfter().toInstant());
        String revoked = status.equals("R") ? INDEX_DATE.format(cert.getNotBefore().toInstant()) : "";
        Path index = dir.resolve(out + ".index");
        Files.writeString(index, status + "\t" + expiry + "\t" + revoked + "\t" + serial + "\tunknown\t/CN=" + file + ".test\n");
        Path request = dir.resolve(out + ".req");
        ok(Tools.run("", "openssl", "ocsp", "-issuer", c.caFile().toString(), "-cert", c.cert(file).toString(), "-no_nonce",
                "-reqout", request.toString()));
        Path response = dir.resolve(out);
        ok(Tools.run("", "openssl", "ocsp", "-index", index.toString(), "-rsigner", c.caFile().toString(), "-rkey",
                dir.resolve("ca.key").toString(), "-CA", c.caFile().toString(), "-reqin", request.toString(), "-respout",
                response.toString(), "-ndays", Integer.toString(days)));
        return response;
    }

    private static void ok(Tools.Result r) {
        assertThat(r.ok()).as(r.output()).isTrue();
    }

    private ProxyFixture proxy(TestCertificates c, Path ocsp) {
        ProxyFixture p = ProxyFixture.start(String.join("\n",
                "io_threads: 1",
                "entrypoints:",
                "  - name: websecure",
                "    address: 127.0.0.1:0",
                "    tls:",
                "      certificates:",
                "        - {cert: " + dir.resolve("a-chain.crt") + ", key: " + c.key("a") + ", ocsp_response: " + ocsp + "}",
                "        - {cert: " + c.cert("b") + ", key: " + c.key("b") + "}",
                "routes: [{entrypoint: websecure, service: s}]",
                "services: [{name: s, endpoints: ['127.0.0.1:9']}]", ""));
        toClose.add(p);
        return p;
    }

    private static String status(ProxyFixture p, String name) {
        return Tools.sClient(p.port("websecure"), "-servername", name, "-status").output();
    }

    /** The responder's Next Update line as s_client prints it. */
    private static String nextUpdate(String output) {
        return output.lines().filter(l -> l.trim().startsWith("Next Update:")).findFirst().orElse("none").trim();
    }

    @Test
    void clientsThatAskGetTheStapledResponseAndARenewedFileReplacesIt() throws Exception {
        TestCertificates c = certificates();
        Path ocsp = dir.resolve("a.ocsp");
        Files.copy(response(c, "a", "V", 1, "one-day.der"), ocsp);
        ProxyFixture p = proxy(c, ocsp);

        String stapled = status(p, "a.test");
        assertThat(stapled).contains("OCSP Response Status: successful").contains("Cert Status: good")
                .containsPattern("subject=.*CN = a.test");
        String before = nextUpdate(stapled);
        // The other certificate has no response file: nothing is stapled to it.
        assertThat(status(p, "b.test")).contains("OCSP response: no response sent");

        // The updater renews the file (a longer validity): new handshakes staple the new response.
        Path renewed = response(c, "a", "V", 3, "three-days.der");
        Files.copy(renewed, dir.resolve("a.ocsp.tmp"));
        Files.move(dir.resolve("a.ocsp.tmp"), ocsp, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            String now = nextUpdate(status(p, "a.test"));
            return !now.equals(before) && !now.equals("none");
        });

        assertThat(p.metrics().scrape()).containsPattern("ingress_tls_certificate_reloads_total\\{result=\"success\"} [1-9]");

        // A response saying revoked is not stapled: once the watcher has refused it, the previous one is still stapled.
        String current = nextUpdate(status(p, "a.test"));
        Files.copy(response(c, "a", "R", 5, "revoked.der"), ocsp, StandardCopyOption.REPLACE_EXISTING);
        await().atMost(Duration.ofSeconds(15)).until(() -> p.metrics().scrape()
                .matches("(?s).*ingress_tls_certificate_reloads_total\\{result=\"failure\"} [1-9].*"));
        String after = status(p, "a.test");
        assertThat(after).contains("Cert Status: good").doesNotContain("revoked");
        assertThat(nextUpdate(after)).isEqualTo(current);
    }

    @Test
    void aResponseAboutAnotherCertificateOrARevokedOneIsAConfigError() throws Exception {
        TestCertificates c = certificates();
        Path other = response(c, "b", "V", 1, "b.der");
        assertThatThrownBy(() -> proxy(c, other)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("entrypoints[0].tls.certificates[0].ocsp_response: " + other + " is about another certificate");
        Path revoked = response(c, "a", "R", 1, "a-revoked.der");
        assertThatThrownBy(() -> proxy(c, revoked)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ocsp_response: " + revoked + " says the certificate in question is not good");
        Path garbage = dir.resolve("garbage.der");
        Files.writeString(garbage, "not DER");
        assertThatThrownBy(() -> proxy(c, garbage)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ocsp_response: " + garbage + " is not a DER OCSP response");
    }
}
