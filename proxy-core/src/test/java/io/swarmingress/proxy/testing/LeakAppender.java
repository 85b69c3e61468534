package io.swarmingress.proxy.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;

/** Hands Netty's leak reports to {@link LeakGuard}; configured in logback-test.xml. */
public final class LeakAppender extends AppenderBase<ILoggingEvent> {
    @Override
    protected void append(ILoggingEvent event) {
        String message = event.getFormattedMessage();
        if (message != null && message.contains("LEAK:")) {
            LeakGuard.reported(message);
        }
    }
}
