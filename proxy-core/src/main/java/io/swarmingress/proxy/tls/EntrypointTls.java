package io.swarmingress.proxy.tls;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import javax.net.ssl.SSLException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.handler.ssl.SslContext;
import io.swarmingress.config.ConfigError;
import io.swarmingress.config.ConfigException;
import io.swarmingress.config.TlsCertificate;
import io.swarmingress.config.TlsConfig;

/**
 * The live TLS state of one entrypoint: a context per certificate, the table that picks one per
 * client, and the ticket keys they share. Certificate files are read again by
 * {@link #reloadChanged} when their content changes (a Swarm secret or a Kubernetes-style symlink
 * swap replaces them): a pair that loads replaces its certificate for new connections (open ones
 * keep theirs, nothing is dropped); a pair that does not (half replaced, mismatched, expired)
 * leaves the old one serving and is logged once per content.
 *
 * <p>{@link #table()} is read on event loops; everything else runs on the TLS layer's own thread.
 */
final class EntrypointTls {
    private static final Logger log = LoggerFactory.getLogger(EntrypointTls.class);

    /** One configured certificate: what serves now, and the last content that failed (not logged again). */
    private static final class Slot {
        LoadedCertificate loaded;
        SslContext context;
        /** Null without an {@code ocsp_response} file, or while it has none to staple that fits. */
        OcspStaple staple;
        byte[] badCert;
        byte[] badKey;
        byte[] badOcsp;
    }

    private final String entrypoint;
    private final TlsConfig config;
    private final ContextFactory factory;
    private final TicketKeys ticketKeys = new TicketKeys();
    private final List<Slot> slots;
    private volatile SniTable table;
    private long lastRotation;

    private EntrypointTls(String entrypoint, TlsConfig config, ContextFactory factory, List<Slot> slots) {
        this.entrypoint = entrypoint;
        this.config = config;
        this.factory = factory;
        this.slots = slots;
        for (Slot s : slots) {
            applyTicketKeys(s.context);
        }
        this.table = buildTable();
    }

    /**
     * Loads every certificate of an entrypoint.
     *
     * @param path the entrypoint's field path in the config ({@code entrypoints[0]}), for errors
     * @throws ConfigException listing every file that cannot be used, at the line of its field
     */
    static EntrypointTls load(String entrypoint, String path, TlsConfig config, TlsProvider provider, boolean http, Instant now) {
        List<ConfigError> errors = new ArrayList<>();
        ContextFactory factory = null;
        try {
            factory = new ContextFactory(config, provider, http);
        } catch (LoadedCertificate.Problem p) {
            errors.add(new ConfigError(config.location().file(), config.location().lineOf("client_auth"),
                    path + ".tls.client_auth." + p.field(), p.getMessage()));
        }
        List<Slot> slots = new ArrayList<>();
        for (int i = 0; i < config.certificates().size(); i++) {
            TlsCertificate c = config.certificates().get(i);
            String prefix = path + ".tls.certificates[" + i + "]";
            try {
                LoadedCertificate loaded = LoadedCertificate.load(c, now);
                OcspStaple staple = c.ocspResponseFile() == null ? null
                        : OcspStaple.parse(c.ocspResponseFile(), LoadedCertificate.read("ocsp_response", c.ocspResponseFile()),
                                loaded.chain(), now);
                if (factory == null) {
                    continue;
                }
                Slot slot = new Slot();
                slot.loaded = loaded;
                slot.staple = staple;
                slot.context = factory.build(loaded);
                slots.add(slot);
            } catch (LoadedCertificate.Problem p) {
                errors.add(c.location().error(prefix, p.field(), p.getMessage()));
            } catch (SSLException | RuntimeException e) {
                errors.add(config.location().error(path + ".tls", "ciphers", "the TLS context for " + c.certFile()
                        + " cannot be built with these protocols and ciphers: " + e.getMessage()));
            }
        }
        if (!errors.isEmpty()) {
            for (Slot s : slots) {
                TlsLayer.release(s.context);
            }
            throw new ConfigException(errors);
        }
        EntrypointTls tls = new EntrypointTls(entrypoint, config, factory, slots);
        for (Slot s : slots) {
            if (s.staple != null && !provider.openSsl()) {
                log.warn("entrypoint {}: {} is not stapled: OCSP stapling needs the OpenSSL provider ({})", entrypoint,
                        s.loaded.source().ocspResponseFile(), provider.description());
            }
            if (s.loaded.notBefore().isAfter(now)) {
                log.warn("entrypoint {}: certificate {} is not valid before {} (clients with a correct clock will refuse it)",
                        entrypoint, s.loaded.source().certFile(), s.loaded.notBefore());
            }
        }
        return tls;
    }

    String entrypoint() {
        return entrypoint;
    }

    TlsConfig config() {
        return config;
    }

    /** The table new connections choose their certificate from. */
    SniTable table() {
        return table;
    }

    private SniTable buildTable() {
        List<SniTable.Served> served = new ArrayList<>();
        LoadedCertificate fallback = null;
        TlsCertificate defaultSource = config.sniStrict() ? null : config.defaultCertificate();
        for (Slot s : slots) {
            served.add(new SniTable.Served(s.loaded, s.context, s.staple));
            if (s.loaded.source() == defaultSource) {
                fallback = s.loaded;
            }
        }
        return SniTable.build(served, fallback);
    }

