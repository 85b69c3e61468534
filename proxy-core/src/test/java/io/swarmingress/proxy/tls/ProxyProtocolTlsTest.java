package io.swarmingress.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;

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
import io.swarmingress.proxy.testing.Closer;
import io.swarmingress.proxy.testing.ProxyFixture;
import io.swarmingress.proxy.testing.TestCertificates;

/**
 * A TLS entrypoint behind a load balancer that sends a PROXY header: the header comes first on
 * the wire, the TLS handshake after it, and the request goes upstream with the header's client
 * and port and {@code X-Forwarded-Proto: https}. The client is the JDK's TLS implementation,
 * started on a socket that has already sent the header.
 */
@Timeout(60)
class ProxyProtocolTlsTest {
    @TempDir
    Path dir;
    private final Closer closer = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
    }

    @Test
    void theTlsHandshakeFollowsThePROXYHeaderAndTheHeaderNamesTheClient() throws Exception {
        TestCertificates c = new TestCertificates(dir);
        c.write("a", SelfSigned.KeyType.EC, "a.test");
        Backend b = closer.add(Backend.start("b1"));
        ProxyFixture p = closer.add(ProxyFixture.start(String.join("\n",
                "io_threads: 1",
                "entrypoints:",
                "  - name: websecure",
                "    address: 127.0.0.1:0",
                "    proxy_protocol: true",
                "    tls:",
                "      certificates: [{cert: " + c.cert("a") + ", key: " + c.key("a") + "}]",
                "routes: [{entrypoint: websecure, service: s}]",
                "services: [{name: s, endpoints: ['" + b.hostPort() + "']}]", "")));
        int port = p.port("websecure");

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", c.ca().certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);

        try (Socket plain = new Socket("127.0.0.1", port)) {
            plain.setSoTimeout(10_000);
            plain.getOutputStream().write("PROXY TCP4 203.0.113.7 127.0.0.1 40000 443\r\n".getBytes(StandardCharsets.US_ASCII));
            plain.getOutputStream().flush();
            try (SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket(plain, "a.test", port, true)) {
                SSLParameters params = s.getSSLParameters();
                params.setServerNames(List.of(new SNIHostName("a.test")));
                params.setEndpointIdentificationAlgorithm("HTTPS");
                s.setSSLParameters(params);
                s.startHandshake();
                OutputStream out = s.getOutputStream();
                out.write("GET /headers HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertThat(response).startsWith("HTTP/1.1 200").containsIgnoringCase("x-forwarded-for: 203.0.113.7")
                        .containsIgnoringCase("x-forwarded-proto: https").containsIgnoringCase("x-forwarded-port: 443");
            }
        }
    }
}
