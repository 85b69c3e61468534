package io.swarmingress.proxy.wire;

import io.netty.buffer.ByteBuf;

/**
 * The bytes one read of an upstream connection could not finish with (an incomplete response
 * head, or a chunk size or trailer line not yet checked whole), carried to the next read and
 * read again in front of it.
 *
 * <p>Apart from {@link ResponseFramer} because it is buffer ownership rather than HTTP: who
 * releases which buffer when a read is merged into the carried bytes, and why a trickled head is
 * kept as it is instead of being copied again on every read. Mutable and reused for every read of
 * one connection, like the framer it belongs to.
 */
final class CarriedBytes {
    /** Bytes of an incomplete head, or of a chunk line not yet checked whole, carried to the next read. */
    private ByteBuf partial;
    /** Whether the buffer being read is {@link #partial} with the new read appended. */
    private boolean mergedIn;

    /**
     * The buffer to read now: {@code in} itself when nothing was carried, else the carried bytes
     * with {@code in} appended ({@code in} is released). Either way the caller owns the result.
     */
    ByteBuf merge(ByteBuf in) {
        mergedIn = partial != null;
        if (!mergedIn) {
            return in;
        }
        ByteBuf merged = partial.writeBytes(in);
        partial = null;
        in.release();
        return merged;
    }

    /**
     * Keeps the unread bytes for the next read: an incomplete head, or a chunk size or trailer line
     * not yet checked whole.
     */
    void keep(ByteBuf in) {
        if (mergedIn && in.readerIndex() == 0) {
            // Already our own copy and nothing of it consumed: keep it (the framer's feed releases it,
            // this retain balances that) rather than copy a trickled head again on every read.
            partial = in.retain();
        } else {
            int readable = in.readableBytes();
            partial = in.alloc().heapBuffer(Math.max(1024, readable * 2));
            partial.writeBytes(in);
        }
    }

    /** Drops what was carried: a new response starts, or the current one is given up. */
    void release() {
        if (partial != null) {
            partial.release();
            partial = null;
        }
    }
}
