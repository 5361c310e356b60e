package io.vigil.cloud.mqtt.internal.connection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/** The TLS socket factory of an {@code ssl://} connection, from the configured trust store and key store. */
final class Tls {

    private Tls() {
    }

    /**
     * @param trustStore null: the JVM's default CAs
     * @param keyStore null: no client certificate
     * @throws IllegalArgumentException a store is missing, unreadable, or its password is wrong; the message says
     *         which file and which setting
     */
    static SSLSocketFactory socketFactory(Path trustStore, char[] trustPassword, Path keyStore, char[] keyPassword) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore == null ? null : load(trustStore, trustPassword, "trust.store"));
            KeyManagerFactory kmf = null;
            if (keyStore != null) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(load(keyStore, keyPassword, "key.store"), keyPassword);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx.getSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("TLS set-up failed: " + e.getMessage() + "; check trust.store, "
                    + "key.store and their passwords", e);
        }
    }

    private static KeyStore load(Path file, char[] password, String setting) {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(setting + " '" + file + "' does not exist or cannot be read; set "
                    + setting + " to a PKCS12 or JKS file");
        }
        try {
            return KeyStore.getInstance(file.toFile(), password);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(setting + " '" + file + "' cannot be opened (" + e.getMessage()
                    + "); is it PKCS12 or JKS, and is " + setting + ".password right?", e);
        }
    }
}
