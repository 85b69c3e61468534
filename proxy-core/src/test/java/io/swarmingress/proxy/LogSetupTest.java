package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;

/** The logging set up in code says what the logback.xml it replaced said, and steps aside for a file. */
class LogSetupTest {
    private final LoggerContext context = new LoggerContext();

    @AfterEach
    void stop() {
        context.stop();
    }

    @Test
    void theRootLogsInfoAndTheLibrariesOnlyWarnings() {
        LogSetup.apply(context);

        assertThat(context.getLogger("io.swarmingress.proxy.Main").getEffectiveLevel()).isEqualTo(Level.INFO);
        assertThat(context.getLogger("io.netty.channel.ChannelInitializer").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("com.github.dockerjava.core.DockerClientImpl").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("org.apache.hc.client5.http.wire").getEffectiveLevel()).isEqualTo(Level.WARN);
    }

    @Test
    void aLineIsTimeLevelSimpleNameAndMessage() {
        LogSetup.apply(context);
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ConsoleAppender<?> console = (ConsoleAppender<?>) root.getAppender("STDOUT");
        assertThat(console).isNotNull();
        assertThat(console.isStarted()).isTrue();
        PatternLayoutEncoder encoder = (PatternLayoutEncoder) console.getEncoder();

        ch.qos.logback.classic.Logger logger = context.getLogger("io.swarmingress.proxy.Ingress");
        LoggingEvent event = new LoggingEvent("test", logger, Level.INFO, "transport {}, {} io threads", null,
                new Object[] {"epoll", 1});
        String line = new String(encoder.encode(event), StandardCharsets.UTF_8);

        assertThat(line).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d INFO  Ingress - transport epoll, 1 io threads\\R");
    }

    @Test
    void aLogbackTestXmlOnTheClassPathKeepsTheXmlConfiguration() {
        // The tests' logback-test.xml carries the appender that fails a build on a Netty leak report.
        assertThat(getClass().getClassLoader().getResource("logback-test.xml")).isNotNull();
        LogSetup setup = new LogSetup();
        setup.setContext(context);

        assertThat(setup.configure(context)).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
    }

    @Test
    void logbackFindsItAsAService() throws IOException {
        try (InputStream in = getClass().getClassLoader()
                .getResourceAsStream("META-INF/services/" + Configurator.class.getName())) {
            assertThat(in).isNotNull();
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8).strip()).isEqualTo(LogSetup.class.getName());
        }
    }
}
