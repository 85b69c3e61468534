package io.swarmingress.proxy.h2;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * The proxy's own answers to gRPC requests: which requests are gRPC's, the status each HTTP answer
 * maps to, and the trailers-only form with a percent-encoded message.
 */
class GrpcAnswersTest {
    @Test
    void grpcContentTypesAreRecognisedAndOthersAreNot() {
        assertThat(GrpcAnswers.isGrpc("application/grpc")).isTrue();
        assertThat(GrpcAnswers.isGrpc("application/grpc+proto")).isTrue();
        assertThat(GrpcAnswers.isGrpc("Application/GRPC; charset=x")).isTrue();
        assertThat(GrpcAnswers.isGrpc("application/grpc-web")).as("grpc-web is answered in HTTP").isFalse();
        assertThat(GrpcAnswers.isGrpc("application/json")).isFalse();
        assertThat(GrpcAnswers.isGrpc(null)).isFalse();
    }

    @Test
    void httpStatusesMapAsGrpcsTableHasItAndTheProxysDeadlineIsDeadlineExceeded() {
        assertThat(GrpcAnswers.status(504)).isEqualTo(4);
        assertThat(GrpcAnswers.status(502)).isEqualTo(14);
        assertThat(GrpcAnswers.status(503)).isEqualTo(14);
        assertThat(GrpcAnswers.status(404)).isEqualTo(12);
        assertThat(GrpcAnswers.status(400)).isEqualTo(13);
        assertThat(GrpcAnswers.status(403)).isEqualTo(7);
        assertThat(GrpcAnswers.status(500)).isEqualTo(2);
    }

    @Test
    void theAnswerIsTrailersOnlyWithAPercentEncodedMessage() {
        Http2Headers h = GrpcAnswers.trailersOnly(HttpResponseStatus.SERVICE_UNAVAILABLE, "service 'ü' has 100% no endpoints");

        assertThat(h.status()).hasToString("200");
        assertThat(h.get("content-type")).hasToString("application/grpc");
        assertThat(h.get("grpc-status")).hasToString("14");
        assertThat(h.get("grpc-message")).hasToString("503 Service Unavailable: service '%C3%BC' has 100%25 no endpoints");
    }
}
