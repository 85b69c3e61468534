package io.swarmingress.proxy.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.micrometer.core.instrument.Counter;
import io.netty.handler.codec.http2.Http2Error;
import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.ProxyFixture;
import io.swarmingress.proxy.testing.RawH2Client;

/**
 * How HTTP/2 connections and streams end: idle connections after the entrypoint's idle timeout,
 * every connection with a GOAWAY on shutdown (streams in progress finish), a stream whose
 * upstream does not answer in time with a 504 of its own while its neighbours go on, and a
 * stream the client resets with its upstream request cancelled.
 */
@Timeout(60)
class Http2LifecycleTest {
    private Backend backend;
    private ProxyFixture proxy;

    @BeforeEach
    void start() {
        backend = Backend.start("b1");
        proxy = ProxyFixture.start("""
                shutdown_grace: 10s
                entrypoints:
                  - name: web
                    address: 127.0.0.1:0
                    protocol: http
                    client_idle_timeout: 1s
                routes:
                  - entrypoint: web
                    path_prefix: /
                    service: app
                services:
                  - name: app
                    response_timeout: 1s
                    endpoints: [%s]
                """.formatted(backend.hostPort()));
    }

    @AfterEach
    void stop() {
        proxy.close();
        backend.close();
    }

    @Test
    void anIdleConnectionGetsAGoAwayAndIsClosed() throws Exception {
        Counter idle = proxy.metrics().registry().get("ingress.client.timeouts").tag("entrypoint", "web").tag("phase", "idle").counter();
        try (RawH2Client c = new RawH2Client(proxy.port("web"))) {
            c.headers(1, RawH2Client.request("GET", "/", "app.test"), true);
            assertThat(c.response(1, 10_000).status()).isEqualTo("200");

            RawH2Client.Frame goAway = c.await(f -> f.type().equals("GOAWAY"), 10_000);

            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(Http2Error.NO_ERROR.code());
            assertThat(goAway.streamId()).as("last stream id").isEqualTo(1);
            c.awaitClosed(10_000);
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(idle.count()).isEqualTo(1);
    }

    @Test
    void shutdownSendsGoAwayAndLetsTheStreamInProgressFinish() throws Exception {
        try (RawH2Client c = new RawH2Client(proxy.port("web"))) {
            c.autoWindowUpdate = true;
            c.headers(1, RawH2Client.request("GET", "/slow?ms=800", "app.test"), true);
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.seenUris().contains("/slow?ms=800"));

            CompletableFuture<Void> shutdown = CompletableFuture.runAsync(() -> proxy.server().shutdown(Duration.ofSeconds(10)));

            RawH2Client.Frame goAway = c.await(f -> f.type().equals("GOAWAY"), 5_000);
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(Http2Error.NO_ERROR.code());
            assertThat(goAway.streamId()).isEqualTo(1);
            RawH2Client.Response r = c.response(1, 10_000);
            assertThat(r.status()).isEqualTo("200");
            assertThat(r.body()).isEqualTo("b1");
            c.awaitClosed(10_000);
            assertThat(c.closedByServer()).isTrue();
            shutdown.get();
        }
    }

    @Test
    void aStreamWhoseUpstreamDoesNotAnswerGetsA504WhileTheOthersGoOn() throws Exception {
        try (RawH2Client c = new RawH2Client(proxy.port("web"))) {
            c.headers(1, RawH2Client.request("GET", "/hang", "app.test"), true);
            c.headers(3, RawH2Client.request("GET", "/", "app.test"), true);

            assertThat(c.response(3, 10_000).status()).isEqualTo("200");
            RawH2Client.Response hung = c.response(1, 10_000);
            assertThat(hung.status()).isEqualTo("504");

            c.headers(5, RawH2Client.request("GET", "/", "app.test"), true);
            assertThat(c.response(5, 10_000).status()).isEqualTo("200");
        }
    }

    @Test
    void aStreamResetByTheClientCancelsItsUpstreamRequest() throws Exception {
        try (RawH2Client c = new RawH2Client(proxy.port("web"))) {
            c.headers(1, RawH2Client.request("GET", "/hang", "app.test"), true);
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.seenUris().contains("/hang"));
            int open = backend.openConnections();

            c.rst(1, Http2Error.CANCEL.code());

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Counter cancelled = proxy.metrics().registry().find("ingress.requests").tag("entrypoint", "web").tag("service", "app")
                        .tag("code", "499").tag("protocol", "h2").counter();
                assertThat(cancelled).as("requests counted as 499, over h2").isNotNull();
                assertThat(cancelled.count()).isEqualTo(1);
                assertThat(backend.openConnections()).as("the upstream connection of the cancelled request").isEqualTo(open - 1);
            });
            c.headers(3, RawH2Client.request("GET", "/", "app.test"), true);
            assertThat(c.response(3, 10_000).status()).isEqualTo("200");
        }
    }
}
