package io.swarmingress.proxy.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * One end of a connection of the in-memory data path, played by the test: the client, or an
 * endpoint ({@link EmbeddedUpstream}). What the peer sends reaches the proxy the way a socket's
 * bytes would, and what the proxy writes is read back with {@link #received()}.
 *
 * <p>Unlike a plain {@link EmbeddedChannel}, it behaves like a socket where flow control is
 * concerned, because that is what the proxy's timing depends on:
 * <ul>
 *   <li>bytes sent while the proxy has auto-read off wait here, and arrive on a later turn of the
 *       loop once the proxy reads again. A plain EmbeddedChannel hands them over at once, and runs
 *       queued tasks inside whatever channel operation queued them, so a read would arrive inside
 *       the proxy's own {@code setAutoRead(true)}, an order no socket produces;</li>
 *   <li>a peer that {@link #stopReading() stops reading} leaves what the proxy writes in the
 *       channel's outbound buffer, as a full socket buffer would, so the channel turns unwritable
 *       past its high-water mark and writable again when the peer reads.</li>
 * </ul>
 * A "later turn" is after the test's current action: every method here that acts for the test
 * ends by delivering the reads the proxy asked for meanwhile ({@link #settle()}).
 */
public class EmbeddedPeer extends EmbeddedChannel {
    /** Peers of this thread's loop the proxy asked to read from, with bytes waiting. */
    private static final ThreadLocal<ArrayDeque<EmbeddedPeer>> READS_DUE = ThreadLocal.withInitial(ArrayDeque::new);

    private final ArrayDeque<ByteBuf> unread = new ArrayDeque<>();
    private boolean reading = true;
    private boolean readDue;

    protected EmbeddedPeer(Builder builder) {
        super(builder);
    }

    /**
     * Sends bytes to the proxy, as ISO-8859-1 text: delivered now as one read when the proxy
     * reads, else kept until it reads again.
     */
    public void send(String text) {
        ensureOpen();
        unread.add(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
        deliver();
        settle();
    }

    /** Whether bytes sent are waiting for the proxy to read again. */
    public boolean hasUnread() {
        return !unread.isEmpty();
    }

    /** Everything the proxy wrote to this peer since the last call, as ISO-8859-1 text. */
    public String received() {
        StringBuilder out = new StringBuilder();
        Object msg;
        while ((msg = readOutbound()) != null) {
            ByteBuf b = (ByteBuf) msg;
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return out.toString();
    }

    /** The peer stops reading: what the proxy writes piles up in the channel, which turns unwritable. */
    public void stopReading() {
        reading = false;
    }

    /** The peer reads again: what piled up is taken, and the channel turns writable. */
    public void startReading() {
        reading = true;
        flush();
        runPendingTasks();
        checkException();
        settle();
    }

    /**
     * A later turn of the loop: runs what is queued on it and delivers, peer by peer, the bytes
     * the proxy asked to read, until nothing is left to do.
     */
    static void settle() {
        ArrayDeque<EmbeddedPeer> due = READS_DUE.get();
        EmbeddedPeer peer;
        while ((peer = due.poll()) != null) {
            peer.readDue = false;
            peer.deliver();
        }
    }

    private void deliver() {
        if (unread.isEmpty() || !isActive() || !config().isAutoRead()) {
            return;
        }
        // One read batch, cut short when the proxy turns auto-read off, as Netty's socket read loop is.
        while (!unread.isEmpty() && isActive() && config().isAutoRead()) {
            pipeline().fireChannelRead(unread.poll());
        }
        pipeline().fireChannelReadComplete();
        if (!isActive()) {
            releaseUnread();
        }
        runPendingTasks();
        checkException();
    }

    @Override
    protected void doBeginRead() {
        // (unread is null while the superclass constructor registers the channel.)
        if (unread != null && !unread.isEmpty() && !readDue) {
            readDue = true;
            READS_DUE.get().add(this);
        }
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        if (reading) {
            super.doWrite(in);
        }
    }

    @Override
    protected void doClose() throws Exception {
        releaseUnread();
        super.doClose();
    }

    private void releaseUnread() {
        if (unread == null) {
            return;
        }
        ByteBuf b;
        while ((b = unread.poll()) != null) {
            b.release();
        }
    }
}
