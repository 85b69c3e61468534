package io.swarmingress.proxy.wire;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;

/** Writes the lines the proxy adds to a head, in the one form it writes them: lower-case names, CRLF. */
final class HeadWriter {
    static final short CRLF = ('\r' << 8) | '\n';
    private static final byte[] CONTENT_LENGTH = "content-length: ".getBytes(StandardCharsets.US_ASCII);

    private HeadWriter() {
    }

    /** Writes {@code name: value} and CRLF. */
    static void field(ByteBuf out, String lowerName, String value) {
        out.writeCharSequence(lowerName, StandardCharsets.US_ASCII);
        out.writeByte(':').writeByte(' ');
        out.writeCharSequence(value, StandardCharsets.ISO_8859_1);
        out.writeShort(CRLF);
    }

    /** The one Content-Length line a message goes on with, whatever form it came in. */
    static void contentLength(ByteBuf out, long length) {
        out.writeBytes(CONTENT_LENGTH);
        decimal(out, length);
        out.writeShort(CRLF);
    }

    /** Writes a non-negative number in decimal ASCII, without the garbage of {@code Long.toString}. */
    static void decimal(ByteBuf out, long value) {
        if (value >= 10) {
            decimal(out, value / 10);
        }
        out.writeByte('0' + (int) (value % 10));
    }
}
