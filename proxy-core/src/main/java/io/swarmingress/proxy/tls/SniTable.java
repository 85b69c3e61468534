package io.swarmingress.proxy.tls;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.netty.handler.ssl.SslContext;

/**
 * Which certificate a TLS client gets, by the name it asks for: an exact name first, then a
 * wildcard one label up ({@code *.example.com} covers {@code a.example.com}, not
 * {@code a.b.example.com}, as clients check it), then the default (none with {@code sni_strict}).
 * A name may have an ECDSA and an RSA certificate; ECDSA goes to clients that can verify it (a
 * smaller, faster signature), RSA to the rest. Immutable: a reload builds a new table.
 */
final class SniTable {
    /** The certificates of one name, by key type; either may be null. Among equals, the first listed wins. */
    record Choice(Served ecdsa, Served rsa) {
        Served pick(boolean offersEcdsa) {
            if (ecdsa != null && (offersEcdsa || rsa == null)) {
                return ecdsa;
            }
            return rsa;
        }

        Choice with(Served s) {
            if (s.certificate().keyType() == LoadedCertificate.KeyType.ECDSA) {
                return ecdsa != null ? this : new Choice(s, rsa);
            }
            return rsa != null ? this : new Choice(ecdsa, s);
        }
    }

    /** A certificate as it serves: what was loaded, the context built from it and its OCSP staple (null for none). */
    record Served(LoadedCertificate certificate, SslContext context, OcspStaple staple) {
    }

    private final Map<String, Choice> exact;
    private final Map<String, Choice> wildcard;
    private final Choice fallback;
    private final List<Served> served;

    private SniTable(Map<String, Choice> exact, Map<String, Choice> wildcard, Choice fallback, List<Served> served) {
        this.exact = exact;
        this.wildcard = wildcard;
        this.fallback = fallback;
        this.served = served;
    }

    /**
     * @param served every certificate of the entrypoint, in config order
     * @param fallbackCertificate whose names make the default choice; null when unknown names are refused
     */
    static SniTable build(List<Served> served, LoadedCertificate fallbackCertificate) {
        Map<String, Choice> exact = new HashMap<>();
        Map<String, Choice> wildcard = new HashMap<>();
        for (Served s : served) {
            for (String name : s.certificate().names()) {
                Map<String, Choice> map = name.startsWith("*.") ? wildcard : exact;
                String key = name.startsWith("*.") ? name.substring(2) : name;
                map.merge(key, new Choice(null, null).with(s), (had, added) -> had.with(s));
            }
        }
        Choice fallback = null;
        if (fallbackCertificate != null) {
            String name = fallbackCertificate.primaryName();
            fallback = name.startsWith("*.") ? wildcard.get(name.substring(2)) : exact.get(name);
        }
        return new SniTable(Map.copyOf(exact), Map.copyOf(wildcard), fallback, List.copyOf(new ArrayList<>(served)));
    }

    /**
     * @param serverName lower case, without a trailing dot; null when the client sent none
     * @return the certificate to terminate with, or null when the name is unknown and there is no default
     */
    Served select(String serverName, boolean offersEcdsa) {
        Choice c = null;
        if (serverName != null) {
            c = exact.get(serverName);
            if (c == null) {
                int dot = serverName.indexOf('.');
                if (dot > 0) {
                    c = wildcard.get(serverName.substring(dot + 1));
                }
            }
        }
        if (c == null) {
            c = fallback;
        }
        return c == null ? null : c.pick(offersEcdsa);
    }

    List<Served> served() {
        return served;
    }
}
