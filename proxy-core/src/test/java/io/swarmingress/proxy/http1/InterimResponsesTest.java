package io.swarmingress.proxy.http1;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.swarmingress.proxy.testing.EmbeddedUpstream;
import io.swarmingress.proxy.testing.InMemoryProxy;

/**
 * Interim (1xx) responses from an endpoint: passed on to HTTP/1.1 clients before the final
 * response, withheld from HTTP/1.0 clients, which would take one for the final response
 * (RFC 9110 section 15.2). A 101 to a request that did not ask for WebSocket (no other Upgrade
 * is forwarded) ends the exchange as an invalid response; the WebSocket switch is in
 * {@link WebSocketUpgradeTest}.
 */
class InterimResponsesTest {
    private static final String EARLY_HINTS_THEN_OK = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    private InMemoryProxy proxy;

    @BeforeEach
    void start() {
        proxy = InMemoryProxy.start(String.join("\n",
                "entrypoints: [{name: web, address: '127.0.0.1:0'}]",
                "routes: [{entrypoint: web, service: app}]",
                "services: [{name: app, endpoints: ['10.0.0.1:80']}]", ""));
    }

    @AfterEach
    void close() {
        proxy.close();
    }

    @Test
    void anHttp11ClientGetsTheInterimResponseBeforeTheFinalOne() {
        proxy.send("GET / HTTP/1.1\r\nHost: app.test\r\n\r\n");
        proxy.upstream(0).send(EARLY_HINTS_THEN_OK);
        String received = proxy.received();
        assertThat(received).startsWith("HTTP/1.1 103 Early Hints\r\n").containsIgnoringCase("link: </style.css>; rel=preload\r\n");
        assertThat(received.substring(received.indexOf("\r\n\r\n") + 4)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nok");
        assertThat(proxy.client().isActive()).isTrue();
    }

    @Test
    void anHttp10ClientGetsOnlyTheFinalResponse() {
        proxy.send("GET / HTTP/1.0\r\nHost: app.test\r\n\r\n");
        proxy.upstream(0).send(EARLY_HINTS_THEN_OK);
        String received = proxy.received();
        assertThat(received).startsWith("HTTP/1.1 200 OK\r\n").doesNotContain("103").endsWith("\r\n\r\nok");
    }

    @Test
    void aSwitchingProtocolsNobodyAskedForIs502() {
        proxy.send("GET / HTTP/1.1\r\nHost: app.test\r\n\r\n");
        EmbeddedUpstream upstream = proxy.upstream(0);
        upstream.send("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: upgrade\r\n\r\n");
        assertThat(proxy.received()).startsWith("HTTP/1.1 502 Bad Gateway\r\n").contains("unexpected 101");
        assertThat(upstream.isActive()).isFalse();
    }
}
