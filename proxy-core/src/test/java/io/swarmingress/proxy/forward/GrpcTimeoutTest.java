package io.swarmingress.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code grpc-timeout} as PROTOCOL-HTTP2.md spells it: up to eight digits and a unit; anything else is no deadline. */
class GrpcTimeoutTest {
    @Test
    void everyUnitIsRead() {
        assertThat(GrpcTimeout.nanos("2H")).isEqualTo(TimeUnit.HOURS.toNanos(2));
        assertThat(GrpcTimeout.nanos("3M")).isEqualTo(TimeUnit.MINUTES.toNanos(3));
        assertThat(GrpcTimeout.nanos("10S")).isEqualTo(TimeUnit.SECONDS.toNanos(10));
        assertThat(GrpcTimeout.nanos("300m")).isEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
        assertThat(GrpcTimeout.nanos("99999999u")).isEqualTo(TimeUnit.MICROSECONDS.toNanos(99_999_999));
        assertThat(GrpcTimeout.nanos("5n")).isEqualTo(5);
        assertThat(GrpcTimeout.nanos("0m")).as("a deadline that has passed").isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "m", "10", "10s", "1.5S", "-1S", "123456789S", " 1S", "1 S"})
    void malformedValuesSetNoDeadline(String value) {
        assertThat(GrpcTimeout.nanos(value)).isZero();
    }
}
