package io.swarmingress.proxy.forward;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.AsciiString;

/**
 * A request as the forwarder writes it (the HTTP/1.1 head {@link RequestHead#encode} made, then
 * the body, chunked or of a known length) turned into the HEADERS and DATA frames of an h2c stream.
 *
 * <p>Why from the HTTP/1.1 bytes: the head the forwarder writes has been through the proxy's field
 * rules already (names, one Host, X-Forwarded-* and Via, hop-by-hop fields gone), the same for an
 * HTTP/1 client and an HTTP/2 one, and retries write it again the same way; reading it back is the
 * one place that has to know HTTP/2. What HTTP/2 forbids is left out here (RFC 9113 section 8.2.2):
 * Connection and the fields it names, Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade, and
 * TE, except the {@code te: trailers} gRPC needs, added when the client asked for it. Host becomes
 * {@code :authority}.
 *
 * <p>The bytes are the proxy's own, well formed by construction; a body's chunk framing (from an
 * HTTP/1 client, checked on the way in, or from an HTTP/2 stream) is removed, and its trailers
 * dropped as before.
 */
final class H2cRequestFrames {
    private static final Set<AsciiString> NOT_IN_HTTP2 = Set.of(AsciiString.cached("connection"), AsciiString.cached("keep-alive"),
            AsciiString.cached("proxy-connection"), AsciiString.cached("transfer-encoding"), AsciiString.cached("upgrade"),
            AsciiString.cached("te"), AsciiString.cached("host"), AsciiString.cached("http2-settings"));
    private static final AsciiString TE = AsciiString.cached("te");
    private static final AsciiString TRAILERS = AsciiString.cached("trailers");
    private static final AsciiString HTTP = AsciiString.cached("http");
    static final int MAX_HEAD = 64 * 1024;

    private static final int HEAD = 0;
    private static final int FIXED = 1;
    private static final int CHUNK_SIZE = 2;
    private static final int CHUNK_LINE_END = 3;
    private static final int CHUNK_DATA = 4;
    private static final int CHUNK_DATA_END = 5;
    private static final int TRAILER_LINE_START = 6;
    private static final int TRAILER_LINE = 7;
    private static final int DONE = 8;

    private final boolean teTrailers;
    private int state = HEAD;
    private ByteBuf head;
    private long remaining;
    /** CR and LF still to skip after a chunk's data. */
    private int skip;

    /** @param teTrailers whether the client sent {@code te: trailers}, which goes on */
    H2cRequestFrames(boolean teTrailers) {
        this.teTrailers = teTrailers;
    }

    /** Reads {@code in} (owned from now on) and adds the frames it completes to {@code out}. */
    void encode(ByteBufAllocator alloc, ByteBuf in, List<Http2StreamFrame> out) {
        try {
            while (in.isReadable() && state != DONE) {
                if (state == HEAD) {
                    readHead(alloc, in, out);
                } else if (state == FIXED) {
                    int n = (int) Math.min(remaining, in.readableBytes());
                    remaining -= n;
                    if (remaining == 0) {
                        state = DONE;
                    }
                    out.add(new DefaultHttp2DataFrame(in.readRetainedSlice(n), state == DONE));
                } else {
                    readChunked(in, out);
                }
            }
        } finally {
            in.release();
        }
    }

    /** Whether the request's last frame (END_STREAM) was made. */
    boolean ended() {
        return state == DONE;
    }

    void release() {
        if (head != null) {
            head.release();
            head = null;
        }
    }

