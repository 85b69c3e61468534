package io.swarmingress.proxy.tls;

import java.io.IOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * An OCSP response stapled to the handshakes that serve one certificate (RFC 6066
 * {@code status_request}), so clients learn the certificate is not revoked without asking the CA
 * themselves. The proxy never fetches one: a file is given ({@code ocsp_response}, DER as
 * {@code openssl ocsp -respout} writes it) and read again when it changes. What it would be wrong
 * to staple is refused: a response that is not {@code successful}, one about another
 * certificate, one that does not say {@code good}, one past its next update. Clients check the
 * responder's signature themselves.
 *
 * @param nextUpdate when the responder's answer goes stale; null when it gave none
 */
record OcspStaple(byte[] der, Instant nextUpdate) {

    /**
     * Checks a response against the certificate it is to be stapled to.
     *
     * @param chain the certificate's chain, leaf first; the issuer, when the chain has it, must match too
     * @throws LoadedCertificate.Problem for the field {@code ocsp_response}, saying what is wrong
     */
    static OcspStaple parse(String file, byte[] der, List<X509Certificate> chain, Instant now) throws LoadedCertificate.Problem {
        X509Certificate leaf = chain.get(0);
        BasicOCSPResp basic;
        try {
            OCSPResp response = new OCSPResp(der);
            if (response.getStatus() != OCSPResp.SUCCESSFUL) {
                throw problem(file, "is an OCSP response with status " + response.getStatus() + ", not successful (0)");
            }
            basic = (BasicOCSPResp) response.getResponseObject();
        } catch (IOException | OCSPException | ClassCastException | IllegalArgumentException e) {
            throw problem(file, "is not a DER OCSP response: " + e.getMessage());
        }
        for (SingleResp single : basic.getResponses()) {
            CertificateID id = single.getCertID();
            if (!id.getSerialNumber().equals(leaf.getSerialNumber()) || !issuedBy(id, chain)) {
                continue;
            }
            if (single.getCertStatus() != CertificateStatus.GOOD) {
                throw problem(file, "says the certificate in question is not good (revoked or unknown)");
            }
            Instant next = single.getNextUpdate() == null ? null : single.getNextUpdate().toInstant();
            if (next != null && !next.isAfter(now)) {
                throw problem(file, "went stale at " + next + " (its next update)");
            }
            return new OcspStaple(der.clone(), next);
        }
        throw problem(file, "is about another certificate (none of its answers names serial "
                + leaf.getSerialNumber().toString(16) + " of " + leaf.getSubjectX500Principal().getName() + ")");
    }

    /** Whether the answer is about a certificate of the chain's issuer; true when the chain does not carry the issuer. */
    private static boolean issuedBy(CertificateID id, List<X509Certificate> chain) {
        if (chain.size() < 2) {
            return true;
        }
        try {
            return id.matchesIssuer(new JcaX509CertificateHolder(chain.get(1)), new JcaDigestCalculatorProviderBuilder().build());
        } catch (OCSPException | OperatorCreationException | CertificateEncodingException e) {
            return false;
        }
    }

    private static LoadedCertificate.Problem problem(String file, String what) {
        return new LoadedCertificate.Problem("ocsp_response", file + " " + what);
    }

    /** Whether the responder's answer has gone stale by {@code now}. */
    boolean staleAt(Instant now) {
        return nextUpdate != null && !nextUpdate.isAfter(now);
    }

    boolean sameContent(byte[] other) {
        return Arrays.equals(der, other);
    }
}
