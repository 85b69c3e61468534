package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.swarmingress.proxy.testing.Closer;
import io.swarmingress.proxy.testing.ProxyFixture;

/**
 * The retry budget against a killed task: every request an endpoint held resets at once. The chaos
 * test on the lab saw 8 GETs reset together by a {@code docker kill}; the budget (at least 3
 * retries in flight) let 3 go to another endpoint and answered 502 to the other 5. Retries away from
 * an endpoint passive health has ejected are the ejection's business, not a sign that the service
 * fails: they do not draw on the budget (which ejection itself bounds: at most
 * {@code max_ejection_percent} of a service is ejected).
 */
class RetryBudgetTest {
    private static final int REQUESTS = 10;
    private final Closer closer = new Closer();

    @AfterEach
    void close() throws Exception {
        closer.close();
    }

    @Test
    void everyGetAKilledEndpointHeldIsRetriedElsewhereWhateverTheBudget() throws Exception {
        HeldBackend killed = closer.add(new HeldBackend());
        HeldBackend live = closer.add(new HeldBackend());
        ProxyFixture p = closer.add(ProxyFixture.start("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, retries: 3, endpoints: ['" + killed.hostPort() + "', '" + live.hostPort() + "']}]\n"));
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            responses.add(p.client().sendAsync(HttpRequest.newBuilder(p.uri("web", "/x")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> killed.held() + live.held() == REQUESTS);
        int onKilled = killed.held();
        assertThat(onKilled).as("requests the killed endpoint holds (round robin)").isGreaterThan(3);

        killed.resetAll();
        // Each reset request is now either on its way to the live endpoint or answered already (a 502).
        await().atMost(Duration.ofSeconds(20)).until(() -> live.held() + done(responses) == REQUESTS);
        live.answerAll();

        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> r : responses) {
            statuses.add(r.get().statusCode());
        }
        assertThat(statuses).as("%d requests reset at once by the killed endpoint", onKilled).containsOnly(200);
    }

    private static long done(List<CompletableFuture<HttpResponse<String>>> responses) {
        return responses.stream().filter(CompletableFuture::isDone).count();
    }

    /** Reads one request head per connection and holds it, until told to answer all or reset all. */
    private static final class HeldBackend implements AutoCloseable {
        private final ServerSocket server = new ServerSocket();
        private final List<Socket> held = new CopyOnWriteArrayList<>();

        HeldBackend() throws IOException {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread t = new Thread(this::accept, "held-backend");
            t.setDaemon(true);
            t.start();
        }

        String hostPort() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        int held() {
            return held.size();
        }

        private void accept() {
            try {
                while (true) {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> hold(s), "held-backend-conn");
                    t.setDaemon(true);
                    t.start();
                }
            } catch (IOException e) {
                // closed
            }
        }

        private void hold(Socket s) {
            try {
                InputStream in = s.getInputStream();
                int matched = 0;
                int c;
                while (matched < 4 && (c = in.read()) >= 0) {
                    matched = c == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : c == '\r' ? 1 : 0;
                }
                if (matched == 4) {
                    held.add(s);
                }
            } catch (IOException e) {
                // the proxy went away
            }
        }

        /** What a killed task does to the connections it had: RST (SO_LINGER 0). */
        void resetAll() throws IOException {
            for (Socket s : held) {
                s.setSoLinger(true, 0);
                s.close();
            }
        }

        void answerAll() throws IOException {
            for (Socket s : held) {
                OutputStream out = s.getOutputStream();
                out.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                s.close();
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
