package io.vigil.rest.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import io.vigil.rest.internal.Credentials.Check;
import io.vigil.rest.internal.Credentials.Verdict;

class CredentialsTest {

    private static final String USER = "vigil";
    private static final String PASSWORD = "s3cret-pässword:with colon";

    /** The web console's format, computed here the way bin/vigil does, not by the class under test. */
    private static String webConsoleHash(String algorithm, String password) throws NoSuchAlgorithmException {
        byte[] digest = MessageDigest.getInstance(algorithm).digest(password.getBytes(StandardCharsets.UTF_8));
        return "{" + algorithm.toLowerCase() + "}" + Base64.getEncoder().encodeToString(digest);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static Credentials hashed() throws NoSuchAlgorithmException {
        Credentials credentials = Credentials.of(USER, webConsoleHash("SHA-256", PASSWORD));
        assertNull(credentials.disabledReason());
        return credentials;
    }

    @Test
    void sha256PasswordAuthenticates() throws Exception {
        Check check = hashed().check(basic(USER, PASSWORD));
        assertEquals(Verdict.AUTHENTICATED, check.verdict());
        assertEquals(USER, check.user());
    }

    @Test
    void otherDigestAlgorithmsAsTheWebConsoleTakesThem() throws Exception {
        Credentials credentials = Credentials.of(USER, webConsoleHash("SHA-512", PASSWORD));
        assertTrue(credentials.check(basic(USER, PASSWORD)).authenticated());
        assertEquals(Verdict.WRONG, credentials.check(basic(USER, PASSWORD + "x")).verdict());
    }

    @Test
    void schemeIsCaseInsensitiveAndSpacesAreTolerated() throws Exception {
        String token = basic(USER, PASSWORD).substring("Basic ".length());
        assertTrue(hashed().check("  bAsIc   " + token + " ").authenticated());
    }

    @Test
    void wrongPasswordIsRejectedWithoutEchoingIt() throws Exception {
        String wrong = "not-the-password";
        Check check = hashed().check(basic(USER, wrong));
        assertEquals(Verdict.WRONG, check.verdict());
        assertEquals(USER, check.user());
        assertFalse(check.message().contains(wrong), check.message());
    }

    @Test
    void wrongUserIsRejectedWithTheSameMessageAsAWrongPassword() throws Exception {
        Credentials credentials = hashed();
        Check wrongUser = credentials.check(basic("admin", PASSWORD));
        assertEquals(Verdict.WRONG, wrongUser.verdict());
        assertEquals("admin", wrongUser.user());
        // the client must not learn which of the two was wrong
        assertEquals(credentials.check(basic(USER, "x")).message(), wrongUser.message());
    }

    @Test
    void passwordThatIsAPrefixOrExtensionIsWrong() throws Exception {
        Credentials credentials = hashed();
        assertEquals(Verdict.WRONG, credentials.check(basic(USER, PASSWORD.substring(0, 5))).verdict());
        assertEquals(Verdict.WRONG, credentials.check(basic(USER, PASSWORD + " ")).verdict());
        assertEquals(Verdict.WRONG, credentials.check(basic(USER, "")).verdict());
    }

    @Test
    void plainPasswordConfiguration() {
        Credentials credentials = Credentials.of(USER, PASSWORD);
        assertNull(credentials.disabledReason());
        assertTrue(credentials.check(basic(USER, PASSWORD)).authenticated());
        assertEquals(Verdict.WRONG, credentials.check(basic(USER, "admin")).verdict());
    }

    @Test
    void theHashItselfIsNotAcceptedAsThePassword() throws Exception {
        String hash = webConsoleHash("SHA-256", PASSWORD);
        assertEquals(Verdict.WRONG, Credentials.of(USER, hash).check(basic(USER, hash)).verdict());
    }

    @Test
    void missingHeaderAsksForCredentials() throws Exception {
        assertEquals(Verdict.MISSING, hashed().check(null).verdict());
        assertEquals(Verdict.MISSING, hashed().check("  ").verdict());
    }

    @Test
    void otherSchemeIsMalformed() throws Exception {
        Check check = hashed().check("Bearer abc.def.ghi");
        assertEquals(Verdict.MALFORMED, check.verdict());
        assertTrue(check.message().contains("'Bearer'"), check.message());
        assertFalse(check.message().contains("abc.def"), check.message());
    }

    @Test
    void basicWithoutTokenIsMalformed() throws Exception {
        assertEquals(Verdict.MALFORMED, hashed().check("Basic").verdict());
    }

    @Test
    void badBase64IsMalformed() throws Exception {
        Check check = hashed().check("Basic not*base64!");
        assertEquals(Verdict.MALFORMED, check.verdict());
        assertTrue(check.message().contains("base64"), check.message());
    }

    @Test
    void tokenWithoutColonIsMalformed() throws Exception {
        String token = Base64.getEncoder().encodeToString((USER + PASSWORD.replace(":", "")).getBytes(StandardCharsets.UTF_8));
        Check check = hashed().check("Basic " + token);
        assertEquals(Verdict.MALFORMED, check.verdict());
        assertTrue(check.message().contains("':'"), check.message());
    }

    @Test
    void unconfiguredRefusesEveryRequest() throws Exception {
        for (Credentials credentials : new Credentials[] { Credentials.of(null, null), Credentials.of("", " "),
                Credentials.of(USER, null), Credentials.of(null, webConsoleHash("SHA-256", PASSWORD)) }) {
            assertNotNull(credentials.disabledReason());
            // not even the well-known default gets in
            assertEquals(Verdict.DISABLED, credentials.check(basic("admin", "admin")).verdict());
            assertEquals(Verdict.DISABLED, credentials.check(basic(USER, PASSWORD)).verdict());
            assertEquals(Verdict.DISABLED, credentials.check(null).verdict());
        }
        assertTrue(Credentials.of(USER, null).disabledReason().contains("felix.webconsole.password"));
        assertTrue(Credentials.of(null, PASSWORD).disabledReason().contains("felix.webconsole.username"));
    }

    @Test
    void unreadablePasswordConfigurationDisablesAndSaysWhy() {
        Credentials unknownAlgorithm = Credentials.of(USER, "{rot13}abcd");
        assertTrue(unknownAlgorithm.disabledReason().contains("'rot13'"), unknownAlgorithm.disabledReason());
        assertEquals(Verdict.DISABLED, unknownAlgorithm.check(basic(USER, "abcd")).verdict());

        Credentials badDigest = Credentials.of(USER, "{sha-256}***");
        assertTrue(badDigest.disabledReason().contains("base64"), badDigest.disabledReason());
        assertTrue(Credentials.of(USER, "{sha-256").disabledReason().contains("'}'"));
        assertTrue(Credentials.of(USER, "{sha-256}").disabledReason().contains("no digest"));
    }
}
