package io.swarmingress.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.util.AsciiString;

/**
 * Walks a chunked body (RFC 9112 section 7.1) to find where it ends, without copying it: chunk
 * sizes, extensions, data and trailers are stepped over as they arrive, however the reads split
 * them. The caller passes the walked bytes on as they are, or only the data when it must remove
 * the framing.
 *
 * <p>Strict, because the bytes go on as they are: every line must end in CRLF, a size has at most
 * 16 hex digits (leading zeros count: a reader that keeps fewer digits would see another size),
 * extensions follow their grammar (RFC 9112 section 7.1.1, quoted strings included), and each
 * trailer is a well-formed field line whose name may be a trailer at all. A lone LF, an
 * unterminated quote or a request line posing as a trailer, accepted here but read otherwise by
 * the peer, would let the two see different message boundaries: a request smuggled inside a body
 * (the "TERM.EXT" family, and trailers that reach a backend as a request of their own).
 */
final class ChunkedBody {
    /** Where {@link #walk} stopped. */
    static final int MORE = 0;
    static final int DONE = 1;
    static final int ERROR = -1;

    private static final int MAX_CHUNK_LINE = 4 * 1024;
    private static final int MAX_TRAILERS = 16 * 1024;
    /** Digits of a size line, leading zeros included; and significant ones, so the size fits a long with room. */
    private static final int MAX_SIZE_DIGITS = 16;
    private static final int MAX_SIGNIFICANT_DIGITS = 15;

    private static final int SIZE = 0;
    private static final int SIZE_LF = 1;
    private static final int DATA = 2;
    private static final int DATA_CR = 3;
    private static final int DATA_LF = 4;
    private static final int TRAILER_START = 5;
    private static final int TRAILER_LINE = 6;
    private static final int TRAILER_LF = 7;
    private static final int END_LF = 8;
    /** Whitespace after the size or an extension: only a ';' may follow. */
    private static final int BWS = 9;
    private static final int EXT_NAME_START = 10;
    private static final int EXT_NAME = 11;
    private static final int EXT_AFTER_NAME = 12;
    private static final int EXT_VALUE_START = 13;
    private static final int EXT_TOKEN_VALUE = 14;
    private static final int EXT_QUOTED = 15;
    private static final int EXT_QUOTED_ESCAPE = 16;
    /** Just after a quoted value: ';', whitespace or the end of the line. */
    private static final int EXT_END = 17;

    /** Receives the data of each chunk, and each trailer field, when the framing is being removed. */
    interface Data {
        void data(ByteBuf in, int index, int length);

        /**
         * A trailer field, its line checked whole. Why it is told: a client that takes fields
         * (HTTP/2) gets trailers as a HEADERS frame of their own, and gRPC's status travels in them.
         */
        default void trailer(AsciiString lowerName, AsciiString value) {
        }
    }

    private int state;
    private long size;
    private int digits;
    private int significant;
    private long remaining;
    private int lineBytes;
    private final TrailerLine trailer = new TrailerLine();
    /** Told of each trailer line during a walk that removes the framing; null otherwise. */
    private Data trailers;
    private String error;
    private int position;
    /** Where the size or trailer line being read started: a walk that ends inside a line stops there. */
    private int lineStart;
    /** Bytes of a held-back line already walked: the next walk goes on after them, not from the line's start. */
    private int heldWalked;

    void reset() {
        nextChunk();
        error = null;
        heldWalked = 0;
    }

    /** What was wrong, after {@link #walk} returned {@link #ERROR}. */
    String error() {
        return error;
    }

    /** Where the last walk stopped: the end of the body, or of what was readable. */
    int position() {
        return position;
    }

    /**
     * Steps over {@code in} from {@code from} to its writer index. A walk that ends inside a chunk
     * size line or a trailer line reports the start of that line as its {@link #position()}: the
     * caller passes on only what lies before it and keeps the rest, and the next walk must start
     * there ({@code from}) with those bytes still in front of the new ones. So no line reaches the
     * peer before it has been checked whole.
     *
     * @param data null to only walk, else told where each chunk's data is
     * @return {@link #DONE} with {@link #position()} just after the body, {@link #MORE}, or {@link #ERROR}
     */
    int walk(ByteBuf in, int from, Data data) {
        trailers = data;
        int p = from + heldWalked;
        int end = in.writerIndex();
        lineStart = from;
        heldWalked = 0;
        while (p < end) {
            if (state == DATA) {
                int n = (int) Math.min(remaining, end - p);
                if (data != null) {
                    data.data(in, p, n);
                }
                p += n;
                remaining -= n;
                if (remaining == 0) {
                    state = DATA_CR;
                }
                continue;
            }
            byte c = in.getByte(p);
            int before = state;
            String wrong = state >= TRAILER_START && state <= END_LF ? trailerByte(c) : lineByte(c);
            if (wrong != null) {
                return fail(p, wrong);
            }
            p++;
            if (state == DONE_MARK) {
                position = p;
                return DONE;
            }
            if (state != before && (state == SIZE || state == TRAILER_START)) {
                // A new size or trailer line begins after this byte.
                lineStart = p;
            }
        }
        position = p;
        if (state != DATA && state != DATA_CR && state != DATA_LF && lineStart < p) {
            // Inside a size or trailer line: none of it goes on until all of it has been checked. The
            // caller keeps these bytes; the next walk starts after them (each byte is walked once).
            position = lineStart;
            heldWalked = p - lineStart;
        }
        return MORE;
    }

