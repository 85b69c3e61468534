package io.swarmingress.proxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * An HTTP/2 client at the frame level, for what no well-behaved client sends: malformed header
 * blocks, floods of resets, CONTINUATION or PING frames, and streams whose window it never opens.
 * Frames are written by Netty's frame writer with header validation off (so anything can be
 * encoded) onto a plain socket, and every frame the server sends is read by a thread of its own
 * into {@link #frames}. It sends no WINDOW_UPDATE unless told to, so the server's DATA stops where
 * the windows the test chose end.
 */
public final class RawH2Client implements AutoCloseable {
    /**
     * A frame the server sent. {@code data} is the payload of DATA (unless {@link #keepData} is off),
     * the debug data of GOAWAY, else empty; {@code errorCode} is the code of RST_STREAM and GOAWAY,
     * the increment of WINDOW_UPDATE and the length of DATA.
     */
    public record Frame(String type, int streamId, Http2Headers headers, byte[] data, boolean endStream, long errorCode) {
        public String status() {
            return headers == null || headers.status() == null ? null : headers.status().toString();
        }
    }

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Socket socket;
    private final OutputStream out;
    private final EmbeddedChannel encoder = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    private final DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter();
    public final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    private final Thread readerThread;
    private volatile boolean closedByServer;
    /** Whether DATA payloads are kept in the frames (off for large bodies: only their length is). */
    public volatile boolean keepData = true;
    /** Whether every DATA frame is answered with WINDOW_UPDATEs for its stream and the connection, as a reading client would. */
    public volatile boolean autoWindowUpdate;

    /**
     * @param initialWindow the stream window announced in this client's SETTINGS
     * @param connectionWindow the connection window to open (by WINDOW_UPDATE) beyond the initial 65,535
     */
    public RawH2Client(int port, int initialWindow, int connectionWindow) throws IOException {
        socket = new Socket();
        socket.setReceiveBufferSize(64 * 1024);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        out.write(PREFACE);
        settings(new Http2Settings().initialWindowSize(initialWindow).pushEnabled(false));
        if (connectionWindow > 65_535) {
            windowUpdate(0, connectionWindow - 65_535);
        }
        InputStream in = socket.getInputStream();
        readerThread = new Thread(() -> read(in), "raw-h2-reader");
        readerThread.setDaemon(true);
        readerThread.start();
    }

    public RawH2Client(int port) throws IOException {
        this(port, 65_535, 65_535);
    }

    /** A request header block without validation: anything, well-formed or not. */
    public static Http2Headers request(String method, String path, String authority) {
        Http2Headers h = new DefaultHttp2Headers(false);
        if (method != null) {
            h.method(method);
        }
        h.scheme("http");
        if (path != null) {
            h.path(path);
        }
        if (authority != null) {
            h.authority(authority);
        }
        return h;
    }

    public synchronized void settings(Http2Settings settings) throws IOException {
        writer.writeSettings(ctx(), settings, encoder.newPromise());
        send();
    }

    public synchronized void headers(int streamId, Http2Headers headers, boolean endStream) throws IOException {
        writer.writeHeaders(ctx(), streamId, headers, 0, endStream, encoder.newPromise());
        send();
    }

    public synchronized void data(int streamId, byte[] bytes, boolean endStream) throws IOException {
        writer.writeData(ctx(), streamId, Unpooled.wrappedBuffer(bytes), 0, endStream, encoder.newPromise());
        send();
    }

    public synchronized void rst(int streamId, long errorCode) throws IOException {
        writer.writeRstStream(ctx(), streamId, errorCode, encoder.newPromise());
        send();
    }

    public synchronized void ping(long data) throws IOException {
        writer.writePing(ctx(), false, data, encoder.newPromise());
        send();
    }

    public synchronized void windowUpdate(int streamId, int increment) throws IOException {
        writer.writeWindowUpdate(ctx(), streamId, increment, encoder.newPromise());
        send();
    }

    /** A frame as given: type, flags, stream and payload bytes, with no checks at all. */
    public synchronized void rawFrame(int type, int flags, int streamId, byte[] payload) throws IOException {
        byte[] frame = new byte[9 + payload.length];
        frame[0] = (byte) (payload.length >>> 16);
        frame[1] = (byte) (payload.length >>> 8);
        frame[2] = (byte) payload.length;
        frame[3] = (byte) type;
        frame[4] = (byte) flags;
        frame[5] = (byte) (streamId >>> 24);
        frame[6] = (byte) (streamId >>> 16);
        frame[7] = (byte) (streamId >>> 8);
        frame[8] = (byte) streamId;
        System.arraycopy(payload, 0, frame, 9, payload.length);
        out.write(frame);
    }

    /** The HPACK bytes of a header block, for frames built by hand. */
    public synchronized byte[] encodeBlock(int streamId, Http2Headers headers) {
        writer.writeHeaders(ctx(), streamId, headers, 0, false, encoder.newPromise());
        ByteBuf frame = collect();
        try {
            int length = frame.getUnsignedMedium(0);
            return ByteBufUtil.getBytes(frame, 9, length);
        } finally {
            frame.release();
        }
    }

    /** The next frame matching {@code which} within the time, skipping others; null when none came. */
    public Frame await(Predicate<Frame> which, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            Frame f = frames.poll(left, TimeUnit.NANOSECONDS);
            if (f == null) {
                return null;
            }
            if (which.test(f)) {
                return f;
            }
        }
    }

    /** The response of a stream: its HEADERS, then DATA up to END_STREAM; fails on a reset or timeout. */
    public Response response(int streamId, long millis) throws InterruptedException {
        Http2Headers head = null;
        StringBuilder body = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        List<Frame> others = new ArrayList<>();
        while (true) {
            long left = deadline - System.nanoTime();
            Frame f = left <= 0 ? null : frames.poll(left, TimeUnit.NANOSECONDS);
            if (f == null) {
                frames.addAll(others);
                throw new AssertionError("no complete response on stream " + streamId + " (so far: " + head + " " + body + ")");
            }
            if (f.streamId() != streamId) {
                others.add(f);
                continue;
            }
            switch (f.type()) {
                case "HEADERS":
                    if (head == null || head.status().toString().startsWith("1")) {
                        head = f.headers();
                    }
                    break;
                case "DATA":
                    body.append(new String(f.data(), StandardCharsets.UTF_8));
                    break;
                case "RST_STREAM":
                    frames.addAll(others);
                    return new Response(head, body.toString(), f.errorCode());
                default:
                    break;
            }
            if (f.endStream()) {
                frames.addAll(others);
                return new Response(head, body.toString(), -1);
            }
        }
    }

    /** @param reset the RST_STREAM error code that ended the stream, or -1 when it ended normally */
    public record Response(Http2Headers headers, String body, long reset) {
        public String status() {
            return headers == null ? null : headers.status().toString();
        }
    }

    /** Whether the server closed the connection (the reader saw the end of the stream, or a reset). */
    /**
     * Waits until the server's SETTINGS arrived and were acknowledged. A test that sends a header
     * block in pieces waits for this first: an ACK written between HEADERS and its CONTINUATIONs
     * is a protocol error the server rightly answers with PROTOCOL_ERROR.
     */
    public void awaitSettingsAcknowledged(long millis) throws InterruptedException {
        if (await(f -> f.type().equals("SETTINGS"), millis) == null) {
            throw new AssertionError("no SETTINGS from the server within " + millis + " ms");
        }
    }

    public boolean closedByServer() {
        return closedByServer;
    }

    public void awaitClosed(long millis) throws InterruptedException {
        readerThread.join(millis);
    }

    private ChannelHandlerContext ctx() {
        return encoder.pipeline().firstContext();
    }

    private void send() throws IOException {
        ByteBuf bytes = collect();
        try {
            bytes.readBytes(out, bytes.readableBytes());
        } finally {
            bytes.release();
        }
    }

    private ByteBuf collect() {
        encoder.flushOutbound();
        ByteBuf all = Unpooled.buffer();
        Object o;
        while ((o = encoder.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            all.writeBytes(b);
            b.release();
        }
        return all;
    }

    private void read(InputStream in) {
        EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader(new DefaultHttp2HeadersDecoder(false, 1 << 20));
        ByteBuf buffer = Unpooled.buffer();
        byte[] chunk = new byte[16 * 1024];
        Listener listener = new Listener();
        try {
            int n;
            while ((n = in.read(chunk)) > 0) {
                buffer.writeBytes(chunk, 0, n);
                reader.readFrame(channel.pipeline().firstContext(), buffer, listener);
                buffer.discardReadBytes();
            }
        } catch (SocketException e) {
            // reset by the server, or closed by the test
        } catch (IOException | Http2Exception e) {
            frames.add(new Frame("ERROR " + e, 0, null, new byte[0], false, -1));
        } finally {
            closedByServer = true;
            buffer.release();
            reader.close();
            channel.finishAndReleaseAll();
        }
    }

    private final class Listener extends Http2FrameAdapter {
        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
            int n = data.readableBytes() + padding;
            frames.add(new Frame("DATA", streamId, null, keepData ? ByteBufUtil.getBytes(data) : new byte[0], endOfStream,
                    data.readableBytes()));
            if (autoWindowUpdate && n > 0) {
                try {
                    windowUpdate(streamId, n);
                    windowUpdate(0, n);
                } catch (IOException e) {
                    // the connection is going away
                }
            }
            return n;
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding, boolean endStream) {
            frames.add(new Frame("HEADERS", streamId, headers, new byte[0], endStream, -1));
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency, short weight,
                                  boolean exclusive, int padding, boolean endStream) {
            onHeadersRead(ctx, streamId, headers, padding, endStream);
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
            frames.add(new Frame("RST_STREAM", streamId, null, new byte[0], false, errorCode));
        }

        @Override
        public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
            try {
                synchronized (RawH2Client.this) {
                    writer.writeSettingsAck(ctx(), encoder.newPromise());
                    send();
                }
            } catch (IOException e) {
                // the connection is going away
            }
            // Seen only once acknowledged: a test that waits for it knows the ACK cannot land between frames it sends next.
            frames.add(new Frame("SETTINGS", 0, null, new byte[0], false, -1));
        }

        @Override
        public void onPingAckRead(ChannelHandlerContext ctx, long data) {
            frames.add(new Frame("PING_ACK", 0, null, new byte[0], false, data));
        }

        @Override
        public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
            frames.add(new Frame("GOAWAY", lastStreamId, null, ByteBufUtil.getBytes(debugData), false, errorCode));
        }

        @Override
        public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement) {
            frames.add(new Frame("WINDOW_UPDATE", streamId, null, new byte[0], false, windowSizeIncrement));
        }

        @Override
        public void onUnknownFrame(ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags, ByteBuf payload) {
            frames.add(new Frame("UNKNOWN", streamId, null, ByteBufUtil.getBytes(payload), false, -1));
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        socket.close();
        readerThread.join(5_000);
        encoder.finishAndReleaseAll();
    }
}
