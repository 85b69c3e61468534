package io.swarmingress.proxy.chaos;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Locale;

/**
 * Reads whole HTTP/1.1 responses off one client socket, by their framing (Content-Length,
 * chunked, or the end of the connection), within a deadline. A response counts only when it was
 * read to its last byte: a connection that ends inside one is a failure, never a partial success.
 * Written out rather than borrowed from an HTTP client library because those retry and reconnect
 * behind the caller's back, and this client must see every failure.
 */
final class ResponseReader {
    private static final int MAX_LINE = 16 * 1024;

    /** A response read to its end. */
    record Response(int status, boolean close, long bodyBytes) {
    }

    private final Socket socket;
    private final InputStream in;
    private final byte[] buf = new byte[16 * 1024];
    private int pos;
    private int limit;
    private long deadlineNanos;

    ResponseReader(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    /**
     * Whether the server ended (or wrote to) this idle connection: checked before a request is
     * written to a kept-alive connection, as curl and browsers do, so a connection closed while
     * idle costs a reconnect and not a request.
     */
    boolean closedWhileIdle() throws IOException {
        if (pos < limit) {
            return true;
        }
        socket.setSoTimeout(1);
        try {
            int n = in.read(buf, 0, buf.length);
            if (n > 0) {
                limit = n;
                pos = 0;
            }
            return true;
        } catch (SocketTimeoutException quiet) {
            return false;
        }
    }

    /**
     * @param headRequest the response has no body whatever its headers say
     * @throws SocketTimeoutException past the deadline
     * @throws EOFException when the connection ends before the response does
     */
    Response read(long deadline, boolean headRequest) throws IOException {
        this.deadlineNanos = deadline;
        String statusLine;
        int status;
        long contentLength;
        boolean chunked;
        boolean close;
        boolean first = true;
        do {
            try {
                statusLine = line();
            } catch (EOFException e) {
                throw first ? new EOFException("connection closed before any byte of a response") : e;
            }
            first = false;
            if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
                throw new IOException("not a status line: '" + statusLine + "'");
            }
            status = Integer.parseInt(statusLine.substring(9, 12));
            close = statusLine.startsWith("HTTP/1.0");
            contentLength = -1;
            chunked = false;
            String field;
            while (!(field = line()).isEmpty()) {
                int colon = field.indexOf(':');
                if (colon <= 0) {
                    throw new IOException("not a header field: '" + field + "'");
                }
                String name = field.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = field.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
                switch (name) {
                    case "content-length" -> contentLength = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.endsWith("chunked");
                    case "connection" -> close = value.contains("close") ? true : value.contains("keep-alive") ? false : close;
                    default -> {
                    }
                }
            }
        } while (status >= 100 && status < 200);
        long body;
        if (headRequest || status == 204 || status == 304) {
            body = 0;
        } else if (chunked) {
            body = chunkedBody();
        } else if (contentLength >= 0) {
            skip(contentLength);
            body = contentLength;
        } else {
            body = untilClose();
            close = true;
        }
        return new Response(status, close, body);
    }

    private long chunkedBody() throws IOException {
        long total = 0;
        while (true) {
            String sizeLine = line();
            int semi = sizeLine.indexOf(';');
            long size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
            if (size == 0) {
                while (!line().isEmpty()) {
                    // trailer fields
                }
                return total;
            }
            skip(size);
            total += size;
            if (!line().isEmpty()) {
                throw new IOException("chunk not followed by CRLF");
            }
        }
    }

    private void skip(long n) throws IOException {
        while (n > 0) {
            if (pos == limit && fill() < 0) {
                throw new EOFException("connection closed " + n + " bytes before the end of the body");
            }
            int take = (int) Math.min(n, limit - pos);
            pos += take;
            n -= take;
        }
    }

    private long untilClose() throws IOException {
        long total = limit - pos;
        pos = limit;
        int n;
        while ((n = fill()) >= 0) {
            total += n;
            pos = limit;
        }
        return total;
    }

    private String line() throws IOException {
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos == limit && fill() < 0) {
                throw new EOFException("connection closed inside a response head");
            }
            byte c = buf[pos++];
            if (c == '\n') {
                int len = b.length();
                return len > 0 && b.charAt(len - 1) == '\r' ? b.substring(0, len - 1) : b.toString();
            }
            if (b.length() >= MAX_LINE) {
                throw new IOException("line longer than " + MAX_LINE);
            }
            b.append((char) (c & 0xff));
        }
    }

    /** @return bytes read, or -1 at the end of the connection */
    private int fill() throws IOException {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("no complete response in time");
        }
        socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
            return -1;
        }
        pos = 0;
        limit = n;
        return n;
    }
}
