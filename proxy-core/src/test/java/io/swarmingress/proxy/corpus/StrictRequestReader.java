package io.swarmingress.proxy.corpus;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads requests as a strict server does, so the corpus sees what a careful backend would make of
 * the bytes the proxy sent: lines end only at CRLF (a lone LF is part of the line), a
 * Transfer-Encoding line means a chunked body read by CRLF lines, else Content-Length counts.
 * Anything it cannot read is an {@link IllegalArgumentException}.
 */
final class StrictRequestReader {
    private StrictRequestReader() {
    }

    /** @return the next request, or null at the end of the stream */
    static RawBackend.Request read(InputStream in, int connection) throws IOException {
        String line;
        do {
            line = crlfLine(in);
            if (line == null) {
                return null;
            }
        } while (line.isEmpty());
        List<String> headers = new ArrayList<>();
        String h;
        while ((h = crlfLine(in)) != null && !h.isEmpty()) {
            headers.add(h);
        }
        if (h == null) {
            throw new IllegalArgumentException("head cut short");
        }
        boolean chunked = false;
        long length = 0;
        for (String header : headers) {
            String lower = header.toLowerCase(Locale.ROOT);
            chunked |= lower.startsWith("transfer-encoding:");
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(lower.substring(15).trim());
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            readChunked(in, body);
        } else {
            byte[] b = in.readNBytes((int) length);
            if (b.length < length) {
                throw new IllegalArgumentException("body cut short");
            }
            body.writeBytes(b);
        }
        return new RawBackend.Request(connection, line, List.copyOf(headers), body.toByteArray());
    }

    private static void readChunked(InputStream in, ByteArrayOutputStream body) throws IOException {
        while (true) {
            String size = crlfLine(in);
            if (size == null) {
                throw new IllegalArgumentException("chunked body cut short");
            }
            body.writeBytes((size + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            int semi = size.indexOf(';');
            long n = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
            if (n == 0) {
                String trailer;
                while ((trailer = crlfLine(in)) != null && !trailer.isEmpty()) {
                    body.writeBytes((trailer + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                }
                body.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                return;
            }
            byte[] data = in.readNBytes((int) n + 2);
            if (data.length < n + 2 || data[(int) n] != '\r' || data[(int) n + 1] != '\n') {
                throw new IllegalArgumentException("chunk data not followed by CRLF");
            }
            body.writeBytes(data);
        }
    }

    /** A line ended by CRLF (a lone LF is part of the line, as in strict servers), or null at the end. */
    static String crlfLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int previous = -1;
        int c;
        while ((c = in.read()) != -1) {
            if (previous == '\r' && c == '\n') {
                byte[] a = b.toByteArray();
                return new String(a, 0, a.length - 1, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
            previous = c;
        }
        if (b.size() > 0) {
            throw new IllegalArgumentException("line cut short");
        }
        return null;
    }

}
