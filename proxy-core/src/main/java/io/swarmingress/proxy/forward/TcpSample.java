package io.swarmingress.proxy.forward;

/**
 * What the kernel knows of one upstream connection's sending side ({@code TCP_INFO}), as far as it
 * tells a peer that is gone from one that is only slow.
 *
 * <p>A live peer's kernel acknowledges what arrives within a delayed-ACK time (tens of
 * milliseconds), whether or not its application reads it: a backend that is slow to answer, or
 * one that stops reading a body (it then advertises a zero window, and the bytes held back are not
 * in flight), keeps acknowledging. A peer whose node died, or whose link was cut, sends nothing at
 * all: no FIN, no RST, no ACK. So bytes in flight that the kernel has already retransmitted, with
 * no ACK at all for as long as a connect may take, mean the peer is not there to read the request.
 *
 * @param unacked segments sent and not acknowledged ({@code tcpi_unacked})
 * @param retransmits retransmissions of the oldest of them without an ACK in between
 *                    ({@code tcpi_retransmits}; the kernel's own verdict that a segment was lost)
 * @param lastAckRecvMillis milliseconds since the last ACK arrived ({@code tcpi_last_ack_recv})
 */
record TcpSample(long unacked, int retransmits, long lastAckRecvMillis) {
    TcpSample {
        if (unacked < 0 || retransmits < 0 || lastAckRecvMillis < 0) {
            throw new IllegalArgumentException("unacked: " + unacked + ", retransmits: " + retransmits
                    + ", last_ack_recv: " + lastAckRecvMillis + " (expected: >= 0)");
        }
    }

    /**
     * Whether the peer has been silent for {@code thresholdMillis}: bytes of ours are in flight and
     * were retransmitted, and nothing was acknowledged for that long.
     */
    boolean peerSilentFor(long thresholdMillis) {
        return unacked > 0 && retransmits > 0 && lastAckRecvMillis >= thresholdMillis;
    }

    /**
     * Whether the peer has said nothing for {@code thresholdMillis} although it owes us nothing in
     * return: all of ours was acknowledged, and nothing came since. A backend slow to answer looks
     * like this, and so does one whose node died right after its kernel acknowledged the request:
     * only a question to its kernel tells them apart ({@link KeepaliveQuestion}).
     */
    boolean peerQuietFor(long thresholdMillis) {
        return unacked == 0 && lastAckRecvMillis >= thresholdMillis;
    }
}
