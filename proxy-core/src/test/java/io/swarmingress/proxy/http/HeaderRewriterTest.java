package io.swarmingress.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;

class HeaderRewriterTest {

    @Test
    void removesHopByHopHeadersAndThoseNamedInConnection() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Connection", "keep-alive, X-Secret")
                .add("Connection", "x-other")
                .add("Keep-Alive", "timeout=5")
                .add("Proxy-Connection", "keep-alive")
                .add("Proxy-Authorization", "Basic abc")
                .add("TE", "trailers")
                .add("Trailer", "x-sum")
                .add("Upgrade", "websocket")
                .add("X-Secret", "1")
                .add("X-Other", "2")
                .add("Transfer-Encoding", "chunked")
                .add("Host", "example.com")
                .add("Accept", "*/*");
        HeaderRewriter.removeHopByHop(h);
        assertThat(h.names()).containsExactlyInAnyOrder("Transfer-Encoding", "Host", "Accept");
    }

    @Test
    void connectionCannotRemoveFramingOrHost() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Connection", "content-length, transfer-encoding, host")
                .add("Content-Length", "5")
                .add("Host", "a");
        HeaderRewriter.removeHopByHop(h);
        assertThat(h.get("content-length")).isEqualTo("5");
        assertThat(h.get("host")).isEqualTo("a");
    }

    @Test
    void appendsForwardedForAndSetsProtoHostPort() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("X-Forwarded-For", "203.0.113.7")
                .add("X-Forwarded-Proto", "https")
                .add("X-Forwarded-Host", "spoofed.example");
        HeaderRewriter.addForwarded(h, "10.0.0.2", "shop.example.com:8080", "8080", true);
        assertThat(h.get("x-forwarded-for")).isEqualTo("203.0.113.7, 10.0.0.2");
        assertThat(h.get("x-forwarded-proto")).isEqualTo("http");
        assertThat(h.get("x-forwarded-host")).isEqualTo("shop.example.com:8080");
        assertThat(h.get("x-forwarded-port")).isEqualTo("8080");
        assertThat(h.get("via")).isEqualTo("1.1 swarm-ingress");

        HttpHeaders fresh = new DefaultHttpHeaders();
        HeaderRewriter.addForwarded(fresh, "::1", null, "80", false);
        assertThat(fresh.get("x-forwarded-for")).isEqualTo("::1");
        assertThat(fresh.contains("x-forwarded-host")).isFalse();
        assertThat(fresh.contains("via")).isFalse();
    }
}
