package io.swarmingress.proxy.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.netty.buffer.ByteBuf;

/**
 * The lines of one HTTP/1.1 message head, found in place in the buffer they arrived in: start
 * and end of each line, where each header name ends, and whether the line goes on. Requests and
 * responses are both read this way, so neither is turned into header objects only to be written
 * out again; the proxy copies the lines it keeps and adds its own.
 *
 * <p>Once found, a head is copied into a byte array this object keeps (a few hundred bytes, one
 * copy) and read from there: checking it byte by byte through {@code ByteBuf.getByte}, with an
 * index and reference-count check on every byte, was the largest single cost in a profile of the
 * keep-alive benchmark. Line positions are indexes into {@link #bytes}; {@link #headEnd} is an
 * index into the buffer the head came from, where its body starts.
 */
final class HeadLines {
    /** What becomes of a header line when the head is written out again: copied as it came... */
    static final byte KEEP = 0;
    /** ...left out (hop-by-hop, set by the proxy, or written again in canonical form)... */
    static final byte DROP = 1;
    /** ...or folded into the X-Forwarded-For line the proxy writes, when the peer is trusted... */
    static final byte FORWARDED_FOR = 2;
    /**
     * ...or a claim about the client that only a trusted peer may make, copied from such a peer
     * and dropped otherwise: X-Forwarded-Proto, -Host, -Port, Forwarded, X-Real-IP. The writer
     * keeps a bit per kind ({@code 1 << flag}) to know which of its own lines to leave out.
     */
    static final byte CLAIM_PROTO = 3;
    static final byte CLAIM_HOST = 4;
    static final byte CLAIM_PORT = 5;
    static final byte CLAIM_FORWARDED = 6;
    static final byte CLAIM_REAL_IP = 7;
    /** Another field in which a peer speaks for the client: its scheme, address or original path. */
    static final byte CLAIM_OTHER = 8;

    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
            TOKEN[Character.toUpperCase(c)] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    private static final byte[] NONE = new byte[0];

    /** A head this long or shorter, in this many lines or fewer, is a usual one ({@link RequestParser#holdsLittle}). */
    static final int SMALL_HEAD = 8192;
    static final int SMALL_LINES = 64;

    /** The head just found: {@link #length} bytes from index 0. */
    byte[] bytes = NONE;
    int length;
    int[] start = new int[32];
    int[] end = new int[32];
    int[] nameEnd = new int[32];
    byte[] flags = new byte[32];
    /** Lines including the first (request or status) line. */
    int count;
    /** Index in the scanned buffer just past the empty line that ends the head. */
    int headEnd;
    // where an incomplete head's scan resumes, relative to its first byte
    private boolean fresh = true;
    private int lineFrom;
    private int searchFrom;
    private int skipped;

    /**
     * Finds the lines of a head that starts at the reader index. Empty lines before it are skipped
     * (RFC 9112 section 2.2), and lines may end in LF alone (the proxy writes every head out again
     * with CRLF). When the head is incomplete, the next call carries on where this one stopped, as
     * long as the head still starts at the reader index: a head trickled in byte by byte is
     * scanned once, not once per read.
     *
     * @param limit the largest head, in bytes from its first line
     * @return 1 when the head is complete, 0 when more bytes are needed, -1 when it has more than
     *         {@code maxLines} lines (empty lines before it count)
     */
    int scan(ByteBuf in, int limit, int maxLines) {
        if (fresh) {
            count = 0;
            lineFrom = 0;
            searchFrom = 0;
            skipped = 0;
            fresh = false;
        }
        int base = in.readerIndex();
        int to = Math.min(in.writerIndex(), base + limit);
        int pos = base + lineFrom;
        int search = base + searchFrom;
        while (search < to) {
            int lf = in.indexOf(search, to, (byte) '\n');
            if (lf < 0) {
                search = to;
                break;
            }
            int lineEnd = lf > pos && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
            if (lineEnd == pos) {
                if (count == 0) {
                    if (++skipped > maxLines) {
                        fresh = true;
                        return -1;
                    }
                    base = lf + 1;
                    in.readerIndex(base);
                    to = Math.min(in.writerIndex(), base + limit);
                    pos = base;
                    search = base;
                    continue;
                }
                headEnd = lf + 1;
                copy(in, base);
                fresh = true;
                return 1;
            }
            if (count == maxLines) {
                fresh = true;
                return -1;
            }
            add(pos - base, lineEnd - base);
            pos = lf + 1;
            search = pos;
        }
        lineFrom = pos - base;
        searchFrom = search - base;
        return 0;
    }

    /** Forgets a partly scanned head: the next scan starts afresh. */
    void reset() {
        fresh = true;
    }

    private void copy(ByteBuf in, int base) {
        length = headEnd - base;
        if (bytes.length < length || (bytes.length > SMALL_HEAD && length <= 1024)) {
            // Grown for a large head, then back to small: an idle keep-alive connection keeps little.
            bytes = new byte[Math.max(512, length)];
        }
        in.getBytes(base, bytes, 0, length);
    }

