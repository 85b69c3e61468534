package io.swarmingress.proxy.health;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.swarmingress.config.HealthCheck;
import io.swarmingress.proxy.routing.Endpoint;

/**
 * The checks of one endpoint: one at a time, every interval, each bounded by the check's timeout.
 * An HTTP check passes on a 2xx or 3xx status line (the rest of the answer is not read: the
 * connection is closed), a TCP check on a completed connect. The endpoint turns healthy after
 * {@code healthy_threshold} passes in a row and unhealthy after {@code unhealthy_threshold}
 * failures in a row.
 */
final class Probe {
    private static final Logger log = LoggerFactory.getLogger(Probe.class);
    private static final int MAX_STATUS_LINE = 1024;

    private final Endpoint endpoint;
    private final HealthCheck check;
    private final String service;
    private final EventLoop loop;
    private final Class<? extends Channel> channelType;
    private final byte[] request;
    private int passes;
    private int failures;
    private boolean stopped;
    private Channel channel;
    private ScheduledFuture<?> next;

    Probe(Endpoint endpoint, HealthCheck check, String service, EventLoop loop, Class<? extends Channel> channelType) {
        this.endpoint = endpoint;
        this.check = check;
        this.service = service;
        this.loop = loop;
        this.channelType = channelType;
        this.request = check.path() == null ? null : ("GET " + check.path() + " HTTP/1.1\r\nHost: " + endpoint.address()
                + "\r\nUser-Agent: swarm-ingress-health-check\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    void start() {
        run();
    }

    void stop() {
        stopped = true;
        if (next != null) {
            next.cancel(false);
        }
        if (channel != null) {
            channel.close();
        }
    }

    private void run() {
        if (stopped) {
            return;
        }
        Attempt attempt = new Attempt();
        ChannelFuture connect = new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) check.timeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .disableResolver()
                .handler(attempt)
                .connect(endpoint.socketAddress());
        channel = connect.channel();
        attempt.deadline = loop.schedule(() -> attempt.done(false, "no answer within " + check.timeout()),
                check.timeout().toNanos(), TimeUnit.NANOSECONDS);
        connect.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                attempt.done(false, "connect failed: " + f.cause());
            } else if (request == null) {
                attempt.done(true, null);
            } else {
                f.channel().writeAndFlush(Unpooled.wrappedBuffer(request));
            }
        });
    }

    private void result(boolean pass, String why) {
        channel = null;
        if (stopped) {
            return;
        }
        if (pass) {
            failures = 0;
            if (++passes >= check.healthyThreshold() && endpoint.health() != Endpoint.HEALTHY) {
                endpoint.health(Endpoint.HEALTHY);
                log.info("endpoint {} of service {} is healthy", endpoint, service);
            }
        } else {
            passes = 0;
            if (++failures >= check.unhealthyThreshold() && endpoint.health() == Endpoint.HEALTHY) {
                endpoint.health(Endpoint.UNHEALTHY);
                log.warn("endpoint {} of service {} is unhealthy: {}", endpoint, service, why);
            }
        }
        next = loop.schedule(this::run, check.interval().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** One check: its connection's handler, reading the status line of an HTTP check. */
    private final class Attempt extends ChannelInboundHandlerAdapter {
        private final ByteBuf line = Unpooled.buffer(64, MAX_STATUS_LINE);
        private ScheduledFuture<?> deadline;
        private boolean finished;

        void done(boolean pass, String why) {
            if (finished) {
                return;
            }
            finished = true;
            if (deadline != null) {
                deadline.cancel(false);
            }
            line.release();
            Channel ch = channel;
            if (ch != null) {
                ch.close();
            }
            result(pass, why);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (!finished && msg instanceof ByteBuf) {
                    ByteBuf in = (ByteBuf) msg;
                    int lf = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
                    int n = Math.min((lf < 0 ? in.writerIndex() : lf) - in.readerIndex(), line.maxWritableBytes());
                    line.writeBytes(in, in.readerIndex(), n);
                    if (lf >= 0 || !line.isWritable()) {
                        statusLine();
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void statusLine() {
            String s = line.toString(StandardCharsets.US_ASCII);
            boolean pass = s.length() >= 12 && s.startsWith("HTTP/1.") && s.charAt(8) == ' '
                    && (s.charAt(9) == '2' || s.charAt(9) == '3');
            done(pass, pass ? null : "answered '" + s.trim() + "'");
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done(false, "closed before a status line");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done(false, cause.toString());
        }
    }
}
