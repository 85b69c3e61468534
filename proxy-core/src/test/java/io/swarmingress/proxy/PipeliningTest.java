package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.Closer;
import io.swarmingress.proxy.testing.ProxyFixture;

/**
 * Requests a client sends one after the other without waiting (pipelining), on a real socket to a
 * real backend: each is answered in order, whether forwarded (bodies included) or answered by the
 * proxy itself. (That a client which never reads its answers cannot make the proxy buffer them is
 * {@code http1.FlowControlTest}'s.)
 */
class PipeliningTest {
    private final Closer closer = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
    }

    private Backend backend(String name) {
        return closer.add(Backend.start(name));
    }

    private ProxyFixture proxy(Backend backend) {
        return closer.add(ProxyFixture.start("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, host: app.test, service: app}]\n"
                + "services: [{name: app, endpoints: ['" + backend.hostPort() + "']}]\n"));
    }

    /** One HTTP/1.1 response with a Content-Length body, read off a raw stream. */
    private record Response(String statusLine, String body) {
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c == -1 && b.size() == 0) {
            return null;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static Response read(InputStream in) throws IOException {
        String status = line(in);
        int length = 0;
        String l;
        while ((l = line(in)) != null && !l.isEmpty()) {
            if (l.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(l.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return new Response(status, new String(body, StandardCharsets.ISO_8859_1));
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Test
    void pipelinedRequestsWithBodiesAllReachTheBackend() throws Exception {
        Backend a = backend("a");
        ProxyFixture p = proxy(a);
        try (Socket s = new Socket("127.0.0.1", p.port("web"))) {
            s.setSoTimeout(5000);
            send(s, "POST /upload HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\n\r\nhello"
                    + "POST /upload HTTP/1.1\r\nHost: app.test\r\nContent-Length: 7\r\n\r\nworld!!");
            InputStream in = new BufferedInputStream(s.getInputStream());
            Response first = read(in);
            Response second = read(in);
            assertThat(first.statusLine()).isEqualTo("HTTP/1.1 200 OK");
            assertThat(first.body()).isEqualTo("5");
            assertThat(second.statusLine()).isEqualTo("HTTP/1.1 200 OK");
            assertThat(second.body()).isEqualTo("7");
        }
    }

    @Test
    void aLocalAnswerQueuedBehindAProxiedOneIsSent() throws Exception {
        Backend a = backend("a");
        ProxyFixture p = proxy(a);
        try (Socket s = new Socket("127.0.0.1", p.port("web"))) {
            s.setSoTimeout(5000);
            send(s, "GET / HTTP/1.1\r\nHost: app.test\r\n\r\nGET / HTTP/1.1\r\nHost: nowhere.test\r\n\r\n");
            InputStream in = new BufferedInputStream(s.getInputStream());
            assertThat(read(in).statusLine()).isEqualTo("HTTP/1.1 200 OK");
            assertThat(read(in).statusLine()).isEqualTo("HTTP/1.1 404 Not Found");
        }
    }
}
