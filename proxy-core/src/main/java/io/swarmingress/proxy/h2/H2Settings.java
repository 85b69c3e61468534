package io.swarmingress.proxy.h2;

import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2LocalFlowController;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import io.netty.handler.logging.LogLevel;
import io.swarmingress.proxy.server.EntrypointContext;

/**
 * The settings of the HTTP/2 front and the limits that defend it, in one place:
 * <ul>
 *   <li>at most {@value #MAX_CONCURRENT_STREAMS} streams open per connection (nginx allows 128,
 *       HAProxy 100): with {@code max_connections}, what bounds the upstream requests one client
 *       can hold;</li>
 *   <li>a header list of at most {@value #MAX_HEADER_LIST_SIZE} bytes, as HPACK counts them (a
 *       431 above it, GOAWAY well above it): about what an HTTP/1.1 head may carry;</li>
 *   <li>rapid reset (CVE-2023-44487): a client that resets more than {@value #MAX_RESETS} streams
 *       in {@value #RESET_WINDOW_SECONDS} s is sent GOAWAY (ENHANCE_YOUR_CALM) and closed, and so is
 *       one that makes the proxy reset that many (the "made you reset" variant);</li>
 *   <li>CONTINUATION floods (CVE-2024-27316 and kin): a header block is bounded by the list size
 *       and may not come in more than {@value #MAX_SMALL_CONTINUATIONS} small CONTINUATION
 *       frames;</li>
 *   <li>SETTINGS, PING and RST floods by a client that does not read: at most
 *       {@value #MAX_QUEUED_CONTROL_FRAMES} control frames (acknowledgements) waiting to be
 *       written, then the connection is closed; and at most
 *       {@value #MAX_EMPTY_DATA_FRAMES} empty DATA frames in a row.</li>
 * </ul>
 * The connection's receive window is {@value #CONNECTION_WINDOW} bytes and refilled as bytes
 * arrive; each stream's is the protocol's default 65,535 and given back only as its upstream
 * takes the bytes.
 */
final class H2Settings {
    static final int MAX_CONCURRENT_STREAMS = 128;
    static final int MAX_HEADER_LIST_SIZE = 32 * 1024;
    static final int MAX_RESETS = 200;
    static final int RESET_WINDOW_SECONDS = 30;
    static final int MAX_SMALL_CONTINUATIONS = 16;
    static final int MAX_QUEUED_CONTROL_FRAMES = 10_000;
    static final int MAX_EMPTY_DATA_FRAMES = 2;
    static final int CONNECTION_WINDOW = 1024 * 1024;

    private H2Settings() {
    }

    /** The handler for one client connection of the entrypoint. */
    static H2Connection connection(EntrypointContext entrypoint) {
        DefaultHttp2Connection connection = new DefaultHttp2Connection(true);
        // Refilled as bytes arrive: only stream windows hold a client back, so one slow stream stalls no other.
        connection.local().flowController(new DefaultHttp2LocalFlowController(connection, 0.5f, true));
        // Responses share the client's window evenly, stream by stream. Netty's default distributor
        // weighs streams by the priority tree of RFC 7540, which RFC 9113 deprecated and clients
        // no longer send; it cost 6 % of the loop under h2load -m 100 (async-profiler, scenario 10).
        connection.remote().flowController(new DefaultHttp2RemoteFlowController(connection,
                new UniformStreamByteDistributor(connection)));
        return new Builder(entrypoint).connection(connection).build();
    }

    /** What the connection window grows by beyond the protocol's initial 65,535, once the handler is in place. */
    static int connectionWindowIncrement() {
        return CONNECTION_WINDOW - Http2CodecUtil.DEFAULT_WINDOW_SIZE;
    }

    static Http2Settings initial() {
        return new Http2Settings()
                .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                .maxHeaderListSize(MAX_HEADER_LIST_SIZE);
    }

    private static final class Builder extends AbstractHttp2ConnectionHandlerBuilder<H2Connection, Builder> {
        private final EntrypointContext entrypoint;

        Builder(EntrypointContext entrypoint) {
            this.entrypoint = entrypoint;
            initialSettings(initial());
            validateHeaders(true);
            validateRequiredPseudoHeaders(true);
            decoderEnforceMaxRstFramesPerWindow(MAX_RESETS, RESET_WINDOW_SECONDS);
            encoderEnforceMaxRstFramesPerWindow(MAX_RESETS, RESET_WINDOW_SECONDS);
            decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATIONS);
            encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES);
            decoderEnforceMaxConsecutiveEmptyDataFrames(MAX_EMPTY_DATA_FRAMES);
            if (Boolean.getBoolean("swarm.ingress.h2.frames")) {
                // Every frame in and out, logged at INFO, to see what a client does: -Dswarm.ingress.h2.frames=true
                frameLogger(new Http2FrameLogger(LogLevel.INFO, H2Connection.class));
            }
        }

        @Override
        protected Builder connection(io.netty.handler.codec.http2.Http2Connection connection) {
            return super.connection(connection);
        }

        @Override
        protected H2Connection build() {
            return super.build();
        }

        @Override
        protected H2Connection build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings) {
            return new H2Connection(decoder, encoder, settings, entrypoint);
        }
    }
}
