package io.swarmingress.proxy.tls;

import java.security.SecureRandom;

import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;

/**
 * The session ticket keys of one entrypoint, shared by all its certificates' contexts so that a
 * ticket issued under one certificate resumes under another of the same entrypoint. Rotated every
 * session timeout: new tickets are sealed with the newest key, and the previous one still opens
 * tickets issued before the rotation, so every ticket can be used for at least one session timeout.
 * A key lives in memory only, so a restart ends all resumption, as nginx's and HAProxy's defaults do.
 */
final class TicketKeys {
    private final SecureRandom random = new SecureRandom();
    private OpenSslSessionTicketKey current = generate();
    private OpenSslSessionTicketKey previous;

    private OpenSslSessionTicketKey generate() {
        byte[] name = new byte[OpenSslSessionTicketKey.NAME_SIZE];
        byte[] hmac = new byte[OpenSslSessionTicketKey.HMAC_KEY_SIZE];
        byte[] aes = new byte[OpenSslSessionTicketKey.AES_KEY_SIZE];
        random.nextBytes(name);
        random.nextBytes(hmac);
        random.nextBytes(aes);
        return new OpenSslSessionTicketKey(name, hmac, aes);
    }

    /** A new key seals new tickets from now on; the one before it still opens older tickets. */
    synchronized void rotate() {
        previous = current;
        current = generate();
    }

    synchronized OpenSslSessionTicketKey current() {
        return current;
    }

    synchronized OpenSslSessionTicketKey previous() {
        return previous;
    }

    /** Gives the keys to a context of the OpenSSL provider (the JDK provider manages its own). */
    synchronized void applyTo(SslContext context) {
        if (context instanceof ReferenceCountedOpenSslContext) {
            ReferenceCountedOpenSslContext c = (ReferenceCountedOpenSslContext) context;
            if (previous == null) {
                c.sessionContext().setTicketKeys(current);
            } else {
                c.sessionContext().setTicketKeys(current, previous);
            }
        }
    }
}
