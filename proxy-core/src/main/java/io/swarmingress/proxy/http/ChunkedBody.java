package io.swarmingress.proxy.http;

import io.netty.buffer.ByteBuf;

/**
 * Walks a chunked body (RFC 9112 section 7.1) to find where it ends, without copying it: chunk
 * sizes, extensions, data and trailers are stepped over as they arrive, however the reads split
 * them. The caller passes the walked bytes on as they are, or only the data when it must remove
 * the framing.
 *
 * <p>Strict, because the bytes go on as they are: every line must end in CRLF, whitespace after a
 * size is allowed only before an extension, and control bytes are refused. A lone LF accepted here
 * but not by the peer would let the two read different chunk boundaries: a request smuggled inside
 * a body (the "TERM.EXT" family).
 */
final class ChunkedBody {
    /** Where {@link #walk} stopped. */
    static final int MORE = 0;
    static final int DONE = 1;
    static final int ERROR = -1;

    private static final int MAX_CHUNK_LINE = 4 * 1024;
    private static final int MAX_TRAILERS = 16 * 1024;

    private static final int SIZE = 0;
    private static final int EXT = 1;
    private static final int SIZE_LF = 2;
    private static final int DATA = 3;
    private static final int DATA_CR = 4;
    private static final int DATA_LF = 5;
    private static final int TRAILER_START = 6;
    private static final int TRAILER_LINE = 7;
    private static final int END_LF = 8;
    private static final int BWS = 9;
    private static final int TRAILER_LF = 10;

    /** Receives the data of each chunk when the framing is being removed. */
    interface Data {
        void data(ByteBuf in, int index, int length);
    }

    private int state;
    private long size;
    /** Significant hex digits so far (leading zeros do not count). */
    private int digits;
    private boolean anyDigit;
    private long remaining;
    private int lineBytes;
    private int trailerBytes;
    private String error;
    private int position;

    void reset() {
        nextChunk();
        error = null;
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
     * Steps over {@code in} from {@code from} to its writer index.
     *
     * @param data null to only walk, else told where each chunk's data is
     * @return {@link #DONE} with {@link #position()} just after the body, {@link #MORE}, or {@link #ERROR}
     */
    int walk(ByteBuf in, int from, Data data) {
        int p = from;
        int end = in.writerIndex();
        while (p < end) {
            switch (state) {
                case SIZE: {
                    if (++lineBytes > MAX_CHUNK_LINE) {
                        return fail(p, "chunk size line too long");
                    }
                    byte c = in.getByte(p);
                    int d = hex(c);
                    if (d >= 0) {
                        if (size != 0 || d != 0) {
                            if (digits == 15) {
                                return fail(p, "chunk size too large");
                            }
                            digits++;
                        }
                        size = size * 16 + d;
                        anyDigit = true;
                    } else if (!anyDigit) {
                        return fail(p, "invalid chunk size");
                    } else if (c == ' ' || c == '\t') {
                        state = BWS;
                    } else if (!endOfSize(c)) {
                        return fail(p, "invalid chunk size");
                    }
                    p++;
                    break;
                }
                case BWS: {
                    // RFC 9112 section 7.1.1: whitespace after the size only before an extension.
                    byte c = in.getByte(p);
                    if (++lineBytes > MAX_CHUNK_LINE) {
                        return fail(p, "chunk size line too long");
                    }
                    if (c == ';') {
                        state = EXT;
                    } else if (c != ' ' && c != '\t') {
                        return fail(p, "invalid chunk size line");
                    }
                    p++;
                    break;
                }
                case EXT: {
                    byte c = in.getByte(p);
                    if (c == '\r') {
                        state = SIZE_LF;
                    } else if ((c >= 0 && c < ' ' && c != '\t') || c == 0x7f) {
                        return fail(p, "invalid chunk extension");
                    } else if (++lineBytes > MAX_CHUNK_LINE) {
                        return fail(p, "chunk extension too long");
                    }
                    p++;
                    break;
                }
                case SIZE_LF:
                    if (in.getByte(p) != '\n') {
                        return fail(p, "invalid chunk size line");
                    }
                    p++;
                    endOfSizeLine();
                    break;
                case DATA: {
                    int n = (int) Math.min(remaining, end - p);
                    if (data != null) {
                        data.data(in, p, n);
                    }
                    p += n;
                    remaining -= n;
                    if (remaining == 0) {
                        state = DATA_CR;
                    }
                    break;
                }
                case DATA_CR: {
                    byte c = in.getByte(p);
                    if (c == '\r') {
                        state = DATA_LF;
                    } else {
                        return fail(p, "chunk data longer than its size");
                    }
                    p++;
                    break;
                }
                case DATA_LF:
                    if (in.getByte(p) != '\n') {
                        return fail(p, "chunk data longer than its size");
                    }
                    p++;
                    nextChunk();
                    break;
                case TRAILER_START: {
                    byte c = in.getByte(p++);
                    if (c == '\r') {
                        state = END_LF;
                    } else if (c == ' ' || c == '\t' || (c >= 0 && c < ' ') || c == 0x7f) {
                        return fail(p - 1, "invalid trailer");
                    } else {
                        state = TRAILER_LINE;
                        trailerBytes++;
                    }
                    break;
                }
                case TRAILER_LINE: {
                    byte c = in.getByte(p);
                    if (c == '\r') {
                        state = TRAILER_LF;
                    } else if ((c >= 0 && c < ' ' && c != '\t') || c == 0x7f) {
                        return fail(p, "invalid trailer");
                    } else if (++trailerBytes > MAX_TRAILERS) {
                        return fail(p, "trailers too large");
                    }
                    p++;
                    break;
                }
                case TRAILER_LF:
                    if (in.getByte(p) != '\n') {
                        return fail(p, "invalid trailer");
                    }
                    p++;
                    state = TRAILER_START;
                    break;
                case END_LF:
                    if (in.getByte(p) != '\n') {
                        return fail(p, "invalid end of chunked body");
                    }
                    position = p + 1;
                    return DONE;
                default:
                    throw new IllegalStateException("state " + state);
            }
        }
        position = p;
        return MORE;
    }

    private int fail(int p, String reason) {
        position = p;
        error = reason;
        return ERROR;
    }

    /** After the size: an extension, or the end of the line. */
    private boolean endOfSize(byte c) {
        if (c == ';') {
            state = EXT;
        } else if (c == '\r') {
            state = SIZE_LF;
        } else {
            return false;
        }
        return true;
    }

    private void endOfSizeLine() {
        if (size == 0) {
            state = TRAILER_START;
            trailerBytes = 0;
        } else {
            state = DATA;
            remaining = size;
        }
    }

    private void nextChunk() {
        state = SIZE;
        lineBytes = 0;
        size = 0;
        digits = 0;
        anyDigit = false;
    }

    private static int hex(byte c) {
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
