package io.swarmingress.proxy.forward;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/**
 * What goes into an upstream connection before it has connected: the PROXY header first, then the
 * request bytes the exchange wrote meanwhile. The exchange writes as soon as it has chosen the
 * endpoint, so that a request costs no extra loop turn once the connect completes; the bytes held
 * here are bounded ({@link #full}), and the exchange pauses its client at the bound.
 */
final class ConnectingWrites {
    /** Request bytes held while connecting before the client is paused. */
    static final int MAX_BYTES = 64 * 1024;

    /** The PROXY header, written first once connected; null when none (or once written). */
    private ByteBuf preface;
    private List<ByteBuf> held;
    private int bytes;

    /** The connection starts with {@code header} (owned from now on), ahead of whoever uses it. */
    void preface(ByteBuf header) {
        preface = header;
    }

    void add(ByteBuf msg) {
        if (held == null) {
            held = new ArrayList<>(4);
        }
        held.add(msg);
        bytes += msg.readableBytes();
    }

    /** Whether the exchange should stop writing until the connection is up. */
    boolean full() {
        return bytes >= MAX_BYTES;
    }

    /**
     * Connected: writes the header and, when an exchange still wants them sent, the request bytes;
     * drops the rest. Nothing is flushed.
     *
     * @return whether request bytes were written (the caller flushes them)
     */
    boolean writeTo(Channel channel, boolean request) {
        if (preface != null) {
            // Ahead of everything, whoever uses the connection: the receiver reads it first or not at all.
            channel.write(preface, channel.voidPromise());
            preface = null;
        }
        boolean wrote = false;
        if (request && held != null) {
            for (ByteBuf msg : held) {
                channel.write(msg, channel.voidPromise());
            }
            held = null;
            bytes = 0;
            wrote = true;
        }
        release();
        return wrote;
    }

    /** Drops whatever is still held; safe to call again. */
    void release() {
        if (preface != null) {
            preface.release();
            preface = null;
        }
        if (held != null) {
            for (ByteBuf msg : held) {
                msg.release();
            }
            held = null;
            bytes = 0;
        }
    }
}
