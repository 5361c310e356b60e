package io.vigil.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.CodeSigner;
import java.security.Timestamp;
import java.security.cert.CertPath;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrustPolicyTest {

    private static TestKeys keys;
    private final Instant now = Instant.now();

    @BeforeAll
    static void generateKeys() {
        keys = TestKeys.shared();
    }

    private static CodeSigner signer(TestKeys.Signer signer) {
        return new CodeSigner(signer.chain(), null);
    }

    private static CertPath path(X509Certificate... chain) throws CertificateException {
        return CertificateFactory.getInstance("X.509").generateCertPath(List.of(chain));
    }

    private static void assertRefused(TrustPolicy policy, CodeSigner signer, Instant at, String... named) {
        CertificateException e = assertThrows(CertificateException.class, () -> policy.check(signer, at));
        for (String value : named) {
            assertTrue(e.getMessage().contains(value), () -> "the message should name " + value + ": "
                    + e.getMessage());
        }
    }

    @Test
    void trustsACertificateOfTheTrustStore() {
        assertDoesNotThrow(() -> keys.policy(false).check(signer(keys.trusted), now));
    }

    @Test
    void trustsAChainThroughATrustedCa() throws Exception {
        TrustPolicy onlyCa = new TrustPolicy(List.of(keys.ca), false);
        // the chain as jarsigner embeds it, CA included
        assertDoesNotThrow(() -> onlyCa.check(signer(keys.caIssued), now));
        // the signer's certificate alone: the CA is found in the store by its subject and verified by its key
        CodeSigner leafOnly = new CodeSigner(path(keys.caIssued.certificate()), null);
        assertDoesNotThrow(() -> onlyCa.check(leafOnly, now));
    }

    @Test
    void refusesASignerOutsideTheTrustStore() {
        assertRefused(keys.policy(false), signer(keys.untrusted), now, keys.untrusted.subject(), "not trusted");
        TrustPolicy onlyTrusted = new TrustPolicy(List.of(keys.trusted.certificate()), false);
        assertRefused(onlyTrusted, signer(keys.caIssued), now, keys.caIssued.subject(), "not trusted");
    }

    @Test
    void refusesAChainThatOnlyListsATrustedCertificate() throws Exception {
        // Mallory appends the trusted certificate to her own chain; it did not sign hers
        CodeSigner forged = new CodeSigner(path(keys.untrusted.certificate(), keys.trusted.certificate()), null);
        assertRefused(keys.policy(false), forged, now, keys.untrusted.subject(), "not signed by",
                keys.trusted.subject());
    }

    @Test
    void refusesAnExpiredCertificate() {
        CertificateException e = assertThrows(CertificateExpiredException.class,
                () -> keys.policy(false).check(signer(keys.expired), now));
        assertTrue(e.getMessage().contains(keys.expired.subject()) && e.getMessage().contains("expired on "
                + keys.expired.certificate().getNotAfter().toInstant()), e.getMessage());
    }

    @Test
    void refusesACertificateNotYetValid() {
        Instant beforeIssue = keys.trusted.certificate().getNotBefore().toInstant().minus(Duration.ofDays(1));
        assertRefused(keys.policy(false), signer(keys.trusted), beforeIssue, keys.trusted.subject(),
                "not valid before");
    }

    @Test
    void acceptsAnExpiredCertificateByItsTrustedTimestamp() {
        Date whileValid = Date.from(keys.expired.certificate().getNotBefore().toInstant().plus(Duration.ofDays(1)));
        // the expired key's own certificate is the only one valid back then, so it stands in for the TSA
        CodeSigner timestamped = new CodeSigner(keys.expired.chain(), new Timestamp(whileValid, keys.expired.chain()));
        assertDoesNotThrow(() -> keys.policy(false).check(timestamped, now));

        CodeSigner untrustedTsa = new CodeSigner(keys.expired.chain(),
                new Timestamp(whileValid, keys.untrusted.chain()));
        assertRefused(keys.policy(false), untrustedTsa, now, keys.expired.subject(), "expired on");
    }
}
