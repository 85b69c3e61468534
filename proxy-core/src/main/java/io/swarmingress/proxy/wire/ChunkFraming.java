package io.swarmingress.proxy.wire;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Chunked framing (RFC 9112 section 7.1) for a body that arrives without it: an HTTP/2 request
 * body of unknown length, sent to an HTTP/1.1 upstream. Each chunk's size line carries the CRLF
 * that ends the previous chunk's data, so a chunk costs one small write besides its data.
 */
public final class ChunkFraming {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LAST = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private ChunkFraming() {
    }

    /**
     * The line before a chunk of {@code size} bytes (above zero).
     *
     * @param first whether it is the body's first chunk (else the previous chunk's data is ended first)
     */
    public static ByteBuf sizeLine(ByteBufAllocator alloc, int size, boolean first) {
        ByteBuf out = alloc.buffer(12);
        if (!first) {
            out.writeShort(HeadWriter.CRLF);
        }
        int shift = 28;
        while (shift > 0 && (size >>> shift) == 0) {
            shift -= 4;
        }
        for (; shift >= 0; shift -= 4) {
            out.writeByte(HEX[(size >>> shift) & 0xf]);
        }
        out.writeShort(HeadWriter.CRLF);
        return out;
    }

    /**
     * The end of the body: the last chunk and an empty trailer section.
     *
     * @param afterData whether a chunk's data precedes it (it is ended first)
     */
    public static ByteBuf last(ByteBufAllocator alloc, boolean afterData) {
        ByteBuf out = alloc.buffer(7);
        if (afterData) {
            out.writeShort(HeadWriter.CRLF);
        }
        out.writeBytes(LAST);
        return out;
    }
}
