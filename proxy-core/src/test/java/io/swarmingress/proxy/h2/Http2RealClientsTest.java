package io.swarmingress.proxy.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.core.instrument.DistributionSummary;
import io.swarmingress.proxy.metrics.MeterReadings;
import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.Command;
import io.swarmingress.proxy.testing.ProxyFixture;

/**
 * The HTTP/2 front with clients nobody here wrote (Debian's nghttp2-client and curl): h2load
 * multiplexing 100 streams per connection, nghttp showing the frames (the proxy's SETTINGS, END_STREAM
 * on the last DATA frame), an upload, and curl's {@code --http2} on cleartext, whose
 * {@code Upgrade: h2c} the proxy declines by answering in HTTP/1.1.
 */
@Timeout(120)
class Http2RealClientsTest {
    private static Backend backend;
    private static ProxyFixture proxy;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        backend = Backend.start("b1");
        proxy = ProxyFixture.start("""
                entrypoints:
                  - name: web
                    address: 127.0.0.1:0
                    protocol: http
                routes:
                  - entrypoint: web
                    path_prefix: /
                    service: app
                services:
                  - name: app
                    endpoints: [%s]
                """.formatted(backend.hostPort()));
    }

    @AfterAll
    static void stop() {
        proxy.close();
        backend.close();
    }

    private static String url(String path) {
        return "http://127.0.0.1:" + proxy.port("web") + path;
    }

    @Test
    void h2loadWithAHundredStreamsPerConnectionGetsEveryAnswer() {
        DistributionSummary streams = proxy.metrics().registry().get("ingress.http2.streams.per.connection")
                .tag("entrypoint", "web").summary();
        // The other tests' clients may still be closing: a connection of theirs counted after the baseline made 5 of 4.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> MeterReadings.openConnections(proxy.metrics().registry()).getOrDefault("web", 0) == 0);
        long connectionsBefore = streams.count();
        double streamsBefore = streams.totalAmount();

        String out = Command.of("h2load", "-n", "4000", "-c", "4", "-m", "100", url("/")).timeout(Duration.ofSeconds(90)).check();

        assertThat(out).contains("requests: 4000 total, 4000 started, 4000 done, 4000 succeeded, 0 failed, 0 errored, 0 timeout",
                "status codes: 4000 2xx, 0 3xx, 0 4xx, 0 5xx");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(streams.count() - connectionsBefore).as("HTTP/2 connections closed").isEqualTo(4);
            assertThat(streams.totalAmount() - streamsBefore).as("streams they carried").isEqualTo(4000);
        });
    }

    @Test
    void nghttpSeesTheProxysSettingsAndAResponseEndingWithItsLastDataFrame() {
        String out = Command.of("nghttp", "-nv", url("/download?bytes=100000")).check();

        assertThat(out).contains("recv SETTINGS frame", "[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):" + H2Settings.MAX_CONCURRENT_STREAMS + "]",
                "[SETTINGS_MAX_HEADER_LIST_SIZE(0x06):" + H2Settings.MAX_HEADER_LIST_SIZE + "]", "recv (stream_id=13) :status: 200");
        // The upstream's chunked body arrives as DATA frames without chunk framing; the last one ends the stream.
        assertThat(out).doesNotContain("transfer-encoding", "RST_STREAM", "GOAWAY frame <length=8, flags=0x00, stream_id=0>\n          "
                + "(last_stream_id=0, error_code=PROTOCOL_ERROR");
        assertThat(out).containsPattern("recv DATA frame <length=\\d+, flags=0x01, stream_id=13>\\s+; END_STREAM");
    }

    @Test
    void nghttpUploadsABody() throws Exception {
        Path body = dir.resolve("body.bin");
        Files.write(body, new byte[300_000]);

        String out = Command.of("nghttp", "-d", body.toString(), url("/upload")).check();

        assertThat(out).isEqualTo("300000");
    }

    @Test
    void curlHttp2OnCleartextIsAnsweredInHttp11() {
        String out = Command.of("curl", "-sS", "--http2", "-w", "\n%{http_version} %{http_code}", url("/")).check();

        assertThat(out).isEqualTo("b1\n1.1 200");
    }
}
