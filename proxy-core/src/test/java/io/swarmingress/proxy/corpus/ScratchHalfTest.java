package io.swarmingress.proxy.corpus;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.swarmingress.proxy.testing.Closer;
import io.swarmingress.proxy.testing.ProxyFixture;

class ScratchHalfTest {
    @Test
    void explore() throws Exception {
        try (Closer closer = new Closer(); ServerSocket slow = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        Socket s = slow.accept();
                        new Thread(() -> {
                            try (s) {
                                InputStream in = s.getInputStream();
                                StringBuilder sb = new StringBuilder();
                                while (!sb.toString().contains("\r\n\r\n")) { int c = in.read(); if (c < 0) return; sb.append((char) c); }
                                Thread.sleep(1500);
                                OutputStream out = s.getOutputStream();
                                if (sb.toString().contains("Expect")) {
                                    out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                                    out.flush();
                                    for (int i = 0; i < 5; i++) in.read();
                                }
                                out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
                                out.flush();
                                Thread.sleep(500);
                            } catch (Exception e) { }
                        }).start();
                    }
                } catch (Exception e) { }
            });
            t.setDaemon(true);
            t.start();
            ProxyFixture proxy = closer.add(ProxyFixture.start("""
                io_threads: 1
                entrypoints: [{name: web, address: '127.0.0.1:0', request_body_timeout: 1s}]
                routes:
                  - {entrypoint: web, path_prefix: /, service: slow}
                services:
                  - {name: slow, retries: 0, endpoints: ['127.0.0.1:%d']}
                """.formatted(slow.getLocalPort())));
            int port = proxy.port("web");
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(5000);
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                s.shutdownOutput();
                System.out.println("half-close: [" + new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1).replace("\r\n", "\\r\\n") + "]");
            } catch (Exception e) { System.out.println("half-close EXC " + e); }
            try (RawClient c = new RawClient(port, Duration.ofSeconds(5))) {
                c.send("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
                // wait for the 100 (the client obeys Expect)
                StringBuilder got = new StringBuilder();
                try {
                    RawClient.Response r = c.readResponse(false);
                    got.append(r.statusLine());
                } catch (Exception e) { got.append("EXC ").append(e); }
                System.out.println("expect: interim/final read: " + got + " all=" + c.receivedText().replace("\r\n", "\\r\\n"));
            }
        }
    }
}
