package io.swarmingress.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The verdict of {@link SilentPeerProbe} on samples of TCP_INFO as the kernel reports them in each
 * case (the threshold is the service's connect timeout, here 2 s).
 */
class TcpSampleTest {
    private static final long THRESHOLD = 2000;

    @Test
    void aPeerThatAcknowledgesNothingWhileItsSegmentIsRetransmittedIsSilent() {
        // A lost node: the request's segment in flight, retransmitted with backoff, no ACK since before it was sent.
        assertThat(new TcpSample(1, 3, 2004).peerSilentFor(THRESHOLD)).isTrue();
        assertThat(new TcpSample(4, 1, THRESHOLD).peerSilentFor(THRESHOLD)).as("exactly the threshold").isTrue();
    }

    @Test
    void aSlowBackendAcknowledgedTheRequestAndIsNotSilent() {
        // It took the request at once (nothing in flight) and has not answered for 10 s.
        assertThat(new TcpSample(0, 0, 10_000).peerSilentFor(THRESHOLD)).isFalse();
    }

    @Test
    void aBackendThatStopsReadingAdvertisesAZeroWindowAndIsNotSilent() {
        // Bytes wait in our send queue, none in flight; zero-window probes are not retransmissions.
        assertThat(new TcpSample(0, 0, 30_000).peerSilentFor(THRESHOLD)).isFalse();
    }

    @Test
    void anAckWithinTheThresholdMeansThePeerIsThere() {
        // A lossy link: a segment was retransmitted, but the peer acknowledged something 300 ms ago.
        assertThat(new TcpSample(2, 1, 300).peerSilentFor(THRESHOLD)).isFalse();
        assertThat(new TcpSample(1, 5, THRESHOLD - 1).peerSilentFor(THRESHOLD)).isFalse();
    }

    @Test
    void withoutARetransmissionTheKernelHasNotGivenTheSegmentUpYet() {
        // A long round trip (its RTO beyond the threshold): not judged until the kernel itself retransmits.
        assertThat(new TcpSample(1, 0, 2500).peerSilentFor(THRESHOLD)).isFalse();
    }

    @Test
    void aPeerThatTookTheWholeRequestAndSaysNothingIsQuietAndWorthAQuestion() {
        // Slow or gone right after its kernel acknowledged the request: only a keepalive probe tells.
        assertThat(new TcpSample(0, 0, 2004).peerQuietFor(THRESHOLD)).isTrue();
        assertThat(new TcpSample(0, 0, 2004).peerSilentFor(THRESHOLD)).as("not judged gone on this alone").isFalse();
        assertThat(new TcpSample(0, 0, 300).peerQuietFor(THRESHOLD)).as("heard from 300 ms ago").isFalse();
        assertThat(new TcpSample(1, 2, 2004).peerQuietFor(THRESHOLD)).as("bytes in flight: the retransmissions tell")
                .isFalse();
    }

    @Test
    void negativeFieldsAreRefused() {
        assertThatThrownBy(() -> new TcpSample(-1, 0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unacked: -1");
        assertThatThrownBy(() -> new TcpSample(0, -1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TcpSample(0, 0, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
