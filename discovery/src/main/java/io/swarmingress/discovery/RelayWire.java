package io.swarmingress.discovery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The follower's side of {@link RelayProtocol} on the wire: the request it sends, the answer's
 * head, and the server-sent events after it, read off a blocking stream. Its own class because
 * how the bytes are read does not depend on which relay sent them: {@link RelayStream} decides
 * which relay to follow, when to give up on it and where to go next, and only hands its socket's
 * stream here, so the parsing reads any stream and the failover never sees a byte.
 *
 * <p>Nothing here times out: the socket's read timeout, set by the caller, is the deadline of
 * every read, and surfaces as a {@link java.net.SocketTimeoutException}.
 */
final class RelayWire {
    /** The longest line read: a state event of a very large swarm, not an endless line. */
    static final int MAX_LINE = 64 * 1024 * 1024;
    private static final int MAX_HEAD_LINES = 100;

    private RelayWire() {
    }

    /**
     * The request for the event stream.
     *
     * @param host the relay's address as people read it, for the {@code Host} header
     * @param authorization the {@code Authorization} header's value, or null
     */
    static String request(String host, String authorization) {
        StringBuilder r = new StringBuilder(160)
                .append("GET ").append(RelayProtocol.PATH).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append("\r\n")
                .append("Accept: ").append(RelayProtocol.CONTENT_TYPE).append("\r\n")
                .append("User-Agent: swarm-ingress-relay\r\n");
        if (authorization != null) {
            r.append("Authorization: ").append(authorization).append("\r\n");
        }
        return r.append("Connection: close\r\n\r\n").toString();
    }

    /** Reads the answer's head; returns its status. */
    static int head(InputStream in) throws IOException {
        String status = line(in, 8192);
        if (status == null || !status.startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP answer: " + (status == null ? "closed" : "'" + shorten(status) + "'"));
        }
        String[] parts = status.split(" ", 3);
        int code;
        try {
            code = Integer.parseInt(parts.length > 1 ? parts[1] : "");
        } catch (NumberFormatException e) {
            throw new IOException("bad status line '" + shorten(status) + "'");
        }
        for (int i = 0; ; i++) {
            String h = line(in, 8192);
            if (h == null) {
                throw new IOException("closed inside the answer's head");
            }
            if (h.isEmpty()) {
                return code;
            }
            if (i > MAX_HEAD_LINES) {
                throw new IOException("an answer head of more than " + MAX_HEAD_LINES + " lines");
            }
        }
    }

    /**
     * Server-sent events: {@code event:} and {@code data:} lines, an empty line ends one. Returns
     * when the stream ends or {@code running} turns false.
     */
    static void events(InputStream in, BooleanSupplier running, RelayStream.Handler handler) throws IOException {
        String event = "message";
        StringBuilder data = new StringBuilder();
        while (running.getAsBoolean()) {
            String l = line(in, MAX_LINE);
            if (l == null) {
                return;
            }
            if (l.isEmpty()) {
                if (data.length() > 0) {
                    dispatch(event, data.toString(), handler);
                }
                event = "message";
                data.setLength(0);
            } else if (l.startsWith("event:")) {
                event = l.substring(6).strip();
            } else if (l.startsWith("data:")) {
                if (data.length() > 0) {
                    data.append('\n');
                }
                data.append(l.substring(l.startsWith("data: ") ? 6 : 5));
            }
            // comments (":") and unknown fields are ignored, as the spec says
        }
    }

    private static void dispatch(String event, String data, RelayStream.Handler handler) throws IOException {
        if (RelayProtocol.STATE.equals(event)) {
            handler.onState(data.getBytes(StandardCharsets.UTF_8));
        } else if (RelayProtocol.ALIVE.equals(event)) {
            JsonNode n = SwarmJson.MAPPER.readTree(data);
            handler.onAlive(SwarmState.instant(n == null ? null : n.get("read_at")));
        }
    }

    /** One line without its CR LF (or LF); null at the end of the stream. */
    static String line(InputStream in, int max) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.UTF_8);
            }
            if (b.size() >= max) {
                throw new IOException("a line longer than " + max + " bytes");
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
    }

    private static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
