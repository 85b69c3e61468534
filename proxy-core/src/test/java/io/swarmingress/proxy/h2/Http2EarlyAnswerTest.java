package io.swarmingress.proxy.h2;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.swarmingress.proxy.testing.ProxyFixture;
import io.swarmingress.proxy.testing.RawH2Client;

/**
 * An upstream that answers before the request's body has all arrived (a 413 to an upload, say):
 * the client gets the whole answer, and only then the RST_STREAM(NO_ERROR) that stops its upload
 * (RFC 9113 section 8.1). The reset used to overtake the answer's DATA, which Netty then dropped
 * with the stream: the client saw a 413 with an empty body.
 */
@Timeout(30)
class Http2EarlyAnswerTest {
    private static final String ANSWER = "upload is too large\n";

    @Test
    void anAnswerBeforeTheUploadEndsArrivesWholeBeforeTheResetThatStopsTheUpload() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> answered = CompletableFuture.runAsync(() -> answerOnHead(upstream));
            try (ProxyFixture proxy = ProxyFixture.start("""
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
                        endpoints: [127.0.0.1:%d]
                    """.formatted(upstream.getLocalPort()));
                 RawH2Client c = new RawH2Client(proxy.port("web"))) {
                Http2Headers post = RawH2Client.request("POST", "/upload", "app.test");
                post.setInt("content-length", 100_000);
                c.headers(1, post, false);
                c.data(1, new byte[1000], false);

                RawH2Client.Response r = c.response(1, 10_000);

                assertThat(r.status()).isEqualTo("413");
                assertThat(r.reset()).as("ended by END_STREAM, not by a reset").isEqualTo(-1);
                assertThat(r.body()).isEqualTo(ANSWER);
                RawH2Client.Frame reset = c.await(f -> f.streamId() == 1 && f.type().equals("RST_STREAM"), 10_000);
                assertThat(reset).isNotNull();
                assertThat(reset.errorCode()).isEqualTo(Http2Error.NO_ERROR.code());
                assertThat(answered).as("the upstream's thread").isNotCompletedExceptionally();
            }
        }
    }

    /** Reads the request's head and answers at once, without waiting for its body. */
    private static void answerOnHead(ServerSocket upstream) {
        try (Socket s = upstream.accept()) {
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new AssertionError("the request's head did not arrive: " + head);
                }
                head.append((char) b);
            }
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 413 Payload Too Large\r\nContent-Length: " + ANSWER.length() + "\r\n\r\n" + ANSWER)
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // Read to the end: closing with unread bytes would reset the connection under the answer.
            byte[] sink = new byte[65536];
            while (in.read(sink) >= 0) {
                // the upload's first bytes, dropped
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
