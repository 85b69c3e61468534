package io.swarmingress.proxy.testing;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran. Registered for every test
 * class through the JUnit extension service file; surefire runs with leak detection PARANOID, so
 * every buffer is tracked. Leaks are reported when a tracked object is collected and a later
 * allocation notices it, so after each class this forces a collection and allocates.
 */
public final class LeakGuard implements AfterAllCallback {
    private static final List<String> LEAKS = new ArrayList<>();

    /** Called by {@link LeakAppender} for every ERROR from Netty's leak detector. */
    static synchronized void reported(String message) {
        LEAKS.add(message);
    }

    /** Leaks reported so far and not yet blamed on a test class; clears them. */
    public static synchronized List<String> drain() {
        List<String> out = new ArrayList<>(LEAKS);
        LEAKS.clear();
        return out;
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            for (int j = 0; j < 64; j++) {
                ByteBuf b = ByteBufAllocator.DEFAULT.buffer(16);
                b.release();
            }
        }
        List<String> leaks = drain();
        if (!leaks.isEmpty()) {
            throw new AssertionError("Netty reported " + leaks.size() + " leak(s) during " + context.getDisplayName()
                    + ":\n" + String.join("\n\n", leaks));
        }
    }
}
