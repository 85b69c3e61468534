package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.swarmingress.proxy.testing.Closer;
import io.swarmingress.proxy.testing.ProxyFixture;

/** A tcp entrypoint whose first endpoint refuses: the connection goes to the next one, nothing lost. */
class TcpRetryTest {
    private final Closer closer = new Closer();

    @AfterEach
    void close() throws Exception {
        closer.close();
    }

    @Test
    void aRefusedConnectGoesToAnotherEndpointWithTheBytesAlreadySent() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        try (ServerSocket live = new ServerSocket(0)) {
            Thread echo = new Thread(() -> {
                try {
                    while (true) {
                        try (Socket c = live.accept()) {
                            c.getOutputStream().write(c.getInputStream().readNBytes(5));
                        }
                    }
                } catch (IOException e) {
                    // closed by the test
                }
            });
            echo.setDaemon(true);
            echo.start();
            ProxyFixture p = closer.add(ProxyFixture.start("entrypoints: [{name: db, address: '127.0.0.1:0', protocol: tcp, service: db}]\n"
                    + "services: [{name: db, endpoints: ['127.0.0.1:" + dead + "', '127.0.0.1:" + live.getLocalPort() + "']}]\n"));
            for (int i = 0; i < 6; i++) {
                try (Socket client = new Socket("127.0.0.1", p.port("db"))) {
                    client.setSoTimeout(5000);
                    OutputStream out = client.getOutputStream();
                    out.write(("ping" + i).getBytes(StandardCharsets.US_ASCII));
                    InputStream in = client.getInputStream();
                    assertThat(new String(in.readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("ping" + i);
                }
            }
            assertThat(p.metrics().scrape())
                    .contains("ingress_upstream_connect_errors_total{service=\"db\"} 1.0")
                    .contains("ingress_retries_total{reason=\"connect_failure\",service=\"db\"} 1.0");
        }
    }
}
