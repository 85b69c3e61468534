package io.swarmingress.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.netty.util.concurrent.Ticker;
import io.swarmingress.config.ConfigParser;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.proxy.demo.SelfSigned;
import io.swarmingress.proxy.metrics.IngressMetrics;
import io.swarmingress.proxy.testing.TestCertificates;

/**
 * The TLS provider is chosen when the first entrypoint that terminates TLS is prepared, never at
 * start-up of a proxy without one: probing for BoringSSL loads a native library and the JDK's TLS
 * stack, a cost in start time and memory that a plain HTTP proxy does not need.
 */
class TlsProviderChoiceTest {
    @TempDir
    Path dir;
    private final IngressMetrics metrics = new IngressMetrics();
    private final AtomicInteger asked = new AtomicInteger();
    private final Supplier<TlsProvider> counting = () -> {
        asked.incrementAndGet();
        return TlsProvider.jdk("chosen by the test");
    };
    private final TlsLayer layer = new TlsLayer(metrics, counting, Clock.systemUTC(), Ticker.systemTicker(), Duration.ofHours(1));

    @AfterEach
    void close() {
        layer.close();
        metrics.close();
    }

    private static IngressConfig config(String... entrypoints) {
        return new ConfigParser().parse(String.join("\n",
                "entrypoints:",
                String.join("\n", entrypoints),
                "routes: [{entrypoint: web, service: s}]",
                "services: [{name: s, endpoints: ['127.0.0.1:9']}]", ""), "test.yaml");
    }

    @Test
    void aConfigWithoutTlsNeverAsksForTheProvider() {
        layer.prepare(config("  - {name: web, address: '127.0.0.1:0'}")).commit();

        assertThat(asked).hasValue(0);
    }

    @Test
    void theFirstTlsEntrypointAsksOnceAndLaterOnesReuseTheAnswer() {
        TestCertificates c = new TestCertificates(dir);
        c.write("a", SelfSigned.KeyType.EC, "a.test");
        c.write("b", SelfSigned.KeyType.EC, "b.test");
        layer.prepare(config("  - {name: web, address: '127.0.0.1:0'}")).commit();
        layer.prepare(config("  - {name: web, address: '127.0.0.1:0'}",
                "  - {name: secure, address: '127.0.0.1:0', tls: {certificates: [{cert: " + c.cert("a") + ", key: "
                        + c.key("a") + "}]}}")).commit();
        layer.prepare(config("  - {name: web, address: '127.0.0.1:0'}",
                "  - {name: other, address: '127.0.0.1:0', tls: {certificates: [{cert: " + c.cert("b") + ", key: "
                        + c.key("b") + "}]}}")).commit();

        assertThat(asked).hasValue(1);
        assertThat(layer.provider().description()).contains("chosen by the test");
        assertThat(layer.names()).containsExactly("b.test");
    }

    @Test
    void askingForTheProviderBeforeAnyTlsEntrypointChoosesIt() {
        assertThat(layer.provider().openSsl()).isFalse();
        layer.provider();

        assertThat(asked).hasValue(1);
    }
}
