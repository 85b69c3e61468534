package io.swarmingress.proxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.swarmingress.proxy.demo.SelfSigned;

/**
 * Certificates made at test time under a test CA (no private key is committed): write a leaf for
 * some names, point curl or openssl at {@link #caFile()} to verify it.
 */
public final class TestCertificates {
    private final Path dir;
    private final SelfSigned ca;
    private final Path caFile;

    public TestCertificates(Path dir) {
        this.dir = dir;
        Instant now = Instant.now();
        this.ca = SelfSigned.generate(List.of("Swarm Ingress test CA"), SelfSigned.KeyType.EC, now.minus(Duration.ofDays(1)),
                now.plus(Duration.ofDays(30)), null, true);
        this.caFile = dir.resolve("ca.crt");
        try {
            Files.writeString(caFile, ca.certificatePem());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path caFile() {
        return caFile;
    }

    public SelfSigned ca() {
        return ca;
    }

    /** A leaf valid from yesterday for 30 days, signed by the test CA, written as {@code <file>.crt} and {@code <file>.key}. */
    public SelfSigned write(String file, SelfSigned.KeyType type, String... names) {
        Instant now = Instant.now();
        return write(file, type, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)), names);
    }

    public SelfSigned write(String file, SelfSigned.KeyType type, Instant notBefore, Instant notAfter, String... names) {
        SelfSigned c = SelfSigned.generate(List.of(names), type, notBefore, notAfter, ca, false);
        try {
            c.write(cert(file), key(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return c;
    }

    public Path cert(String file) {
        return dir.resolve(file + ".crt");
    }

    public Path key(String file) {
        return dir.resolve(file + ".key");
    }
}
