package io.vigil.rest.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;

/**
 * The web console's user and password, and the check of an HTTP Basic {@code Authorization} header against them.
 * The password is given as the web console takes it: {@code {sha-256}} followed by the base64 of the raw digest of
 * the UTF-8 password (what bin/vigil writes), any other {@link MessageDigest} algorithm in the braces, or plain.
 * No framework types, so every case is testable without a container.
 */
final class Credentials {

    /** What the check of one request came to; {@code message} goes to the client, so it never holds a secret. */
    enum Verdict { AUTHENTICATED, MISSING, MALFORMED, WRONG, DISABLED }

    /**
     * @param user the authenticated user, or, for a wrong one, the user name the client sent (for the log; never
     *        the password)
     */
    record Check(Verdict verdict, String user, String message) {

        boolean authenticated() {
            return verdict == Verdict.AUTHENTICATED;
        }
    }

    /**
     * Plain passwords are compared as SHA-256 digests too, so the time a comparison takes says nothing about the
     * configured password's length.
     */
    private static final String PLAIN_COMPARISON = "SHA-256";

    private final byte[] userDigest;
    private final String algorithm;
    private final byte[] passwordDigest;
    private final String disabledReason;

    private Credentials(byte[] userDigest, String algorithm, byte[] passwordDigest, String disabledReason) {
        this.userDigest = userDigest;
        this.algorithm = algorithm;
        this.passwordDigest = passwordDigest;
        this.disabledReason = disabledReason;
    }

    /**
     * @param user {@code felix.webconsole.username}, may be null
     * @param password {@code felix.webconsole.password}, may be null
     * @return credentials that check requests, or, when either is missing or the password can't be read, ones that
     *         refuse every request; {@link #disabledReason()} says why, for the log
     */
    static Credentials of(String user, String password) {
        if (isBlank(user) || isBlank(password)) {
            String missing = isBlank(user) && isBlank(password) ? "felix.webconsole.username and felix.webconsole.password are"
                    : isBlank(user) ? "felix.webconsole.username is" : "felix.webconsole.password is";
            return disabled(missing + " not set; start the gateway with bin/vigil, which sets the console credentials"
                    + " (VIGIL_CONSOLE_USER, VIGIL_CONSOLE_PASSWORD)");
        }
        byte[] userDigest = digest(PLAIN_COMPARISON, user);
        if (password.startsWith("{")) {
            int end = password.indexOf('}');
            if (end < 0) {
                return disabled("felix.webconsole.password starts with '{' but has no closing '}' after the hash"
                        + " algorithm; give '{sha-256}' + base64 of the SHA-256 digest, or set it again with"
                        + " VIGIL_CONSOLE_PASSWORD=... bin/vigil");
            }
            String algorithm = password.substring(1, end);
            try {
                MessageDigest.getInstance(algorithm);
            } catch (NoSuchAlgorithmException e) {
                return disabled("felix.webconsole.password names the hash algorithm '" + algorithm
                        + "', which this JVM does not provide; use {sha-256} (bin/vigil does)");
            }
            byte[] expected;
            try {
                expected = Base64.getDecoder().decode(password.substring(end + 1).trim());
            } catch (IllegalArgumentException e) {
                return disabled("felix.webconsole.password: the digest after {" + algorithm
                        + "} is not valid base64 (" + e.getMessage() + "); set the password again with"
                        + " VIGIL_CONSOLE_PASSWORD=... bin/vigil");
            }
            if (expected.length == 0) {
                return disabled("felix.webconsole.password: no digest after {" + algorithm
                        + "}; set the password again with VIGIL_CONSOLE_PASSWORD=... bin/vigil");
            }
            return new Credentials(userDigest, algorithm, expected, null);
        }
        return new Credentials(userDigest, PLAIN_COMPARISON, digest(PLAIN_COMPARISON, password), null);
    }

    private static Credentials disabled(String reason) {
        return new Credentials(null, null, null, reason);
    }

    /** @return why every request is refused, or null when credentials are configured */
    String disabledReason() {
        return disabledReason;
    }

    /** @param authorization the request's {@code Authorization} header, null when there is none */
    Check check(String authorization) {
        if (disabledReason != null) {
            return new Check(Verdict.DISABLED, null, "the REST API is disabled until the web console credentials"
                    + " are set (felix.webconsole.username and felix.webconsole.password; bin/vigil sets them)");
        }
        if (authorization == null || authorization.isBlank()) {
            return new Check(Verdict.MISSING, null,
                    "authentication required: send HTTP Basic credentials (the web console's user and password)");
        }
        String header = authorization.strip();
        int space = header.indexOf(' ');
        String scheme = space < 0 ? header : header.substring(0, space);
        if (!scheme.toLowerCase(Locale.ROOT).equals("basic")) {
            // the scheme is not a secret, but the token after it may be: name only the scheme, and only if short
            String shown = scheme.length() <= 20 ? "'" + scheme + "'" : "(" + scheme.length() + " characters)";
            return new Check(Verdict.MALFORMED, null, "unsupported Authorization scheme " + shown
                    + ": use HTTP Basic with the web console's user and password");
        }
        String token = space < 0 ? "" : header.substring(space + 1).strip();
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return new Check(Verdict.MALFORMED, null,
                    "malformed Basic credentials: the token after 'Basic ' is not valid base64");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return new Check(Verdict.MALFORMED, null,
                    "malformed Basic credentials: the decoded token has no ':' between user and password");
        }
        String user = decoded.substring(0, colon);
        String password = decoded.substring(colon + 1);
        // both compared every time, so the response time does not tell a wrong user from a wrong password
        boolean userMatches = MessageDigest.isEqual(digest(PLAIN_COMPARISON, user), userDigest);
        boolean passwordMatches = MessageDigest.isEqual(digest(algorithm, password), passwordDigest);
        if (userMatches & passwordMatches) {
            return new Check(Verdict.AUTHENTICATED, user, null);
        }
        return new Check(Verdict.WRONG, user, "wrong user name or password");
    }

    private static byte[] digest(String algorithm, String text) {
        try {
            return MessageDigest.getInstance(algorithm).digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            // SHA-256 is mandatory in every JVM, and other algorithms were looked up when the credentials were read
            throw new IllegalStateException("hash algorithm " + algorithm + " disappeared from the JVM", e);
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
