package io.vigil.deploy.internal;

import java.security.CodeSigner;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.Timestamp;
import java.security.cert.CertPath;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Set;

/**
 * Which signers Vigil accepts for a deployment package.
 * <p>
 * A signer is trusted when its certificate chain reaches a certificate of the trust store: a trusted certificate
 * anywhere in the chain, or one that issued the chain's last certificate. Every link below that anchor must be signed
 * by the next certificate's key, so a chain that merely lists a trusted certificate after an unrelated one is refused.
 * <p>
 * Validity: every certificate from the signer up to and including the anchor must be valid at the reference time.
 * That is now, unless the signature carries a timestamp whose TSA chain is itself trusted by this policy; then it is
 * the time of signing, so that packages signed before a key expired stay installable (the JDK verifies the timestamp
 * together with the signature). An untrusted timestamp is ignored, which falls back to the stricter "now". Key usage
 * extensions and revocation are not checked: the trust store is the gateway's whole PKI.
 */
public final class TrustPolicy {

    private final Set<X509Certificate> trusted;
    private final boolean allowUnsigned;

    /**
     * @param allowUnsigned accept packages that carry no signature at all (development); a package that carries a
     *                      signature must still pass every check
     */
    public TrustPolicy(Collection<X509Certificate> trusted, boolean allowUnsigned) {
        this.trusted = Set.copyOf(trusted);
        this.allowUnsigned = allowUnsigned;
    }

    /** Trusts every certificate in the store, whether stored as a trusted certificate or with a key. */
    public static TrustPolicy of(KeyStore trustStore, boolean allowUnsigned) throws KeyStoreException {
        List<X509Certificate> certificates = new ArrayList<>();
        for (String alias : Collections.list(trustStore.aliases())) {
            if (trustStore.getCertificate(alias) instanceof X509Certificate certificate) {
                certificates.add(certificate);
            }
        }
        return new TrustPolicy(certificates, allowUnsigned);
    }

    public boolean allowUnsigned() {
        return allowUnsigned;
    }

    /** @throws CertificateException with a message naming the certificate that breaks the trust and why */
    public void check(CodeSigner signer, Instant now) throws CertificateException {
        Date at = Date.from(now);
        Timestamp timestamp = signer.getTimestamp();
        if (timestamp != null) {
            try {
                checkChain(timestamp.getSignerCertPath(), timestamp.getTimestamp());
                at = timestamp.getTimestamp();
            } catch (CertificateException untrustedTimestamp) {
                // keep "now"
            }
        }
        checkChain(signer.getSignerCertPath(), at);
    }

    private void checkChain(CertPath path, Date at) throws CertificateException {
        List<? extends Certificate> chain = path.getCertificates();
        if (chain.isEmpty()) {
            throw new CertificateException("the signature carries no certificate");
        }
        for (int i = 0; i < chain.size(); i++) {
            X509Certificate certificate = (X509Certificate) chain.get(i);
            checkValidity(certificate, at);
            if (trusted.contains(certificate)) {
                return;
            }
            if (i + 1 < chain.size()) {
                X509Certificate issuer = (X509Certificate) chain.get(i + 1);
                if (!signedBy(certificate, issuer)) {
                    throw new CertificateException(subject(certificate) + " is not signed by the next certificate "
                            + "in its chain, " + subject(issuer) + "; the chain is forged or assembled wrongly");
                }
            }
        }
        X509Certificate last = (X509Certificate) chain.get(chain.size() - 1);
        for (X509Certificate anchor : trusted) {
            if (anchor.getSubjectX500Principal().equals(last.getIssuerX500Principal()) && signedBy(last, anchor)) {
                checkValidity(anchor, at);
                return;
            }
        }
        throw new CertificateException(subject((X509Certificate) chain.get(0))
                + " is not trusted: neither it nor an issuer in its chain is in the trust store");
    }

    private static void checkValidity(X509Certificate certificate, Date at) throws CertificateException {
        try {
            certificate.checkValidity(at);
        } catch (CertificateExpiredException e) {
            throw new CertificateExpiredException("certificate " + subject(certificate) + " expired on "
                    + certificate.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new CertificateNotYetValidException("certificate " + subject(certificate) + " is not valid before "
                    + certificate.getNotBefore().toInstant() + " (is the gateway's clock right?)");
        }
    }

    private static boolean signedBy(X509Certificate certificate, X509Certificate issuer) {
        try {
            certificate.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    static String subject(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }
}
