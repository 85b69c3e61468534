package io.swarmingress.proxy.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

import io.swarmingress.config.TlsCertificate;

/**
 * A certificate chain and its private key, read from their PEM files and checked: the key belongs
 * to the certificate, the certificate has not expired, and it names at least one host. The file
 * contents are kept so a watcher can tell a replaced file from an unchanged one.
 *
 * @param names the DNS names the certificate serves (its subject alternative names, else its
 *              common name), lower case; a wildcard stays as {@code *.example.com}
 */
record LoadedCertificate(TlsCertificate source, byte[] certPem, byte[] keyPem, List<X509Certificate> chain, PrivateKey key,
                         KeyType keyType, List<String> names, Instant notBefore, Instant notAfter) {

    /** The key algorithms a certificate may use; ECDSA is preferred when the client can verify it. */
    enum KeyType {
        RSA, ECDSA
    }

    /** A certificate or key file that cannot be used; {@link #field()} is {@code cert} or {@code key}. */
    static final class Problem extends Exception {
        private static final long serialVersionUID = 1L;
        private final String field;

        Problem(String field, String message) {
            super(message);
            this.field = field;
        }

        String field() {
            return field;
        }
    }

    /** Reads and checks both files of {@code source} as they are now. */
    static LoadedCertificate load(TlsCertificate source, Instant now) throws Problem {
        byte[] cert = read("cert", source.certFile());
        byte[] key = read("key", source.keyFile());
        return parse(source, cert, key, now);
    }

    static LoadedCertificate parse(TlsCertificate source, byte[] certPem, byte[] keyPem, Instant now) throws Problem {
        List<X509Certificate> chain = chain(source.certFile(), certPem);
        PrivateKey key = privateKey(source.keyFile(), keyPem);
        X509Certificate leaf = chain.get(0);
        KeyType type = keyType(source.keyFile(), key);
        if (!matches(leaf, key, type)) {
            throw new Problem("key", source.keyFile() + " is not the key of the certificate in " + source.certFile()
                    + " (" + leaf.getSubjectX500Principal().getName() + ")");
        }
        Instant notAfter = leaf.getNotAfter().toInstant();
        if (!notAfter.isAfter(now)) {
            throw new Problem("cert", source.certFile() + " expired at " + notAfter + " ("
                    + leaf.getSubjectX500Principal().getName() + ")");
        }
        List<String> names = names(source.certFile(), leaf);
        return new LoadedCertificate(source, certPem, keyPem, List.copyOf(chain), key, type, names,
                leaf.getNotBefore().toInstant(), notAfter);
    }

    /** Whether both files still hold what was loaded. */
    boolean sameContent(byte[] cert, byte[] key) {
        return Arrays.equals(cert, certPem) && Arrays.equals(key, keyPem);
    }

    X509Certificate leaf() {
        return chain.get(0);
    }

    /** The SHA-256 fingerprint of the leaf, as {@code openssl x509 -fingerprint -sha256} shows it without colons. */
    String fingerprint() {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(leaf().getEncoded());
            return HexFormat.of().withUpperCase().formatHex(digest);
        } catch (GeneralSecurityException e) {
            return "";
        }
    }

    /** The name reported for this certificate in logs and metrics: its first name. */
    String primaryName() {
        return names.get(0);
    }

    static byte[] read(String field, String file) throws Problem {
        try {
            return Files.readAllBytes(Path.of(file));
        } catch (IOException | RuntimeException e) {
            throw new Problem(field, "cannot read " + file + ": " + e);
        }
    }

    private static List<X509Certificate> chain(String file, byte[] pem) throws Problem {
        Collection<? extends Certificate> parsed;
        try {
            parsed = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
        } catch (CertificateException e) {
            throw new Problem("cert", file + " is not a PEM certificate chain: " + e.getMessage());
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (Certificate c : parsed) {
            chain.add((X509Certificate) c);
        }
        if (chain.isEmpty()) {
            throw new Problem("cert", file + " holds no PEM certificate");
        }
        return chain;
    }

    private static PrivateKey privateKey(String file, byte[] pem) throws Problem {
        try (PEMParser parser = new PEMParser(new InputStreamReader(new ByteArrayInputStream(pem), StandardCharsets.US_ASCII))) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            Object o;
            while ((o = parser.readObject()) != null) {
                // "openssl ecparam -genkey" writes the curve's parameters before the key: skipped.
                if (o instanceof PEMKeyPair) {
                    return converter.getKeyPair((PEMKeyPair) o).getPrivate();
                }
                if (o instanceof PrivateKeyInfo) {
                    return converter.getPrivateKey((PrivateKeyInfo) o);
                }
                if (o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new Problem("key", file + " holds an encrypted key (the proxy has no passphrase: "
                            + "decrypt it with openssl pkey -in KEY -out KEY.plain)");
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new Problem("key", file + " is not a PEM private key: " + e.getMessage());
        }
        throw new Problem("key", file + " holds no PEM private key");
    }

    private static KeyType keyType(String file, PrivateKey key) throws Problem {
        switch (key.getAlgorithm()) {
            case "RSA": return KeyType.RSA;
            case "EC": case "ECDSA": return KeyType.ECDSA;
            default: throw new Problem("key", file + " holds a " + key.getAlgorithm() + " key (expected: RSA or ECDSA)");
        }
    }

    /** Signs random bytes with the key and verifies them with the certificate: the one test that works for every key type. */
    private static boolean matches(X509Certificate leaf, PrivateKey key, KeyType type) {
        String algorithm = type == KeyType.RSA ? "SHA256withRSA" : "SHA256withECDSA";
        try {
            byte[] data = new byte[32];
            new SecureRandom().nextBytes(data);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(data);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(data);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static List<String> names(String file, X509Certificate leaf) throws Problem {
        Set<String> names = new LinkedHashSet<>();
        try {
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (((Integer) san.get(0)) == 2) {
                        names.add(((String) san.get(1)).toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw new Problem("cert", file + " has unreadable subject alternative names: " + e.getMessage());
        }
        if (names.isEmpty()) {
            // RFC 6125 lets clients fall back to the common name only without DNS names; so do we.
            try {
                for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
                    if (rdn.getType().equalsIgnoreCase("CN")) {
                        names.add(rdn.getValue().toString().toLowerCase(Locale.ROOT));
                    }
                }
            } catch (InvalidNameException e) {
                throw new Problem("cert", file + " has an unreadable subject: " + e.getMessage());
            }
        }
        if (names.isEmpty()) {
            throw new Problem("cert", file + " names no host (no DNS subject alternative name, no common name)");
        }
        return List.copyOf(names);
    }
}
