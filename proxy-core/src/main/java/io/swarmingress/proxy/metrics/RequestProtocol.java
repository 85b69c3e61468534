package io.swarmingress.proxy.metrics;

/**
 * What a counted request spoke, the {@code protocol} label of {@code ingress_requests_total}: four
 * values whatever the traffic, so the label multiplies the series by at most four. gRPC and
 * WebSocket are told apart from the HTTP they ride on because their failures read differently (a
 * gRPC error is an HTTP 200; a WebSocket's 101 is its success).
 */
public enum RequestProtocol {
    HTTP1("http1"),
    H2("h2"),
    WS("ws"),
    GRPC("grpc");

    private final String label;

    RequestProtocol(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