    private void readHead(ByteBufAllocator alloc, ByteBuf in, List<Http2StreamFrame> out) {
        if (head == null) {
            head = alloc.heapBuffer(Math.max(256, in.readableBytes()));
        }
        int had = head.readableBytes();
        head.writeBytes(in, in.readerIndex(), in.readableBytes());
        int end = endOfHead(head, Math.max(0, had - 3));
        if (end < 0) {
            in.skipBytes(in.readableBytes());
            if (head.readableBytes() > MAX_HEAD) {
                throw new IllegalStateException("request head over " + MAX_HEAD + " bytes");
            }
            return;
        }
        // Bytes past the head are the body's: they stay in the input.
        in.skipBytes(end - had);
        String text = head.toString(head.readerIndex(), end, StandardCharsets.ISO_8859_1);
        head.release();
        head = null;
        Http2Headers h = headers(text);
        out.add(new DefaultHttp2HeadersFrame(h, state == DONE));
    }

    /** @return the length of the head (through its empty line) in {@code b}, searched from {@code from}; -1 when incomplete */
    private static int endOfHead(ByteBuf b, int from) {
        int base = b.readerIndex();
        for (int i = from; i + 3 < b.readableBytes(); i++) {
            if (b.getByte(base + i) == '\r' && b.getByte(base + i + 1) == '\n' && b.getByte(base + i + 2) == '\r'
                    && b.getByte(base + i + 3) == '\n') {
                return i + 4;
            }
        }
        return -1;
    }

    /** The fields of the head, and the state its framing leads to. */
    private Http2Headers headers(String text) {
        String[] lines = text.split("\r\n");
        String[] requestLine = lines[0].split(" ", 3);
        Http2Headers h = new DefaultHttp2Headers(false);
        h.method(requestLine[0]).path(requestLine[1]).scheme(HTTP);
        boolean chunked = false;
        long length = -1;
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            AsciiString name = new AsciiString(line.substring(0, colon)).toLowerCase();
            String value = line.substring(colon + 1).trim();
            if (name.contentEquals("host")) {
                h.authority(value);
            } else if (name.contentEquals("transfer-encoding")) {
                chunked = true;
            } else if (name.contentEquals("content-length")) {
                length = Long.parseLong(value);
                h.add(name, value);
            } else if (!NOT_IN_HTTP2.contains(name)) {
                h.add(name, value);
            }
        }
        if (teTrailers) {
            h.set(TE, TRAILERS);
        }
        if (chunked) {
            state = CHUNK_SIZE;
        } else if (length > 0) {
            state = FIXED;
            remaining = length;
        } else {
            state = DONE;
        }
        return h;
    }

    /** Steps through chunk framing: data goes out as DATA frames, the last chunk as an empty one with END_STREAM. */
    private void readChunked(ByteBuf in, List<Http2StreamFrame> out) {
        while (in.isReadable() && state != DONE) {
            if (state == CHUNK_DATA) {
                int n = (int) Math.min(remaining, in.readableBytes());
                out.add(new DefaultHttp2DataFrame(in.readRetainedSlice(n), false));
                remaining -= n;
                if (remaining == 0) {
                    state = CHUNK_DATA_END;
                    skip = 2;
                }
                continue;
            }
            byte c = in.readByte();
            switch (state) {
                case CHUNK_SIZE:
                    int d = Character.digit(c, 16);
                    if (d >= 0) {
                        remaining = remaining * 16 + d;
                    } else {
                        state = CHUNK_LINE_END;
                    }
                    if (c == '\n') {
                        chunkLineEnded();
                    }
                    break;
                case CHUNK_LINE_END:
                    if (c == '\n') {
                        chunkLineEnded();
                    }
                    break;
                case CHUNK_DATA_END:
                    if (--skip == 0) {
                        state = CHUNK_SIZE;
                    }
                    break;
                case TRAILER_LINE_START:
                    if (c == '\n') {
                        state = DONE;
                        out.add(new DefaultHttp2DataFrame(true));
                    } else if (c != '\r') {
                        state = TRAILER_LINE;
                    }
                    break;
                case TRAILER_LINE:
                    if (c == '\n') {
                        state = TRAILER_LINE_START;
                    }
                    break;
                default:
                    throw new IllegalStateException("state " + state);
            }
        }
    }

    private void chunkLineEnded() {
        state = remaining == 0 ? TRAILER_LINE_START : CHUNK_DATA;
    }
}
