package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.swarmingress.config.SwarmProviderConfig;

/**
 * Whether the event stream is open, as the dashboard shows it: the manager it follows while the
 * stream is open, nothing while it reconnects. The manager here is a unix socket that answers
 * {@code GET /events} with an open chunked stream and then drops it, which a real manager does
 * only when it dies (SwarmProxyIT kills a real one).
 */
class EventStreamStateTest {
    @TempDir
    Path dir;

    @Test
    void followingWhileOpenAndNothingAfterTheStreamDrops() throws Exception {
        Path socket = dir.resolve("manager.sock");
        LinkedBlockingQueue<SocketChannel> accepted = new LinkedBlockingQueue<>();
        try (ServerSocketChannel manager = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            manager.bind(UnixDomainSocketAddress.of(socket));
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        SocketChannel c = manager.accept();
                        c.read(ByteBuffer.allocate(4096)); // the request head
                        c.write(ByteBuffer.wrap(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
                        accepted.add(c);
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "events-manager");
            acceptor.setDaemon(true);
            acceptor.start();

            String endpoint = "unix://" + socket;
            ManualLoop loop = new ManualLoop();
            SwarmProviderConfig provider = SwarmProviderConfig.of(List.of(endpoint))
                    .withTimings(Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofSeconds(7));
            try (DockerApi api = new DockerApi(provider, loop, (from, to) -> { });
                 EventStream events = new EventStream(api, loop, new EventStream.Handler() {
                     @Override
                     public void onConnected(String e) {
                     }

                     @Override
                     public void onEvent(JsonNode event) {
                     }
                 })) {
                assertThat(events.following()).as("before start").isNull();
                events.start();
                SocketChannel first = accepted.poll(10, TimeUnit.SECONDS);
                assertThat(first).as("the stream was opened").isNotNull();
                Awaitility.await("following").atMost(Duration.ofSeconds(10)).until(() -> endpoint.equals(events.following()));

                first.close(); // the manager drops the stream
                Awaitility.await("reconnecting").atMost(Duration.ofSeconds(10)).until(() -> events.following() == null);
                // The pause before the next attempt is the one task left on the loop (the open deadline was cancelled).
                Awaitility.await("the backoff").atMost(Duration.ofSeconds(10))
                        .until(() -> loop.pending() == 1 && loop.delays().contains(Duration.ofMillis(200)));
                assertThat(events.following()).as("still reconnecting during the backoff").isNull();
                loop.advance(Duration.ofMillis(200));
                SocketChannel second = accepted.poll(10, TimeUnit.SECONDS);
                assertThat(second).as("reopened after the backoff").isNotNull();
                Awaitility.await("following again").atMost(Duration.ofSeconds(10)).until(() -> endpoint.equals(events.following()));
                second.close();
            }
        }
    }
}
