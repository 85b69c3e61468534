package io.swarmingress.proxy.tls;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * What a TLS ClientHello tells before any key is exchanged: the server name the client wants
 * (SNI, RFC 6066), whether it can verify an ECDSA certificate, and the application protocols it
 * offers. Read for two jobs: choosing the certificate of a terminated connection, and routing a
 * passed-through one without decrypting anything.
 *
 * @param serverName the host name asked for, lower case without a trailing dot; null when none
 * @param offersEcdsa whether an ECDSA certificate will do: an ECDSA signature scheme, and for a
 *                    client without TLS 1.3 also an ECDHE_ECDSA cipher suite
 */
public record ClientHello(String serverName, boolean offersEcdsa, boolean offersTls13, List<String> alpn) {

    private static final int HANDSHAKE = 22;
    private static final int CLIENT_HELLO = 1;
    private static final int EXT_SERVER_NAME = 0;
    private static final int EXT_ALPN = 16;
    private static final int EXT_SIGNATURE_ALGORITHMS = 13;
    private static final int EXT_SUPPORTED_VERSIONS = 43;

    /** How far {@link #read} got with the bytes it was given. */
    public enum Status {
        /** The hello is whole and parsed. */
        COMPLETE,
        /** More bytes are needed. */
        INCOMPLETE,
        /** The bytes are not a TLS handshake (plaintext, or another record first). */
        NOT_TLS,
        /** The hello is larger than allowed, or malformed. */
        INVALID
    }

    /** The outcome of {@link #read}: the hello when {@link Status#COMPLETE}, else why not. */
    public record Reading(Status status, ClientHello hello, String problem) {
    }

    /**
     * Reads the ClientHello from the TLS records at the start of {@code in} without consuming them
     * (a hello may span several records; their bytes are checked as they arrive).
     *
     * @param max the largest hello accepted, in bytes
     */
    public static Reading read(ByteBuf in, int max) {
        int i = in.readerIndex();
        int end = in.writerIndex();
        ByteBuf body = null;
        try {
            int expected = -1;
            while (end - i >= 5) {
                int type = in.getUnsignedByte(i);
                int major = in.getUnsignedByte(i + 1);
                int length = in.getUnsignedShort(i + 3);
                if (type != HANDSHAKE || major != 3) {
                    return new Reading(i == in.readerIndex() ? Status.NOT_TLS : Status.INVALID, null,
                            i == in.readerIndex() ? "not a TLS handshake record" : "a record that is not a handshake inside the hello");
                }
                if (length == 0 || length > 16384 + 2048) {
                    return new Reading(Status.INVALID, null, "a handshake record of " + length + " bytes");
                }
                if (end - i - 5 < length) {
                    break;
                }
                if (body == null) {
                    body = Unpooled.buffer(Math.min(length, max + 4));
                }
                body.writeBytes(in, i + 5, length);
                i += 5 + length;
                if (expected < 0 && body.readableBytes() >= 4) {
                    if (body.getUnsignedByte(0) != CLIENT_HELLO) {
                        return new Reading(Status.INVALID, null, "the first handshake message is not a ClientHello");
                    }
                    expected = body.getUnsignedMedium(1);
                    if (expected > max) {
                        return new Reading(Status.INVALID, null, "a ClientHello of " + expected + " bytes (at most " + max + ")");
                    }
                }
                if (expected >= 0 && body.readableBytes() >= expected + 4) {
                    return new Reading(Status.COMPLETE, parse(body.slice(4, expected)), null);
                }
                if (body.readableBytes() > max + 4) {
                    return new Reading(Status.INVALID, null, "a ClientHello larger than " + max + " bytes");
                }
            }
            if (end > in.readerIndex() && in.getUnsignedByte(in.readerIndex()) != HANDSHAKE) {
                return new Reading(Status.NOT_TLS, null, "not a TLS handshake record");
            }
            return new Reading(Status.INCOMPLETE, null, null);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            return new Reading(Status.INVALID, null, "a malformed ClientHello: " + e.getMessage());
        } finally {
            if (body != null) {
                body.release();
            }
        }
    }

