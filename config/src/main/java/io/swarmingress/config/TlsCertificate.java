package io.swarmingress.config;

/**
 * One certificate of a TLS entrypoint: a PEM chain (leaf first) and its private key, each a file
 * path (relative paths are resolved against the config file's directory when parsed). The names
 * it serves come from the certificate itself (its DNS subject alternative names), so a renewed
 * certificate with new names needs no config change.
 *
 * @param isDefault whether clients whose name no certificate covers get this one
 * @param ocspResponseFile a DER OCSP response for the certificate, stapled to every handshake that
 *                         serves it and read again when it changes (an OCSP updater such as a
 *                         cron job of {@code openssl ocsp} renews it); null for no stapling
 * @param location where it was declared, so that a file that cannot be loaded is reported at its line
 */
public record TlsCertificate(String certFile, String keyFile, boolean isDefault, String ocspResponseFile, Location location) {

    public TlsCertificate {
        if (certFile == null || certFile.isBlank()) {
            throw new InvalidFieldException("cert", "is required (a PEM file: the certificate, then its chain)");
        }
        if (keyFile == null || keyFile.isBlank()) {
            throw new InvalidFieldException("key", "is required (a PEM file: the private key of the certificate)");
        }
        if (ocspResponseFile != null && ocspResponseFile.isBlank()) {
            ocspResponseFile = null;
        }
        if (location == null) {
            location = Location.NONE;
        }
    }

    public static TlsCertificate of(String certFile, String keyFile) {
        return new TlsCertificate(certFile, keyFile, false, null, Location.NONE);
    }
}
