package io.swarmingress.proxy.forward;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * Tells an upstream connection whose peer is gone from one whose peer is slow, while a request
 * on it awaits the response head. A request written into a kept-alive connection to a task whose
 * node just died gets no FIN and no RST: without this it would wait for the service's response
 * timeout (30 s by default) while Swarm takes about 15 s to mark the node down. Every connect
 * timeout after the attempt started, the probe reads the socket's {@link TcpSample}: bytes in
 * flight, retransmitted, and no ACK for the connect timeout mean nobody is there, and the
 * connection is given up as if it had been reset ({@link UpstreamConnection#peerSilent}).
 *
 * <p>A peer that acknowledged the whole request and then said nothing for the connect timeout is
 * either thinking or gone with its node right after its kernel took the request; nothing is in
 * flight to tell which, so the probe asks its kernel ({@link KeepaliveQuestion}), and a peer that
 * answers no question is given up the same way ({@link #unanswered}).
 *
 * <p>Only while the whole request went up and no response has started: a backend that is slow to
 * answer, or that stops reading a body, keeps acknowledging (see {@link TcpSample}), and a body on
 * its way in either direction is never judged. (A kernel user timeout, {@code TCP_USER_TIMEOUT},
 * cannot tell these apart: it also ends a connection whose live peer advertises a zero window.)
 *
 * <p>One timer per connection, not per request, on the connection's own loop: it is armed by the
 * first attempt that finds it idle and, when it fires, moves on to the current attempt's time, so
 * requests back to back on one connection cost no timer work; idle in the pool, it is not re-armed.
 */
final class SilentPeerProbe implements Runnable {
    /** The probe of a connection not probed: never armed, so it holds no state and one serves all. */
    static final SilentPeerProbe OFF = new SilentPeerProbe(null, null, Duration.ZERO);

    private final UpstreamConnection connection;
    private final TcpSampler sampler;
    private final long intervalNanos;
    private final long thresholdMillis;
    private EventExecutor loop;
    private long attemptStartNanos;
    private ScheduledFuture<?> timer;
    /** Whether its peer's kernel is being asked ({@link KeepaliveQuestion}) until the connection is pooled again. */
    private boolean asking;

    /** @param connectTimeout how long the peer may stay silent, and how often it is checked */
    private SilentPeerProbe(UpstreamConnection connection, TcpSampler sampler, Duration connectTimeout) {
        this.connection = connection;
        this.sampler = sampler;
        this.intervalNanos = connectTimeout.toNanos();
        this.thresholdMillis = connectTimeout.toMillis();
    }

    /** The probe of one connection; {@link #OFF} when {@code sampler} is null (the transport cannot tell). */
    static SilentPeerProbe of(UpstreamConnection connection, TcpSampler sampler, Duration connectTimeout) {
        return sampler == null ? OFF : new SilentPeerProbe(connection, sampler, connectTimeout);
    }

    /** An attempt's first bytes go into the connection now: the peer is judged from a connect timeout on. */
    void attemptStarted(EventExecutor executor) {
        if (sampler == null) {
            return;
        }
        loop = executor;
        attemptStartNanos = executor.ticker().nanoTime();
        if (timer == null) {
            timer = executor.schedule(this, intervalNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The connection goes back to the pool, or to a tunnel: a question its peer answered is withdrawn. */
    void withdraw(Channel channel) {
        if (asking) {
            asking = false;
            KeepaliveQuestion.withdraw(channel);
        }
    }

    /** Whether the connection failed because its peer's kernel answered none of the probe's questions. */
    boolean unanswered(Throwable cause) {
        return asking && KeepaliveQuestion.unanswered(cause);
    }

    /** The connection closed or left for a tunnel. */
    void stop() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void run() {
        timer = null;
        Exchange owner = connection.owner;
        if (owner == null || !connection.channel.isActive()) {
            // Idle in the pool (or closed): the next attempt arms it again.
            return;
        }
        long since = loop.ticker().nanoTime() - attemptStartNanos;
        if (since < intervalNanos) {
            timer = loop.schedule(this, intervalNanos - since, TimeUnit.NANOSECONDS);
            return;
        }
        if (owner.awaitsHead()) {
            Channel channel = connection.channel;
            TcpSample sample = sampler.sample(channel);
            if (sample != null && sample.peerSilentFor(thresholdMillis)) {
                connection.peerSilent(sample);
                return;
            }
            if (sample != null && !asking && sample.peerQuietFor(thresholdMillis)) {
                asking = KeepaliveQuestion.ask(channel);
            }
        }
        timer = loop.schedule(this, intervalNanos, TimeUnit.NANOSECONDS);
    }
}
