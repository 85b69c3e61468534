package io.swarmingress.proxy.tls;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.swarmingress.config.ConfigError;
import io.swarmingress.config.ConfigException;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.config.Protocol;
import io.swarmingress.config.RouteConfig;

/**
 * What {@code check} says about a config's certificates: every pair loaded as the proxy would
 * (readable, a key that belongs to its certificate, not expired, a context that builds with the
 * protocols and ciphers given), what each serves, and route hosts of a TLS entrypoint that no
 * certificate covers (their clients would get the default certificate and refuse it).
 */
public final class CertificateCheck {
    private CertificateCheck() {
    }

    /**
     * @param errors files that cannot be used, at the line of their field
     * @param warnings names no certificate covers, certificates not valid yet
     * @param served one line per certificate: entrypoint, file, names, key type, expiry
     */
    public record Report(List<ConfigError> errors, List<String> warnings, List<String> served) {
    }

    public static Report check(IngressConfig config, Instant now) {
        List<ConfigError> errors = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<String> served = new ArrayList<>();
        TlsProvider provider = TlsProvider.best();
        for (int i = 0; i < config.entrypoints().size(); i++) {
            EntrypointConfig ec = config.entrypoints().get(i);
            if (!ec.terminatesTls()) {
                continue;
            }
            EntrypointTls tls;
            try {
                tls = EntrypointTls.load(ec.name(), "entrypoints[" + i + "]", ec.tls(), provider, ec.protocol() == Protocol.HTTP, now);
            } catch (ConfigException e) {
                errors.addAll(e.errors());
                continue;
            }
            try {
                for (LoadedCertificate c : tls.certificates()) {
                    served.add(ec.name() + ": " + c.source().certFile() + " serves " + String.join(", ", c.names()) + " ("
                            + c.keyType() + ", expires " + c.notAfter() + ")");
                    if (c.notBefore().isAfter(now)) {
                        warnings.add(ec.name() + ": " + c.source().certFile() + " is not valid before " + c.notBefore());
                    }
                }
                for (RouteConfig r : config.routes()) {
                    if (r.entrypoint().equals(ec.name()) && r.host() != null && !covered(r.host(), tls.certificates())) {
                        warnings.add(r.location().error("", "host", "route host " + r.host() + " on TLS entrypoint " + ec.name()
                                + " is covered by no certificate: its clients get the default certificate and will refuse it")
                                .toString());
                    }
                }
            } finally {
                tls.contexts().forEach(TlsLayer::release);
            }
        }
        return new Report(errors, warnings, served);
    }

    /** Whether a certificate name covers {@code host} as a client checks it (a wildcard covers one label). */
    static boolean covered(String host, List<LoadedCertificate> certificates) {
        for (LoadedCertificate c : certificates) {
            for (String name : c.names()) {
                if (name.equals(host)) {
                    return true;
                }
                int dot = host.indexOf('.');
                if (name.startsWith("*.") && !host.startsWith("*.") && dot > 0 && host.substring(dot + 1).equals(name.substring(2))) {
                    return true;
                }
            }
        }
        return false;
    }
}
