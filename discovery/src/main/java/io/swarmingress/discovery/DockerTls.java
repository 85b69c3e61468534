package io.swarmingress.discovery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.Security;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.bouncycastle.jce.provider.BouncyCastleProvider;

import com.github.dockerjava.core.util.CertificateUtils;
import com.github.dockerjava.transport.SSLConfig;

import io.swarmingress.config.SwarmProviderConfig;

/**
 * Mutual TLS with a {@code tcp://} Docker endpoint from three PEM files named in the config.
 * docker-java's own directory-based config insists on the file names ca.pem, cert.pem and key.pem
 * in one folder; secrets mounted by Swarm rarely look like that. The PEM parsing (PKCS#1 and
 * PKCS#8 keys) is docker-java's.
 */
final class DockerTls {
    private static final char[] STORE_PASSWORD = "docker".toCharArray();

    private DockerTls() {
    }

    static SSLConfig sslConfig(SwarmProviderConfig.Tls tls) {
        return () -> {
            if (Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null) {
                Security.addProvider(new BouncyCastleProvider()); // docker-java's PEM reading asks for "BC"
            }
            try {
                KeyStore keys = CertificateUtils.createKeyStore(read(tls.key()), read(tls.cert()));
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, STORE_PASSWORD);
                KeyStore trust = CertificateUtils.createTrustStore(read(tls.ca()));
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
                return context;
            } catch (IOException | GeneralSecurityException e) {
                throw new KeyStoreException("Docker TLS files ca=" + tls.ca() + " cert=" + tls.cert() + " key=" + tls.key()
                        + ": " + e.getMessage(), e);
            }
        };
    }

    private static String read(String file) throws IOException {
        return Files.readString(Path.of(file), StandardCharsets.US_ASCII);
    }
}
