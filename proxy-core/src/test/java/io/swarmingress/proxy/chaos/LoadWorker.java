package io.swarmingress.proxy.chaos;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * One keep-alive connection sending GETs at a steady pace: each slot of the pace is one request,
 * sent on the open connection, or on a new one when there is none. Whatever keeps a slot from
 * ending in a whole 2xx response is a failed request: a connection that cannot be opened, a reset,
 * a connection closed before the response ended, no whole response within the timeout, a non-2xx
 * status. Nothing is retried; the next slot is simply the next request.
 *
 * <p>The one thing checked before a request is written is whether the server closed the
 * kept-alive connection while it was idle; then a new connection is opened for it (as curl and
 * browsers do), and nothing was sent.
 */
final class LoadWorker implements Runnable {
    private static final int CONNECT_TIMEOUT_MS = 2_000;

    /** What to send, where, how often and how long to wait for an answer. */
    record Target(String name, InetSocketAddress proxy, String host, String path, int connections, double ratePerConnection,
                  long timeoutMillis) {
    }

    private final Target target;
    private final LoadTally tally;
    private final byte[] request;
    private volatile boolean stopped;
    private volatile boolean draining;
    /** Wall-clock start of the request in flight, 0 when none: lets a caller wait for older requests to end. */
    private volatile long inFlightSinceMillis;
    private Socket socket;
    private ResponseReader reader;
    private OutputStream out;

    LoadWorker(Target target, LoadTally tally) {
        this.target = target;
        this.tally = tally;
        this.request = ("GET " + target.path() + " HTTP/1.1\r\nHost: " + target.host() + "\r\nUser-Agent: swarm-ingress-chaos-load\r\n"
                + "Accept: */*\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    long inFlightSinceMillis() {
        return inFlightSinceMillis;
    }

    /** Ends after the request in flight. */
    void stop() {
        stopped = true;
    }

    /**
     * From now on no new connection is opened: the open one carries on until the server closes it
     * (a proxy shutting down says so on its last response), then the worker ends.
     */
    void drain() {
        draining = true;
    }

    @Override
    public void run() {
        long period = target.ratePerConnection() > 0 ? (long) (1e9 / target.ratePerConnection()) : 0;
        long next = System.nanoTime() + (period == 0 ? 0 : ThreadLocalRandom.current().nextLong(period));
        try {
            while (!stopped) {
                if (period > 0) {
                    long now = System.nanoTime();
                    if (now - next > 1_000_000_000L) {
                        next = now; // fell behind (a slow answer): no burst to catch up
                    }
                    while (now - next < 0 && !stopped) {
                        LockSupport.parkNanos(next - now);
                        now = System.nanoTime();
                    }
                    next += period;
                }
                boolean open = keptAlive();
                if (!open && draining) {
                    return;
                }
                tally.sent();
                inFlightSinceMillis = System.currentTimeMillis();
                try {
                    if (open || connect()) {
                        exchange();
                    }
                } finally {
                    inFlightSinceMillis = 0;
                }
            }
        } finally {
            closeConnection();
        }
    }

    /** @return whether the kept-alive connection is still open (one the server closed while idle is dropped) */
    private boolean keptAlive() {
        if (socket == null) {
            return false;
        }
        try {
            if (!reader.closedWhileIdle()) {
                return true;
            }
        } catch (IOException e) {
            // reset while idle: the same as closed
        }
        tally.staleConnection();
        closeConnection();
        return false;
    }

    /** @return whether a new connection is open; when not, the request it was for has failed */
    private boolean connect() {
        long started = System.currentTimeMillis();
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(target.proxy(), CONNECT_TIMEOUT_MS);
            socket = s;
            reader = new ResponseReader(s);
            out = s.getOutputStream();
            return true;
        } catch (IOException e) {
            closeQuietly(s);
            String kind = e instanceof ConnectException ? "connect_refused"
                    : e instanceof SocketTimeoutException ? "connect_timeout" : "connect_error";
            tally.failed(System.currentTimeMillis(), kind, e + " after " + (System.currentTimeMillis() - started) + " ms");
            return false;
        }
    }

    private void exchange() {
        long startNanos = System.nanoTime();
        try {
            out.write(request);
                out.flush();
        } catch (IOException e) {
            fail("write_failed", e, startNanos);
            return;
        }
        ResponseReader.Response r;
        try {
            r = reader.read(startNanos + target.timeoutMillis() * 1_000_000, false);
        } catch (SocketTimeoutException e) {
            fail("timeout", e, startNanos);
            return;
        } catch (EOFException e) {
            fail("closed_early", e, startNanos);
            return;
        } catch (IOException | RuntimeException e) {
            fail(e.getMessage() != null && e.getMessage().contains("reset") ? "reset" : "read_failed", e, startNanos);
            return;
        }
        long now = System.currentTimeMillis();
        if (r.status() >= 200 && r.status() < 300) {
            tally.ok(now);
        } else {
            tally.failed(now, "status_" + r.status(), "HTTP " + r.status() + " after " + millisSince(startNanos) + " ms");
        }
        if (r.close()) {
            closeConnection();
        }
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private void fail(String kind, Exception e, long startNanos) {
        tally.failed(System.currentTimeMillis(), kind, e + " after " + millisSince(startNanos) + " ms");
        closeConnection();
    }

    private void closeConnection() {
        if (socket != null) {
            closeQuietly(socket);
            socket = null;
            reader = null;
            out = null;
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing left to do with it
        }
    }
}
