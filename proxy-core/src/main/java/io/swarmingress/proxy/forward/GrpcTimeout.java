package io.swarmingress.proxy.forward;

import java.util.concurrent.TimeUnit;

import io.netty.util.AsciiString;

/**
 * A gRPC client's deadline, as its {@code grpc-timeout} header says it (PROTOCOL-HTTP2.md: one to
 * eight digits and a unit, H M S m u or n). Why the proxy reads it: past the deadline the client
 * has given up, so an exchange still waiting on the endpoint only holds a stream and an endpoint
 * slot; ended by the proxy, the client hears DEADLINE_EXCEEDED at the time it asked for.
 */
final class GrpcTimeout {
    static final AsciiString HEADER = AsciiString.cached("grpc-timeout");

    private GrpcTimeout() {
    }

    /** @return the timeout in nanoseconds, or 0 when there is none or it is malformed (then it is ignored, as by gRPC servers) */
    static long nanos(String value) {
        if (value == null || value.length() < 2 || value.length() > 9) {
            return 0;
        }
        long n = 0;
        for (int i = 0; i < value.length() - 1; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            n = n * 10 + (c - '0');
        }
        TimeUnit unit;
        switch (value.charAt(value.length() - 1)) {
            case 'H':
                unit = TimeUnit.HOURS;
                break;
            case 'M':
                unit = TimeUnit.MINUTES;
                break;
            case 'S':
                unit = TimeUnit.SECONDS;
                break;
            case 'm':
                unit = TimeUnit.MILLISECONDS;
                break;
            case 'u':
                unit = TimeUnit.MICROSECONDS;
                break;
            case 'n':
                unit = TimeUnit.NANOSECONDS;
                break;
            default:
                return 0;
        }
        // A zero deadline has passed already: one nanosecond ends the exchange at the first check.
        return Math.max(1, unit.toNanos(n));
    }
}
