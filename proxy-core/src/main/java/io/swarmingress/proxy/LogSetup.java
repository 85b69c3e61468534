package io.swarmingress.proxy;

import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The proxy's logging, set up in code: one line per event on standard output, and the chatty
 * libraries (Netty, docker-java, Apache HttpClient) at WARN. Logback finds it as a service before
 * its own configurators. It replaces a {@code logback.xml} that said the same: reading XML
 * loads Logback's Joran and a SAX parser, about 300 classes, which took 0.2 s of CPU of a start on
 * one core and two MiB of RSS, for a file nobody edits inside a jar.
 *
 * <p>It steps aside, and Logback reads XML as before, when {@code -Dlogback.configurationFile}
 * names a file (how an operator changes levels or format) or a {@code logback-test.xml} is on the
 * class path (the tests, whose appender turns a Netty leak report into a failure).
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {
    /** The layout of a line: time, level, the logger's simple name, the message. */
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";
    /** Loggers quieter than the root's INFO. */
    static final Map<String, Level> QUIET = Map.of(
            "io.netty", Level.WARN,
            "com.github.dockerjava", Level.WARN,
            "org.apache.hc", Level.WARN);

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null
                || LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        apply(context);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    static void apply(LoggerContext context) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("STDOUT");
        console.setEncoder(encoder);
        console.start();
        QUIET.forEach((name, level) -> context.getLogger(name).setLevel(level));
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(console);
    }
}
