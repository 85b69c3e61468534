package io.swarmingress.proxy.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The client bytes of a connection not parsed yet: a partial head, or requests pipelined behind
 * the current one. Reads are appended in place when the buffer is ours alone and has room, else
 * into one twice as large: a client trickling a head byte by byte costs linear copying, not
 * quadratic. Slices of an old buffer (body bytes already sent on) stay valid.
 */
final class Unparsed {
    private ByteBuf bytes;

    /** Takes ownership of {@code in}. */
    void add(ByteBuf in, ByteBufAllocator alloc) {
        if (bytes == null) {
            bytes = in;
            return;
        }
        if (!bytes.isReadable()) {
            bytes.release();
            bytes = in;
            return;
        }
        int needed = in.readableBytes();
        if (bytes.refCnt() == 1 && !bytes.isReadOnly() && bytes.writableBytes() >= needed) {
            bytes.writeBytes(in);
            in.release();
            return;
        }
        ByteBuf grown = alloc.buffer(Math.max(1024, 2 * (bytes.readableBytes() + needed)));
        grown.writeBytes(bytes).writeBytes(in);
        bytes.release();
        in.release();
        bytes = grown;
    }

    /** The bytes to parse from, or null when there are none. */
    ByteBuf bytes() {
        return bytes;
    }

    boolean any() {
        return bytes != null;
    }

    boolean isReadable() {
        return bytes != null && bytes.isReadable();
    }

    int readable() {
        return bytes == null ? 0 : bytes.readableBytes();
    }

    void release() {
        if (bytes != null) {
            bytes.release();
            bytes = null;
        }
    }
}