    /** A state that only {@link #trailerByte} enters, on the LF that ends the body. */
    private static final int DONE_MARK = 99;

    /** One byte of a size line or the CRLF after a chunk's data. @return null, or what is wrong */
    private String lineByte(byte c) {
        if (state != DATA_CR && state != DATA_LF && ++lineBytes > MAX_CHUNK_LINE) {
            return "chunk size line too long";
        }
        switch (state) {
            case SIZE: {
                int d = hex(c);
                if (d >= 0) {
                    if (++digits > MAX_SIZE_DIGITS) {
                        return "chunk size has too many digits";
                    }
                    if ((size != 0 || d != 0) && ++significant > MAX_SIGNIFICANT_DIGITS) {
                        return "chunk size too large";
                    }
                    size = size * 16 + d;
                    return null;
                }
                if (digits == 0) {
                    return "invalid chunk size";
                }
                return afterValue(c, "invalid chunk size");
            }
            case BWS:
                if (c == ';') {
                    state = EXT_NAME_START;
                } else if (!HeadLines.isSpace(c)) {
                    return "invalid chunk size line";
                }
                return null;
            case EXT_NAME_START:
                if (HeadLines.isToken(c)) {
                    state = EXT_NAME;
                } else if (!HeadLines.isSpace(c)) {
                    return "invalid chunk extension";
                }
                return null;
            case EXT_NAME:
                if (HeadLines.isToken(c)) {
                    return null;
                }
                if (HeadLines.isSpace(c)) {
                    state = EXT_AFTER_NAME;
                    return null;
                }
                if (c == '=') {
                    state = EXT_VALUE_START;
                    return null;
                }
                return afterValue(c, "invalid chunk extension");
            case EXT_AFTER_NAME:
                if (c == '=') {
                    state = EXT_VALUE_START;
                } else if (c == ';') {
                    state = EXT_NAME_START;
                } else if (!HeadLines.isSpace(c)) {
                    return "invalid chunk extension";
                }
                return null;
            case EXT_VALUE_START:
                if (c == '"') {
                    state = EXT_QUOTED;
                } else if (HeadLines.isToken(c)) {
                    state = EXT_TOKEN_VALUE;
                } else if (!HeadLines.isSpace(c)) {
                    return "invalid chunk extension value";
                }
                return null;
            case EXT_TOKEN_VALUE:
                return HeadLines.isToken(c) ? null : afterValue(c, "invalid chunk extension value");
            case EXT_QUOTED:
                if (c == '"') {
                    state = EXT_END;
                } else if (c == '\\') {
                    state = EXT_QUOTED_ESCAPE;
                } else if (isControl(c)) {
                    return "invalid quoted chunk extension";
                }
                return null;
            case EXT_QUOTED_ESCAPE:
                if (isControl(c)) {
                    return "invalid quoted chunk extension";
                }
                state = EXT_QUOTED;
                return null;
            case EXT_END:
                return afterValue(c, "invalid chunk extension");
            case SIZE_LF:
                if (c != '\n') {
                    return "invalid chunk size line";
                }
                if (size == 0) {
                    state = TRAILER_START;
                    trailer.startSection();
                } else {
                    state = DATA;
                    remaining = size;
                }
                return null;
            case DATA_CR:
                if (c != '\r') {
                    return "chunk data longer than its size";
                }
                state = DATA_LF;
                return null;
            case DATA_LF:
                if (c != '\n') {
                    return "chunk data longer than its size";
                }
                nextChunk();
                return null;
            default:
                throw new IllegalStateException("state " + state);
        }
    }

    /** After a size, an extension name or value: whitespace, the next extension, or the end of the line. */
    private String afterValue(byte c, String otherwise) {
        if (c == ';') {
            state = EXT_NAME_START;
        } else if (c == '\r') {
            state = SIZE_LF;
        } else if (HeadLines.isSpace(c)) {
            state = BWS;
        } else {
            return otherwise;
        }
        return null;
    }

    /** One byte of the trailer section. @return null, or what is wrong */
    private String trailerByte(byte c) {
        switch (state) {
            case TRAILER_START:
                if (c == '\r') {
                    state = END_LF;
                    return null;
                }
                state = TRAILER_LINE;
                return trailer.add(c);
            case TRAILER_LINE:
                if (c == '\r') {
                    state = TRAILER_LF;
                    return null;
                }
                return trailer.add(c);
            case TRAILER_LF:
                if (c != '\n') {
                    return "invalid trailer";
                }
                state = TRAILER_START;
                return trailer.end(trailers);
            case END_LF:
                if (c != '\n') {
                    return "invalid end of chunked body";
                }
                state = DONE_MARK;
                return null;
            default:
                throw new IllegalStateException("state " + state);
        }
    }

    private int fail(int p, String reason) {
        position = p;
        error = reason;
        return ERROR;
    }

    private void nextChunk() {
        state = SIZE;
        lineBytes = 0;
        size = 0;
        digits = 0;
        significant = 0;
    }

    /** CTL and DEL; HTAB is allowed where whitespace is, and bytes from 0x80 (obs-text) are not controls. */
    static boolean isControl(byte c) {
        return (c >= 0 && c < ' ' && c != '\t') || c == 0x7f;
    }

    /** The value of a hex digit (chunk sizes, percent-encoding), or -1 when {@code c} is not one. */
    static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
