package io.swarmingress.discovery;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/**
 * The relay's wire: {@code GET /v1/swarm-state} answers a server-sent event stream
 * ({@code text/event-stream}, one connection per follower, closed by either side):
 * <pre>
 * event: state                      at once (when the relay has read Swarm), then on each change
 * data: {"format":1,"read_at":"2026-11-30T07:00:00.123Z","services":[...]}      ({@link SwarmState})
 *
 * event: alive                      every {@link #HEARTBEAT}
 * data: {"read_at":"2026-11-30T07:00:10.456Z"}   when the relay last read Swarm (null: not yet)
 * </pre>
 * A follower that hears nothing for its deadline ({@code swarm.api_timeout}) takes the relay for
 * dead and follows another; {@code alive} also tells it how old the state it serves is. Each
 * event's data is one line. The same stream is what {@code curl -N} shows, for people.
 */
public final class RelayProtocol {
    public static final String PATH = "/v1/swarm-state";
    public static final String CONTENT_TYPE = "text/event-stream";
    /** How often a relay says it is alive; a follower's deadline must be a few times longer. */
    public static final Duration HEARTBEAT = Duration.ofSeconds(1);

    static final String STATE = "state";
    static final String ALIVE = "alive";

    private RelayProtocol() {
    }

    /** The event that carries a whole state. */
    public static byte[] stateEvent(SwarmState state) {
        byte[] head = ("event: " + STATE + "\ndata: ").getBytes(StandardCharsets.US_ASCII);
        byte[] json = state.json();
        byte[] out = new byte[head.length + json.length + 2];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(json, 0, out, head.length, json.length);
        out[out.length - 2] = '\n';
        out[out.length - 1] = '\n';
        return out;
    }

    /** The heartbeat, with the time the relay last read Swarm (null before its first read). */
    public static byte[] aliveEvent(Instant readAt) {
        return ("event: " + ALIVE + "\ndata: {\"read_at\":" + (readAt == null ? "null" : "\"" + readAt + "\"") + "}\n\n")
                .getBytes(StandardCharsets.US_ASCII);
    }
}