    int indexOf(int from, int to, byte value) {
        for (int p = from; p < to; p++) {
            if (bytes[p] == value) {
                return p;
            }
        }
        return -1;
    }

    private void add(int s, int e) {
        if (count == start.length) {
            int n = count * 2;
            start = Arrays.copyOf(start, n);
            end = Arrays.copyOf(end, n);
            nameEnd = Arrays.copyOf(nameEnd, n);
            flags = Arrays.copyOf(flags, n);
        }
        start[count] = s;
        end[count] = e;
        nameEnd[count] = -1;
        flags[count] = KEEP;
        count++;
    }

    /**
     * Checks header line {@code i} and finds its name: a token, then a colon with no space
     * before it (RFC 9112 section 5.1); no folding; no CR, NUL or other control byte in the value (obs-text, bytes
     * from 0x80, is allowed).
     *
     * @return null, or what is wrong
     */
    String checkHeader(int i) {
        int ls = start[i];
        int le = end[i];
        byte first = bytes[ls];
        if (first == ' ' || first == '\t') {
            return "folded header line";
        }
        int colon = -1;
        boolean underscore = false;
        for (int p = ls; p < le; p++) {
            byte c = bytes[p];
            if (c == ':') {
                colon = p;
                break;
            }
            if (c < 0 || !TOKEN[c]) {
                return "invalid header name";
            }
            underscore |= c == '_';
        }
        if (colon <= ls) {
            return "invalid header line";
        }
        for (int p = colon + 1; p < le; p++) {
            byte c = bytes[p];
            if ((c >= 0 && c < ' ' && c != '\t') || c == 0x7f) {
                return "invalid character in a header value";
            }
        }
        nameEnd[i] = colon;
        if (underscore && FieldRules.isUnderscoreAlias(bytes, ls, colon)) {
            return "invalid header name " + new String(bytes, ls, colon - ls, StandardCharsets.US_ASCII);
        }
        return null;
    }

    int nameLength(int i) {
        return nameEnd[i] - start[i];
    }

    /** Whether line i's name is {@code lowerName}, ignoring case; the length is compared first. */
    boolean nameIs(int i, String lowerName) {
        return nameLength(i) == lowerName.length() && equalsIgnoreCase(start[i], nameEnd[i], lowerName);
    }

    int valueStart(int i) {
        int p = nameEnd[i] + 1;
        int e = end[i];
        while (p < e && isSpace(bytes[p])) {
            p++;
        }
        return p;
    }

    /** Where line i's value ends, trailing whitespace left out; never before {@link #valueStart}. */
    int valueEnd(int i) {
        int s = valueStart(i);
        int e = end[i];
        while (e > s && isSpace(bytes[e - 1])) {
            e--;
        }
        return e;
    }

    String value(int i) {
        int s = valueStart(i);
        return new String(bytes, s, valueEnd(i) - s, StandardCharsets.ISO_8859_1);
    }

    /** How many lines name {@code lowerName}. */
    int count(CharSequence lowerName) {
        int n = 0;
        for (int i = 1; i < count; i++) {
            if (nameLength(i) == lowerName.length() && equalsIgnoreCase(start[i], nameEnd[i], lowerName)) {
                n++;
            }
        }
        return n;
    }

    /** The value of the first header named {@code lowerName}, or null. */
    String get(CharSequence lowerName) {
        for (int i = 1; i < count; i++) {
            if (nameLength(i) == lowerName.length() && equalsIgnoreCase(start[i], nameEnd[i], lowerName)) {
                return value(i);
            }
        }
        return null;
    }

    /** The Content-Length value of line i, or -1 when it is not one (see {@link FieldRules#contentLength}). */
    long contentLength(int i) {
        return FieldRules.contentLength(bytes, valueStart(i), valueEnd(i));
    }

    /** What the Transfer-Encoding line i says (see {@link FieldRules#transferCoding}). */
    FieldRules.Coding transferCoding(int i) {
        return FieldRules.transferCoding(bytes, valueStart(i), valueEnd(i));
    }

    boolean equalsIgnoreCase(int s, int e, CharSequence lower) {
        if (e - s != lower.length()) {
            return false;
        }
        for (int k = 0; k < lower.length(); k++) {
            if (lower(bytes[s + k]) != lower.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** Whether bytes [s, e) are exactly the characters of {@code ascii}. */
    boolean equalsAscii(int s, int e, String ascii) {
        if (ascii == null || e - s != ascii.length()) {
            return false;
        }
        for (int k = 0; k < ascii.length(); k++) {
            if (bytes[s + k] != ascii.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** Copies line i and a CRLF. */
    void copyLine(int i, ByteBuf out) {
        out.writeBytes(bytes, start[i], end[i] - start[i]);
        out.writeShort(HeadWriter.CRLF);
    }

    static int lower(byte c) {
        return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
    }

    static boolean isSpace(byte c) {
        return c == ' ' || c == '\t';
    }

    static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    static boolean isToken(byte c) {
        return c >= 0 && TOKEN[c];
    }
}