    /**
     * Parses a ClientHello message body (after the 4-byte handshake header).
     *
     * @throws IllegalArgumentException when it is malformed
     */
    public static ClientHello parse(ByteBuf hello) {
        ByteBuf b = hello.duplicate();
        need(b, 2 + 32 + 1);
        b.skipBytes(2 + 32);
        skip(b, b.readUnsignedByte(), "session id");
        need(b, 2);
        int suitesLength = b.readUnsignedShort();
        need(b, suitesLength);
        boolean ecdsaSuite = false;
        for (int k = 0; k + 1 < suitesLength; k += 2) {
            ecdsaSuite |= isEcdsaSuite(b.getUnsignedShort(b.readerIndex() + k));
        }
        b.skipBytes(suitesLength);
        need(b, 1);
        skip(b, b.readUnsignedByte(), "compression methods");
        String serverName = null;
        boolean ecdsaScheme = false;
        boolean sigalgsGiven = false;
        boolean tls13 = false;
        List<String> alpn = List.of();
        if (b.readableBytes() >= 2) {
            int extensionsLength = b.readUnsignedShort();
            need(b, extensionsLength);
            ByteBuf ext = b.readSlice(extensionsLength);
            while (ext.readableBytes() >= 4) {
                int type = ext.readUnsignedShort();
                int length = ext.readUnsignedShort();
                need(ext, length);
                ByteBuf data = ext.readSlice(length);
                switch (type) {
                    case EXT_SERVER_NAME:
                        serverName = serverName(data);
                        break;
                    case EXT_SIGNATURE_ALGORITHMS:
                        sigalgsGiven = true;
                        ecdsaScheme = ecdsaScheme(data);
                        break;
                    case EXT_SUPPORTED_VERSIONS:
                        tls13 = supportsTls13(data);
                        break;
                    case EXT_ALPN:
                        alpn = alpn(data);
                        break;
                    default:
                        break;
                }
            }
        }
        // RFC 5246 section 7.4.1.4.1: without signature_algorithms a TLS 1.2 client takes the suite's signature.
        boolean ecdsa = tls13 ? ecdsaScheme : ecdsaSuite && (!sigalgsGiven || ecdsaScheme);
        return new ClientHello(serverName, ecdsa, tls13, alpn);
    }

    private static String serverName(ByteBuf data) {
        need(data, 2);
        ByteBuf list = data.readSlice(Math.min(data.readUnsignedShort(), data.readableBytes()));
        while (list.readableBytes() >= 3) {
            int nameType = list.readUnsignedByte();
            int length = list.readUnsignedShort();
            need(list, length);
            if (nameType == 0) {
                String name = list.readCharSequence(length, StandardCharsets.US_ASCII).toString().toLowerCase(Locale.ROOT);
                for (int i = 0; i < name.length(); i++) {
                    char c = name.charAt(i);
                    if (c <= ' ' || c >= 0x7f) {
                        throw new IllegalArgumentException("a server name with a control or non-ASCII byte");
                    }
                }
                return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
            }
            list.skipBytes(length);
        }
        return null;
    }

    private static boolean ecdsaScheme(ByteBuf data) {
        need(data, 2);
        int length = Math.min(data.readUnsignedShort(), data.readableBytes());
        for (int k = 0; k + 1 < length; k += 2) {
            int scheme = data.getUnsignedShort(data.readerIndex() + k);
            // ecdsa_secp256r1_sha256 0x0403, _secp384r1_sha384 0x0503, _secp521r1_sha512 0x0603, ecdsa_sha1 0x0203
            if ((scheme & 0xff) == 0x03 && scheme >= 0x0203 && scheme <= 0x0603) {
                return true;
            }
        }
        return false;
    }

    private static boolean supportsTls13(ByteBuf data) {
        need(data, 1);
        int length = Math.min(data.readUnsignedByte(), data.readableBytes());
        for (int k = 0; k + 1 < length; k += 2) {
            if (data.getUnsignedShort(data.readerIndex() + k) == 0x0304) {
                return true;
            }
        }
        return false;
    }

    private static List<String> alpn(ByteBuf data) {
        need(data, 2);
        ByteBuf list = data.readSlice(Math.min(data.readUnsignedShort(), data.readableBytes()));
        List<String> protocols = new ArrayList<>();
        while (list.readableBytes() >= 1) {
            int length = list.readUnsignedByte();
            need(list, length);
            protocols.add(list.readCharSequence(length, StandardCharsets.US_ASCII).toString());
        }
        return List.copyOf(protocols);
    }

    /** ECDHE_ECDSA suites (RFC 8422, RFC 5289, RFC 7905, RFC 7251). */
    private static boolean isEcdsaSuite(int suite) {
        return (suite >= 0xC006 && suite <= 0xC00A) || suite == 0xC023 || suite == 0xC024 || suite == 0xC02B || suite == 0xC02C
                || suite == 0xCCA9 || (suite >= 0xC0AC && suite <= 0xC0AF);
    }

    private static void need(ByteBuf b, int n) {
        if (b.readableBytes() < n) {
            throw new IllegalArgumentException("truncated (" + n + " bytes expected, " + b.readableBytes() + " left)");
        }
    }

    private static void skip(ByteBuf b, int n, String what) {
        if (b.readableBytes() < n) {
            throw new IllegalArgumentException("truncated " + what);
        }
        b.skipBytes(n);
    }
}
