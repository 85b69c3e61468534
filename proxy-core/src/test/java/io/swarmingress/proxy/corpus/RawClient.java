package io.swarmingress.proxy.corpus;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A client connection on a plain socket that keeps every byte it received, so a test can say
 * exactly what reached the client, and reads responses by their framing (interim heads counted
 * and skipped, Content-Length, chunked, or until the close). Reads wait at most the given timeout:
 * a generous bound on a real socket, never a measurement.
 */
final class RawClient implements AutoCloseable {
    /** How a read ended when it did not return a response. */
    enum End { EOF, RESET, TIMEOUT }

    record Response(int interim, String statusLine, List<String> headers, byte[] body) {
        String header(String lowerName) {
            for (String h : headers) {
                int colon = h.indexOf(':');
                if (colon > 0 && h.substring(0, colon).toLowerCase(Locale.ROOT).equals(lowerName)) {
                    return h.substring(colon + 1).trim();
                }
            }
            return null;
        }

        boolean closes() {
            String c = header("connection");
            return c != null && c.toLowerCase(Locale.ROOT).contains("close");
        }

        String bodyText() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    /** The response could not be read to its end. */
    static final class Incomplete extends IOException {
        final End end;

        Incomplete(End end, String message) {
            super(message);
            this.end = end;
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    RawClient(int port, Duration readTimeout) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout((int) readTimeout.toMillis());
        in = socket.getInputStream();
    }

    void send(String latin1) throws IOException {
        socket.getOutputStream().write(latin1.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /** Everything this connection received so far. */
    byte[] received() {
        return received.toByteArray();
    }

    String receivedText() {
        return new String(received(), StandardCharsets.ISO_8859_1);
    }

    /**
     * Reads one response; 1xx heads before it are counted, not returned.
     *
     * @param toHead whether it answers a HEAD request (no body whatever the head says)
     * @throws Incomplete when the connection ends or the timeout passes first
     */
    Response readResponse(boolean toHead) throws IOException {
        int interim = 0;
        while (true) {
            String status = line();
            List<String> headers = new ArrayList<>();
            String h;
            while (!(h = line()).isEmpty()) {
                headers.add(h);
            }
            String[] parts = status.split(" ", 3);
            int code = parts.length > 1 && parts[1].matches("\\d{3}") ? Integer.parseInt(parts[1]) : -1;
            if (code >= 100 && code < 200 && code != 101) {
                interim++;
                continue;
            }
            Response head = new Response(interim, status, headers, new byte[0]);
            byte[] body;
            String te = head.header("transfer-encoding");
            String cl = head.header("content-length");
            if (toHead || code == 204 || code == 304 || code == 101) {
                body = new byte[0];
            } else if (te != null && te.toLowerCase(Locale.ROOT).endsWith("chunked")) {
                body = chunked();
            } else if (te == null && cl != null && cl.matches("\\d{1,9}")) {
                body = exactly(Integer.parseInt(cl));
            } else {
                body = readToEnd().bytes();
            }
            return new Response(interim, status, headers, body);
        }
    }

    /**
     * Reads one head, interim (1xx) or final, without its body: for a client that waits for a
     * {@code 100 Continue} before it sends its body.
     */
    Response readHead() throws IOException {
        String status = line();
        List<String> headers = new ArrayList<>();
        String h;
        while (!(h = line()).isEmpty()) {
            headers.add(h);
        }
        return new Response(0, status, headers, new byte[0]);
    }

    /** Bytes read until the connection ended or the timeout passed, and how it ended. */
    record Rest(byte[] bytes, End end) {
    }

    /** Reads until the peer closes (or resets, or the timeout passes). */
    Rest readToEnd() throws IOException {
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                received.write(buf, 0, n);
                rest.write(buf, 0, n);
            }
            return new Rest(rest.toByteArray(), End.EOF);
        } catch (SocketTimeoutException e) {
            return new Rest(rest.toByteArray(), End.TIMEOUT);
        } catch (SocketException e) {
            return new Rest(rest.toByteArray(), End.RESET);
        }
    }

    private byte[] chunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = line();
            body.writeBytes((size + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            int semi = size.indexOf(';');
            int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
            if (n == 0) {
                String trailer;
                while (!(trailer = line()).isEmpty()) {
                    body.writeBytes((trailer + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                }
                body.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                return body.toByteArray();
            }
            body.writeBytes(exactly(n + 2));
        }
    }

    private byte[] exactly(int n) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (out.size() < n) {
            out.write(readByte());
        }
        return out.toByteArray();
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int c = readByte();
            if (previous == '\r' && c == '\n') {
                byte[] a = b.toByteArray();
                return new String(a, 0, a.length - 1, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
            previous = c;
        }
    }

    private int readByte() throws IOException {
        int c;
        try {
            c = in.read();
        } catch (SocketTimeoutException e) {
            throw new Incomplete(End.TIMEOUT, "no complete response within the read timeout");
        } catch (SocketException e) {
            throw new Incomplete(End.RESET, "connection reset: " + e.getMessage());
        }
        if (c < 0) {
            throw new Incomplete(End.EOF, "connection closed before a complete response");
        }
        received.write(c);
        return c;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
