package io.swarmingress.discovery;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Ticker;

import io.swarmingress.config.HostPort;

/**
 * Follows one relay's event stream ({@link RelayProtocol}) at a time, on its own thread, and
 * moves to another when it fails. Every step has a deadline, the {@code timeout}: connecting, the
 * answer's head, and the silence between two events (a relay says {@code alive} every second), so
 * a relay whose node died (no FIN, no RST: the peer is just gone) is left after at most the
 * timeout, and one that accepts but never answers (a wedged process) too.
 *
 * <p>Which relay: every address of every configured name ({@code tasks.proxy:9091} resolves to
 * each manager proxy's task), resolved again at each attempt, since tasks come and go. The relay
 * followed last is tried first; one that failed in the last {@link #COOL_DOWN} is tried last.
 * When none answers, the next round waits 200 ms, doubling to 5 s ({@link Backoff}), timed by the
 * {@link DiscoveryLoop}, so no thread sleeps and tests move the time.
 *
 * <p>The stream is plain HTTP/1.1 over a socket: a relay's answer ends when its connection does,
 * so no chunked decoding, and a blocking read with a socket timeout is the silence deadline. What
 * is written and read on that socket is {@link RelayWire}'s.
 */
final class RelayStream implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RelayStream.class);
    static final Duration COOL_DOWN = Duration.ofSeconds(30);

    /** What the stream reports, on its thread. */
    interface Handler {
        /** A relay answered; {@code relay} is its address as people read it. */
        void onConnected(String relay);

        /**
         * A state arrived.
         *
         * @throws IOException when it cannot be used: the relay is then left
         */
        void onState(byte[] json) throws IOException;

        /** A heartbeat: the relay last read Swarm at {@code readAt} (null: not yet). */
        void onAlive(Instant readAt);

        /** Following {@code relay} failed, or none answered ({@code relay} then names them all). */
        void onLost(String relay, String why);
    }

    /** Names to addresses; {@code InetAddress::getAllByName}, or a fixed table in tests. */
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final List<HostPort> relays;
    private final String authorization;
    private final int timeoutMs;
    private final DiscoveryLoop timers;
    private final Ticker ticker;
    private final Resolver resolver;
    private final Handler handler;
    private final Thread thread;
    /** Per relay address, the ticker time it last failed since it last answered. */
    private final Map<InetSocketAddress, Long> failedAt = new HashMap<>();
    private InetSocketAddress preferred;
    private volatile boolean running = true;
    private volatile Socket current;

    /**
     * @param token the relay's shared secret, or null
     * @param timeout the deadline of connecting, of the answer's head and of each silence
     */
    RelayStream(List<HostPort> relays, String token, Duration timeout, DiscoveryLoop timers, Ticker ticker,
                Resolver resolver, Handler handler) {
        if (relays.isEmpty()) {
            throw new IllegalArgumentException("relays: none (expected: at least one)");
        }
        this.relays = List.copyOf(relays);
        this.authorization = token == null ? null : RelayToken.header(token);
        this.timeoutMs = (int) Math.max(1, timeout.toMillis());
        this.timers = timers;
        this.ticker = ticker;
        this.resolver = resolver;
        this.handler = handler;
        this.thread = new Thread(this::run, "swarm-relay");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        Backoff backoff = new Backoff(timers);
        while (running) {
            Thread.interrupted(); // an interrupt meant for the previous attempt
            boolean followed = false;
            List<String> failures = new ArrayList<>();
            for (InetSocketAddress relay : order(resolveAll(failures))) {
                if (!running) {
                    break;
                }
                String name = describe(relay);
                Socket s;
                InputStream in;
                try {
                    s = new Socket();
                    current = s;
                    in = open(s, relay);
                } catch (Refused e) {
                    closeQuietly(current);
                    current = null;
                    failedAt.put(relay, ticker.read());
                    failures.add(name + ": " + e.getMessage());
                    log.warn("relay {} refused to serve this proxy: {}", name, e.getMessage());
                    continue;
                } catch (IOException | RuntimeException e) {
                    closeQuietly(current);
                    current = null;
                    failedAt.put(relay, ticker.read());
                    failures.add(name + ": " + DockerApi.describe(e));
                    continue;
                }
                preferred = relay;
                failedAt.remove(relay);
                handler.onConnected(name);
                String why = follow(s, in);
                failedAt.put(relay, ticker.read()); // the next round starts with another one
                if (running) {
                    handler.onLost(name, why);
                }
                followed = true;
                break;
            }
            if (!running) {
                break;
            }
            if (followed) {
                backoff.reset();
                continue;
            }
            handler.onLost(String.valueOf(relays), "no relay answered (" + String.join("; ", failures) + ")");
            backoff.pause();
        }
    }

    /** A relay answered, and said no: a configuration error worth a warning each time. */
    private static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /** Every address of every relay, in configured order, each once. */
    private List<InetSocketAddress> resolveAll(List<String> failures) {
        Set<InetSocketAddress> out = new LinkedHashSet<>();
        for (HostPort r : relays) {
            try {
                for (InetAddress a : resolver.resolve(r.host())) {
                    out.add(new InetSocketAddress(a, r.port()));
                }
            } catch (UnknownHostException e) {
                failures.add(r + ": no such name");
            }
        }
        return new ArrayList<>(out);
    }

    /** The relay followed last first, then the others, those that failed lately last. */
    List<InetSocketAddress> order(List<InetSocketAddress> all) {
        long now = ticker.read();
        List<InetSocketAddress> fresh = new ArrayList<>();
        List<InetSocketAddress> cooling = new ArrayList<>();
        for (InetSocketAddress a : all) {
            Long failed = failedAt.get(a);
            (failed != null && now - failed < COOL_DOWN.toNanos() ? cooling : fresh).add(a);
        }
        cooling.sort((a, b) -> Long.compare(failedAt.get(a), failedAt.get(b)));
        if (preferred != null && fresh.remove(preferred)) {
            fresh.add(0, preferred);
        }
        fresh.addAll(cooling);
        return fresh;
    }

    /** Connects, asks, and reads the answer's head: what must work before a relay counts as answering. */
    private InputStream open(Socket s, InetSocketAddress relay) throws IOException {
        if (!running) {
            throw new IOException("closed");
        }
        s.connect(relay, timeoutMs);
        s.setSoTimeout(timeoutMs);
        s.setTcpNoDelay(true);
        OutputStream out = s.getOutputStream();
        out.write(RelayWire.request(describe(relay), authorization).getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
        int status = RelayWire.head(in);
        if (status != 200) {
            String body = new String(in.readNBytes(2048), StandardCharsets.UTF_8).strip();
            String why = "HTTP " + status + (body.isEmpty() ? "" : ": " + body);
            if (status == 401 || status == 403) {
                throw new Refused(why + " (swarm.relay.token_file differs from the relay's)");
            }
            throw new IOException(why);
        }
        return in;
    }

    /** Reads events until the stream ends, fails or stays silent too long; returns why it ended. */
    private String follow(Socket s, InputStream in) {
        try {
            RelayWire.events(in, () -> running, handler);
            return "the relay closed the stream";
        } catch (SocketTimeoutException e) {
            return "silent for " + timeoutMs + " ms";
        } catch (IOException | RuntimeException e) {
            return DockerApi.describe(e);
        } finally {
            closeQuietly(s);
            current = null;
        }
    }

    private static void closeQuietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    static String describe(InetSocketAddress a) {
        return new HostPort(a.getAddress().getHostAddress(), a.getPort()).toString();
    }

    @Override
    public void close() {
        running = false;
        closeQuietly(current);
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
