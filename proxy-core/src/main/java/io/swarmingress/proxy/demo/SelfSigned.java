package io.swarmingress.proxy.demo;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemGenerationException;

import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.config.TlsCertificate;

/**
 * Certificates made on the spot: the TLS quickstart's, when its files are missing (never for a
 * plain {@code --config} run: a production proxy must not invent a certificate), and the tests'.
 * A certificate is signed by itself or by a given issuer (a test CA).
 *
 * @param certificate the certificate
 * @param keys its key pair
 */
public record SelfSigned(X509Certificate certificate, KeyPair keys) {

    /** The key algorithm of a generated certificate. */
    public enum KeyType {
        /** ECDSA on P-256. */
        EC,
        /** RSA 2048. */
        RSA
    }

    /** A leaf certificate for {@code names} (DNS names; the first is also the common name), signed by itself. */
    public static SelfSigned generate(List<String> names, KeyType type, Instant notBefore, Instant notAfter) {
        return generate(names, type, notBefore, notAfter, null, false);
    }

    /**
     * @param issuer the CA that signs it; null to sign it with its own key
     * @param ca whether the certificate may sign others
     */
    public static SelfSigned generate(List<String> names, KeyType type, Instant notBefore, Instant notAfter, SelfSigned issuer,
                                      boolean ca) {
        try {
            KeyPair keys = keyPair(type);
            X500Principal subject = new X500Principal("CN=" + names.get(0) + ", O=Swarm Ingress demo");
            X500Principal issuerName = issuer == null ? subject : issuer.certificate.getSubjectX500Principal();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName, new BigInteger(64, new SecureRandom()).abs(),
                    Date.from(notBefore), Date.from(notAfter), subject, keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (ca) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                GeneralName[] sans = new GeneralName[names.size()];
                for (int i = 0; i < names.size(); i++) {
                    sans[i] = new GeneralName(GeneralName.dNSName, names.get(i));
                }
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
            }
            KeyPair signer = issuer == null ? keys : issuer.keys;
            String algorithm = signer.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder(algorithm).build(signer.getPrivate())));
            return new SelfSigned(cert, keys);
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot generate a certificate for " + names + ": " + e, e);
        }
    }

    private static KeyPair keyPair(KeyType type) throws GeneralSecurityException {
        if (type == KeyType.EC) {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        }
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    public String certificatePem() {
        return pem(certificate);
    }

    /** The private key as PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
    public String keyPem() {
        try {
            return pem(new JcaPKCS8Generator(keys.getPrivate(), null));
        } catch (PemGenerationException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The demo's certificates: for every TLS certificate of the config whose two files are both
     * missing, a self-signed ECDSA certificate for {@code localhost} and {@code *.demo.local},
     * valid 90 days. Files that exist are left alone (a half-present pair is the config's error to report).
     *
     * @return the certificate files written
     */
    public static List<Path> writeMissing(IngressConfig config, Instant now) throws IOException {
        List<Path> written = new ArrayList<>();
        for (EntrypointConfig e : config.entrypoints()) {
            if (!e.terminatesTls()) {
                continue;
            }
            for (TlsCertificate c : e.tls().certificates()) {
                Path cert = Path.of(c.certFile());
                Path key = Path.of(c.keyFile());
                if (Files.exists(cert) || Files.exists(key)) {
                    continue;
                }
                for (Path p : List.of(cert, key)) {
                    if (p.toAbsolutePath().getParent() != null) {
                        Files.createDirectories(p.toAbsolutePath().getParent());
                    }
                }
                generate(List.of("localhost", "*.demo.local"), KeyType.EC, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(90)))
                        .write(cert, key);
                written.add(cert);
            }
        }
        return written;
    }

    /** Writes the certificate and its key (the key readable by its owner only). */
    public void write(Path certFile, Path keyFile) throws IOException {
        Files.writeString(certFile, certificatePem(), StandardCharsets.US_ASCII);
        Files.writeString(keyFile, keyPem(), StandardCharsets.US_ASCII);
        try {
            Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: left as created.
        }
    }

    private static String pem(Object o) {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return s.toString();
    }
}