    /**
     * Reads every certificate pair and OCSP response again and swaps those whose files changed and
     * can be used; drops a staple that went stale.
     *
     * @param retire gets each context a new one replaced, to be released once no handshake can still pick it
     * @param outcome hears of each changed pair or OCSP response: true when it serves now, false when it was refused
     * @return whether the table changed
     */
    boolean reloadChanged(Instant now, Consumer<SslContext> retire, Consumer<Boolean> outcome) {
        boolean changed = false;
        for (Slot s : slots) {
            boolean pair = reloadPair(s, now, retire, outcome);
            changed |= pair | reloadStaple(s, pair, now, outcome);
        }
        if (changed) {
            table = buildTable();
        }
        return changed;
    }

    private boolean reloadPair(Slot s, Instant now, Consumer<SslContext> retire, Consumer<Boolean> outcome) {
        TlsCertificate source = s.loaded.source();
        byte[] cert;
        byte[] key;
        try {
            cert = LoadedCertificate.read("cert", source.certFile());
            key = LoadedCertificate.read("key", source.keyFile());
        } catch (LoadedCertificate.Problem p) {
            // Mid-replace or gone: keep serving what we have and look again next time.
            log.debug("entrypoint {}: {}", entrypoint, p.getMessage());
            return false;
        }
        if (s.loaded.sameContent(cert, key) || (Arrays.equals(cert, s.badCert) && Arrays.equals(key, s.badKey))) {
            return false;
        }
        try {
            LoadedCertificate next = LoadedCertificate.parse(source, cert, key, now);
            SslContext context = factory.build(next);
            applyTicketKeys(context);
            retire.accept(s.context);
            s.loaded = next;
            s.context = context;
            s.badCert = null;
            s.badKey = null;
            outcome.accept(true);
            log.info("entrypoint {}: certificate {} reloaded ({}, {}, expires {})", entrypoint, source.certFile(),
                    String.join(", ", next.names()), next.keyType(), next.notAfter());
            return true;
        } catch (LoadedCertificate.Problem | SSLException | RuntimeException e) {
            s.badCert = cert;
            s.badKey = key;
            outcome.accept(false);
            log.error("entrypoint {}: certificate {} / {} changed but cannot be used, the previous certificate keeps serving: {}",
                    entrypoint, source.certFile(), source.keyFile(), e.getMessage());
            return false;
        }
    }

    /**
     * Takes a changed OCSP response file once it fits the certificate serving now (a response
     * that does not fit is logged and the previous one stays, unless the certificate itself was
     * replaced: an answer about the old one is no staple for the new). A staple past its next
     * update is dropped: a client would refuse it.
     *
     * @param certificateChanged whether the slot's certificate was just replaced
     * @return whether the slot's staple changed
     */
    private boolean reloadStaple(Slot s, boolean certificateChanged, Instant now, Consumer<Boolean> outcome) {
        String file = s.loaded.source().ocspResponseFile();
        if (file == null) {
            return false;
        }
        OcspStaple before = s.staple;
        byte[] der = null;
        try {
            der = LoadedCertificate.read("ocsp_response", file);
        } catch (LoadedCertificate.Problem p) {
            log.debug("entrypoint {}: {}", entrypoint, p.getMessage());
        }
        boolean fresh = der != null && (certificateChanged || s.staple == null || !s.staple.sameContent(der))
                && (certificateChanged || !Arrays.equals(der, s.badOcsp));
        if (fresh) {
            try {
                s.staple = OcspStaple.parse(file, der, s.loaded.chain(), now);
                s.badOcsp = null;
                outcome.accept(true);
                log.info("entrypoint {}: OCSP response {} stapled (next update {})", entrypoint, file, s.staple.nextUpdate());
            } catch (LoadedCertificate.Problem p) {
                s.badOcsp = der;
                outcome.accept(false);
                if (certificateChanged) {
                    s.staple = null;
                }
                log.error("entrypoint {}: OCSP response changed but cannot be stapled, {}: {}", entrypoint,
                        s.staple == null ? "nothing is stapled" : "the previous response stays", p.getMessage());
            }
        }
        if (s.staple != null && s.staple.staleAt(now)) {
            log.warn("entrypoint {}: OCSP response {} went stale at {}: no longer stapled until the file is renewed", entrypoint,
                    file, s.staple.nextUpdate());
            s.staple = null;
        }
        return s.staple != before;
    }

    /** Gives a context the entrypoint's ticket keys, which turns TLS 1.2 tickets on; nothing with session_tickets: false. */
    private void applyTicketKeys(SslContext context) {
        if (config.sessionTickets()) {
            ticketKeys.applyTo(context);
        }
    }

    /** Rotates the ticket keys once a session timeout has passed since the last rotation. */
    void rotateTicketKeysIfDue(long nowNanos) {
        if (lastRotation == 0) {
            lastRotation = nowNanos;
            return;
        }
        if (nowNanos - lastRotation < config.sessionTimeout().toNanos()) {
            return;
        }
        lastRotation = nowNanos;
        ticketKeys.rotate();
        for (Slot s : slots) {
            applyTicketKeys(s.context);
        }
        log.debug("entrypoint {}: session ticket keys rotated", entrypoint);
    }

    TicketKeys ticketKeys() {
        return ticketKeys;
    }

    /** Every context, for release when the entrypoint's TLS goes away. */
    List<SslContext> contexts() {
        List<SslContext> all = new ArrayList<>();
        for (Slot s : slots) {
            all.add(s.context);
        }
        return all;
    }

    /** The certificates as they serve now, without keys. */
    List<LoadedCertificate> certificates() {
        List<LoadedCertificate> all = new ArrayList<>();
        for (Slot s : slots) {
            all.add(s.loaded);
        }
        return all;
    }
}
