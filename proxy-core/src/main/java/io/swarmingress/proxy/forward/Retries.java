package io.swarmingress.proxy.forward;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.swarmingress.config.RetryPolicy;
import io.swarmingress.proxy.metrics.ServiceMeters.RetryReason;
import io.swarmingress.proxy.routing.Endpoint;
import io.swarmingress.proxy.routing.Service;

/**
 * The retries of one exchange: whether one more is allowed, and the request body sent so far, kept
 * so it can be sent again to the next endpoint.
 *
 * <p>A connect that failed sent nothing anywhere, so it is retried whatever the method. A reset
 * before the response head, or a 502 or 503 from the endpoint, may follow a request the backend
 * acted on: those retry only idempotent methods (RFC 9110 section 9.2.2), and only the failures
 * the service's policy names. Bodies are kept up to {@link #MAX_REPLAY} bytes; a request whose
 * body went past that cannot be sent again. Each retry takes a place in the service's budget,
 * given back when the exchange ends, except a retry away from an endpoint that is ejected.
 */
final class Retries {
    static final int MAX_REPLAY = 64 * 1024;

    private final RetryPolicy policy;
    private final boolean idempotent;
    private final long hashKey;
    private int done;
    private List<ByteBuf> replay;
    private int replayBytes;
    private boolean replayable = true;
    private int budgetTaken;

    /** @param hashKey the request's key for {@code lb: hash} ({@link Service#hashKey}), kept for where a retry goes */
    Retries(RetryPolicy policy, boolean idempotent, long hashKey) {
        this.policy = policy;
        this.idempotent = idempotent;
        this.hashKey = hashKey;
    }

    /** Keeps a copy of body bytes on their way up, while the body is small enough to send again. */
    void sent(ByteBuf body) {
        if (!replayable || policy.retries() == 0) {
            return;
        }
        replayBytes += body.readableBytes();
        if (replayBytes > MAX_REPLAY) {
            dropReplay();
            return;
        }
        if (replay == null) {
            replay = new ArrayList<>(4);
        }
        replay.add(body.retainedDuplicate());
    }

    /**
     * The endpoint for one more attempt after the failure, or null for none. A connect is not
     * tried again on the endpoint that just refused it; a reset may be (a fresh connection to the
     * same endpoint often succeeds where a pooled one had gone stale). When the answer is an
     * attempt, it is counted and budgeted. Under {@code lb: hash} it is the request's key's next endpoint.
     */
    Endpoint next(RetryReason reason, Service service, Endpoint failed, long now) {
        return next(reason, service, failed, now, reason != RetryReason.CONNECT_FAILURE);
    }

    /**
     * As {@link #next}, but never the endpoint that failed: its peer went silent (its node is
     * likely gone), so a fresh connection to it would only wait for the connect timeout.
     */
    Endpoint nextElsewhere(RetryReason reason, Service service, Endpoint failed, long now) {
        return next(reason, service, failed, now, false);
    }

    private Endpoint next(RetryReason reason, Service service, Endpoint failed, long now, boolean sameAllowed) {
        Endpoint next = service.pickOther(now, failed, hashKey);
        boolean pointless = next == null || (!sameAllowed && next == failed);
        // Away from an endpoint passive health ejected, a retry is the ejection's business: a killed
        // task resets every request it held at once, more than the budget's floor. The budget is for
        // a service failing as a whole; ejection bounds these (max_ejection_percent of a service).
        boolean ejectedAway = next != failed && failed.ejected(now);
        return !pointless && allow(reason, service, !ejectedAway) ? next : null;
    }

    private boolean allow(RetryReason reason, Service service, boolean budgeted) {
        if (done >= policy.retries() || !replayable) {
            return false;
        }
        boolean eligible = reason == RetryReason.CONNECT_FAILURE || (idempotent && policy.on().contains(on(reason)));
        if (!eligible || (budgeted && !service.startRetry())) {
            return false;
        }
        done++;
        if (budgeted) {
            budgetTaken++;
        }
        service.meters().retried(reason);
        return true;
    }

    private static RetryPolicy.On on(RetryReason reason) {
        switch (reason) {
            case STATUS_502:
                return RetryPolicy.On.STATUS_502;
            case STATUS_503:
                return RetryPolicy.On.STATUS_503;
            default:
                return RetryPolicy.On.RESET;
        }
    }

    /** Writes the body sent so far to the next attempt's connection. */
    void resend(UpstreamConnection c) {
        if (replay != null) {
            for (ByteBuf b : replay) {
                c.write(b.retainedDuplicate());
            }
        }
    }

    /** The response started: nothing will be sent again. */
    void responseStarted() {
        dropReplay();
    }

    /** The exchange ended: kept bytes and budget places are given back. */
    void end(Service service) {
        dropReplay();
        while (budgetTaken > 0) {
            budgetTaken--;
            service.retryEnded();
        }
    }

    private void dropReplay() {
        replayable = false;
        if (replay != null) {
            for (ByteBuf b : replay) {
                b.release();
            }
            replay = null;
        }
    }

    /** RFC 9110 section 9.2.2: methods whose repetition has the effect of one request. */
    static boolean idempotent(RequestHead head) {
        return head.methodIs("GET") || head.methodIs("HEAD") || head.methodIs("OPTIONS") || head.methodIs("PUT")
                || head.methodIs("DELETE") || head.methodIs("TRACE");
    }
}
