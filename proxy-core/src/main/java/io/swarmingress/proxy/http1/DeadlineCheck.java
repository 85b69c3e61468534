package io.swarmingress.proxy.http1;

import io.netty.channel.ChannelHandlerContext;
import io.swarmingress.proxy.metrics.ConnectionMeters;

/**
 * The check a client connection's one timer ({@link ConnectionTimer}) runs when it fires: the
 * client's deadlines ({@link ClientDeadlines}) and the exchange's are checked, whichever passed is
 * acted on, and the timer is set for the next.
 *
 * <p>Apart from {@link Http1Connection}, which moves bytes, because this is where every deadline
 * of the connection meets its consequence (a close, a 408, a lingering close cut short, the
 * exchange's 504 or cut): read in one place, the rules cannot drift apart per deadline.
 */
final class DeadlineCheck implements Runnable {
    private final Http1Connection connection;

    DeadlineCheck(Http1Connection connection) {
        this.connection = connection;
    }

    @Override
    public void run() {
        ChannelHandlerContext ctx = connection.ctx;
        ClientDeadlines deadlines = connection.deadlines;
        ConnectionTimer timer = connection.timer;
        Http1Request request = connection.request;
        if (!ctx.channel().isActive() || (connection.closing && !deadlines.lingering())) {
            return;
        }
        long now = timer.now();
        long client = deadlines.next(!request.inExchange());
        if (client != Long.MAX_VALUE && now - client >= 0) {
            clientTooSlow(deadlines.kind());
            return;
        }
        if (!connection.closing && request.checkExchangeDeadline(now)) {
            if (ctx.channel().isActive() && !connection.closing) {
                // The connection lives on (keep-alive, a body to drop): it keeps its deadlines.
                timer.fireBy(Math.min(deadlines.next(!request.inExchange()), request.exchangeDeadline()));
            }
            return;
        }
        timer.fireBy(Math.min(client, connection.closing ? Long.MAX_VALUE : request.exchangeDeadline()));
    }

    /** A client deadline passed: the connection is closed, with a 408 when a request was under way and unanswered. */
    private void clientTooSlow(ClientDeadlines.Kind kind) {
        ConnectionMeters meters = connection.entrypoint().meters();
        switch (kind) {
            case LINGER:
                connection.ctx.close();
                break;
            case IDLE:
                meters.timedOut(ConnectionMeters.Deadline.IDLE);
                connection.closing = true;
                connection.ctx.close();
                break;
            case HEADER:
                meters.timedOut(ConnectionMeters.Deadline.HEADER);
                if (connection.deadlines.headHasBytes()) {
                    connection.request.headTooSlow();
                } else {
                    connection.closing = true;
                    connection.ctx.close();
                }
                break;
            default:
                meters.timedOut(ConnectionMeters.Deadline.BODY);
                connection.deadlines.bodyDone();
                connection.request.bodyTooSlow();
                break;
        }
    }
}
