package io.swarmingress.proxy.corpus;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bytes a backend of the response corpus sends for {@code /case}, with the markers of
 * {@code responses.txt}: {@code {PAUSE}} (flush and pause briefly, so the rest comes in a later
 * read), {@code {LATE}} (flush and wait until the test lets the rest go), {@code {CLOSE}} (close the
 * connection) and {@code {ERROR}} (sends nothing; marks where the bytes become malformed). Any
 * other path gets the plain "second" response. One script serves one test case.
 */
final class BackendScript implements RawBackend.Answer {
    static final String SECOND_RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond";
    private static final long PAUSE_MILLIS = 100;
    /** A bound, not a timing: the test normally releases the late bytes long before. */
    private static final long LATE_BOUND_SECONDS = 10;

    private static final Pattern MARKER = Pattern.compile("\\{(PAUSE|LATE|CLOSE)\\}");

    private final List<String> steps = new ArrayList<>();
    private final String goodPrefix;
    private final boolean late;
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch written = new CountDownLatch(1);

    BackendScript(String text) {
        int error = text.indexOf("{ERROR}");
        String withoutError = text.replace("{ERROR}", "");
        this.goodPrefix = (error < 0 ? withoutError : text.substring(0, error)).replaceAll(MARKER.pattern(), "");
        this.late = text.contains("{LATE}");
        Matcher m = MARKER.matcher(withoutError);
        int from = 0;
        while (m.find()) {
            if (m.start() > from) {
                steps.add(withoutError.substring(from, m.start()));
            }
            steps.add(m.group());
            from = m.end();
        }
        if (from < withoutError.length()) {
            steps.add(withoutError.substring(from));
        }
    }

    /** Whether the script holds bytes back until {@link #release()}. */
    boolean late() {
        return late;
    }

    /** The bytes before {@code {ERROR}} (all of them when there is no error), markers removed. */
    String goodPrefix() {
        return goodPrefix;
    }

    /** Lets the late bytes go. */
    void release() {
        release.countDown();
    }

    /** Waits until every byte of the script was written (or the connection failed). */
    boolean awaitWritten(long seconds) throws InterruptedException {
        return written.await(seconds, TimeUnit.SECONDS);
    }

    @Override
    public boolean answer(RawBackend.Request request, OutputStream out) throws IOException, InterruptedException {
        if (!request.path().equals("/case")) {
            out.write(SECOND_RESPONSE.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return true;
        }
        try {
            for (String step : steps) {
                switch (step) {
                    case "{PAUSE}" -> {
                        out.flush();
                        Thread.sleep(PAUSE_MILLIS);
                    }
                    case "{LATE}" -> {
                        out.flush();
                        release.await(LATE_BOUND_SECONDS, TimeUnit.SECONDS);
                    }
                    case "{CLOSE}" -> {
                        out.flush();
                        return false;
                    }
                    default -> out.write(step.getBytes(StandardCharsets.ISO_8859_1));
                }
            }
            out.flush();
            return true;
        } finally {
            written.countDown();
        }
    }
}
