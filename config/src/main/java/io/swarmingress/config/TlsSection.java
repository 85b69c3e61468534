package io.swarmingress.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.yaml.snakeyaml.nodes.MappingNode;

/**
 * Reads an entrypoint's {@code tls:} section. Apart from {@link ConfigParser} so the parser stays
 * the config's shape at a glance. File paths that are relative are resolved against the config
 * file's directory, so a config and its certificates can move together.
 */
final class TlsSection {
    private final YamlDocument document;

    TlsSection(YamlDocument document) {
        this.document = document;
    }

    /** {@code tls: {certificates, protocols, ciphers, sni_strict, session_*, client_auth, alpn}}; null after an error (reported). */
    TlsConfig read(MappingNode node, String path) {
        YamlFields f = document.fields(node, path);
        if (!f.has("certificates")) {
            f.error(f.lineOf("certificates"), "certificates", "is required: at least one {cert, key} pair of PEM files");
        }
        List<TlsCertificate> certificates = f.list("certificates", this::certificate);
        List<String> protocols = f.scalarList("protocols", (value, field) -> value.trim());
        List<String> ciphers = f.scalarList("ciphers", (value, field) -> value.trim());
        boolean sniStrict = f.bool("sni_strict", false);
        boolean tickets = f.bool("session_tickets", true);
        int cacheSize = f.integer("session_cache_size", TlsConfig.DEFAULT_SESSION_CACHE_SIZE);
        Duration timeout = f.duration("session_timeout", TlsConfig.DEFAULT_SESSION_TIMEOUT);
        TlsConfig.ClientAuth clientAuth = f.mapping("client_auth", (m, p) -> {
            YamlFields c = document.fields(m, p);
            TlsConfig.ClientAuthMode mode = c.convert("mode", c.string("mode", "required"), TlsConfig.ClientAuthMode::fromConfig);
            String ca = resolve(c.string("ca", null));
            String header = c.string("subject_header", null);
            c.finish();
            return mode == null ? null : c.build(() -> new TlsConfig.ClientAuth(mode, ca, header));
        });
        boolean alpnGiven = f.has("alpn");
        List<String> alpn = f.scalarList("alpn", (value, field) -> value.trim());
        f.finish();
        return f.build(() -> new TlsConfig(certificates, protocols, ciphers, sniStrict, tickets, cacheSize, timeout, clientAuth,
                alpnGiven ? alpn : null, f.location()));
    }

    private TlsCertificate certificate(MappingNode node, String path) {
        YamlFields f = document.fields(node, path);
        String cert = resolve(f.string("cert", null));
        String key = resolve(f.string("key", null));
        boolean isDefault = f.bool("default", false);
        String ocsp = resolve(f.string("ocsp_response", null));
        f.finish();
        return f.build(() -> new TlsCertificate(cert, key, isDefault, ocsp, f.location()));
    }

    private String resolve(String file) {
        if (file == null || file.isBlank()) {
            return file;
        }
        try {
            Path p = Path.of(file);
            if (p.isAbsolute()) {
                return file;
            }
            Path dir = Path.of(document.file()).toAbsolutePath().getParent();
            return dir == null ? file : dir.resolve(p).normalize().toString();
        } catch (InvalidPathException e) {
            return file;
        }
    }
}
