package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.swarmingress.proxy.testing.ProxyFixture;

/**
 * Request smuggling end to end: chunked bodies go upstream as the client sent them, so framing the
 * proxy reads one way and a strict backend another would hide a second request inside a body.
 * The backend here is a plain socket server that ends lines only at CRLF, as strict servers do,
 * and records every request line it sees: a lone LF after a chunk extension, passed on, would
 * smuggle "GET /admin" past a route limited to /public.
 */
class SmugglingTest {
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private ServerSocket backend;
    private ProxyFixture proxy;

    @BeforeEach
    void start() throws IOException {
        backend = new ServerSocket(0);
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    Socket c = backend.accept();
                    Thread t = new Thread(() -> serve(c));
                    t.setDaemon(true);
                    t.start();
                }
            } catch (IOException e) {
                // closed by the test
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        proxy = ProxyFixture.start("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, host: app.test, path_prefix: /public, service: app}]\n"
                + "services: [{name: app, endpoints: ['127.0.0.1:" + backend.getLocalPort() + "']}]\n");
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        backend.close();
    }

    @Test
    void aLoneLfInChunkFramingIsRefusedAndNothingHiddenReachesTheBackend() throws Exception {
        String hidden = "0\r\n\r\nGET /admin HTTP/1.1\r\nHost: app.test\r\nContent-Length: 7\r\n\r\n";
        String size = Integer.toHexString(hidden.length());
        String[] bodies = {
            "2;\nxx\r\n" + size + "\r\n" + hidden + "\r\n0\r\n\r\n",   // LF ends the extension for the proxy only
            "2\nxx\r\n" + size + "\r\n" + hidden + "\r\n0\r\n\r\n",    // LF ends the size line for the proxy only
        };
        for (String body : bodies) {
            String answer = send("POST /public HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
            assertThat(answer).as(body).startsWith("HTTP/1.1 400 ");
        }
        assertThat(seen).as("request lines the backend read").noneMatch(line -> line.contains("/admin"));
    }

    @Test
    void aWellFramedChunkedRequestStillGoesThrough() throws Exception {
        String answer = send("POST /public/x HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;ext=1\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 200 ").endsWith("POST /public/x HTTP/1.1");
        assertThat(seen).containsExactly("POST /public/x HTTP/1.1");
    }

    private String send(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", proxy.port("web"))) {
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder got = new StringBuilder();
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    got.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
            } catch (SocketTimeoutException e) {
                // a kept-alive connection: what came within the timeout is the answer
            }
            return got.toString();
        }
    }

    /** Answers each request with its request line as the body; reads chunked bodies by CRLF lines only. */
    private void serve(Socket c) {
        try (c) {
            InputStream in = new BufferedInputStream(c.getInputStream());
            OutputStream out = c.getOutputStream();
            String requestLine;
            while ((requestLine = crlfLine(in)) != null) {
                if (requestLine.isEmpty()) {
                    continue;
                }
                seen.add(requestLine);
                boolean chunked = false;
                int length = 0;
                String line;
                while ((line = crlfLine(in)) != null && !line.isEmpty()) {
                    String lower = line.toLowerCase(Locale.ROOT);
                    chunked |= lower.startsWith("transfer-encoding:") && lower.contains("chunked");
                    if (lower.startsWith("content-length:")) {
                        length = Integer.parseInt(lower.substring(15).trim());
                    }
                }
                if (chunked) {
                    while (true) {
                        String sizeLine = crlfLine(in);
                        int semi = sizeLine.indexOf(';');
                        int n = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
                        if (n == 0) {
                            while ((line = crlfLine(in)) != null && !line.isEmpty()) {
                                // trailers
                            }
                            break;
                        }
                        in.readNBytes(n + 2);
                    }
                } else {
                    in.readNBytes(length);
                }
                byte[] body = requestLine.getBytes(StandardCharsets.ISO_8859_1);
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            // the proxy closed the connection, or sent what this strict server cannot parse
        }
    }

    private static String crlfLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int previous = -1;
        int c;
        while ((c = in.read()) != -1) {
            if (previous == '\r' && c == '\n') {
                byte[] a = b.toByteArray();
                return new String(a, 0, a.length - 1, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
            previous = c;
        }
        return null;
    }
}
