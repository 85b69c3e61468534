package io.swarmingress.proxy.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.netty.util.AsciiString;

/**
 * The trailer line of a chunked body being read, checked whole once its CRLF has arrived: a field
 * line (RFC 9112 section 5) whose field may be sent as a trailer at all (RFC 9110 section 6.5.1).
 * A request line posing as a trailer, or a trailer that would frame or route a message, reaches
 * no peer.
 */
final class TrailerLine {
    private static final int MAX_TRAILERS = 16 * 1024;

    private byte[] line = new byte[0];
    private int length;
    private int sectionBytes;

    /** The last chunk was read: the trailer section begins. */
    void startSection() {
        sectionBytes = 0;
        length = 0;
    }

    /** A byte of the line, before its CR. @return null, or what is wrong */
    String add(byte c) {
        if (c != '\t' && ChunkedBody.isControl(c)) {
            return "invalid character in a trailer";
        }
        if (++sectionBytes > MAX_TRAILERS) {
            return "trailers too large";
        }
        if (length == line.length) {
            line = Arrays.copyOf(line, Math.max(64, line.length * 2));
        }
        line[length++] = c;
        return null;
    }

    /** The line's CRLF arrived; a good line goes to {@code to} when there is one. @return null, or what is wrong with the line */
    String end(ChunkedBody.Data to) {
        int n = length;
        length = 0;
        int colon = 0;
        while (colon < n && HeadLines.isToken(line[colon])) {
            colon++;
        }
        if (colon == 0 || colon == n || line[colon] != ':') {
            return "invalid trailer line";
        }
        if (FieldRules.isGuarded(line, 0, colon)) {
            return "a trailer may not be " + new String(line, 0, colon, StandardCharsets.US_ASCII);
        }
        if (to != null) {
            int a = colon + 1;
            int z = n;
            while (a < z && HeadLines.isSpace(line[a])) {
                a++;
            }
            while (z > a && HeadLines.isSpace(line[z - 1])) {
                z--;
            }
            to.trailer(new AsciiString(line, 0, colon, true).toLowerCase(), new AsciiString(line, a, z - a, true));
        }
        return null;
    }
}
