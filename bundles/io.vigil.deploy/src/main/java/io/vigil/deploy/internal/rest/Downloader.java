package io.vigil.deploy.internal.rest;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vigil.deploy.internal.rest.DownloadException.Reason;

/**
 * Fetches a deployment package (http, https or file URL) or receives an uploaded one into a local file, computing
 * its SHA-256 on the way, within a size limit and timeouts. An HTTP transfer that breaks off is resumed with a
 * {@code Range} request (guarded by {@code If-Range}, so a file replaced on the server in between is fetched again
 * from the start rather than spliced); the hash always covers the whole file as it ends up on disk. On any failure
 * the local file is deleted.
 *
 * <p>Plain Java, no OSGi: the REST resource uses it, and so can any other remote-install path.
 */
public final class Downloader {

    /** Receives the byte count after each chunk; {@code total} is -1 when the source did not announce a size. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (received, total) -> {
        };

        void bytes(long received, long total);
    }

    /**
     * @param file the local copy
     * @param size its length in bytes
     * @param sha256 its SHA-256, lower-case hex
     * @param connections how many connections it took (1 when nothing had to be resumed)
     */
    public record Result(Path file, long size, String sha256, int connections) {
    }

    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int BUFFER = 64 * 1024;

    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final long maxBytes;
    private final int maxConnections;
    private final Duration retryDelay;

    /**
     * @param connectTimeout how long to wait for a connection
     * @param readTimeout how long a connection may stay silent (headers or body)
     * @param maxBytes the largest package accepted
     * @param maxConnections connections a download may take in all, the first included; a broken-off transfer is
     *        only resumed when the connection that broke had delivered something
     * @param retryDelay pause before resuming
     */
    public Downloader(Duration connectTimeout, Duration readTimeout, long maxBytes, int maxConnections,
            Duration retryDelay) {
        if (maxBytes <= 0 || maxConnections < 1) {
            throw new IllegalArgumentException("maxBytes must be positive and maxConnections at least 1, were "
                    + maxBytes + " and " + maxConnections);
        }
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        this.maxBytes = maxBytes;
        this.maxConnections = maxConnections;
        this.retryDelay = retryDelay;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /**
     * @return the hash in lower case
     * @throws IllegalArgumentException unless it is 64 hexadecimal digits
     */
    public static String sha256(String hex) {
        if (hex == null || !SHA256.matcher(hex.trim()).matches()) {
            throw new IllegalArgumentException("a SHA-256 is 64 hexadecimal digits, was "
                    + (hex == null ? "none" : "'" + abbreviate(hex) + "'"));
        }
        return hex.trim().toLowerCase(Locale.ROOT);
    }

    /**
     * Fetches {@code uri} into {@code target} (created or replaced).
     *
     * @param expectedSha256 refuse the file unless it has this hash (as {@link #sha256(String)} accepts); null: any
     * @throws IllegalArgumentException when {@code expectedSha256} is not a SHA-256
     */
    public Result download(URI uri, Path target, String expectedSha256, Progress progress) throws DownloadException {
        String expected = expectedSha256 == null ? null : sha256(expectedSha256);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        try {
            Result r = switch (scheme) {
                case "http", "https" -> http(uri, target, progress);
                case "file" -> file(uri, target, progress);
                default -> throw new DownloadException(Reason.UNSUPPORTED_SCHEME, "cannot fetch '"
                        + abbreviate(uri.toString()) + "': only http, https and file URLs are supported");
            };
            return verified(r, expected, uri.toString());
        } catch (DownloadException | RuntimeException e) {
            deleteQuietly(target);
            throw e;
        }
    }

    /**
     * Receives an uploaded package into {@code target} (created or replaced).
     *
     * @param declaredLength the length the sender announced, -1 if none
     * @param expectedSha256 refuse the file unless it has this hash; null: any
     */
    public Result receive(InputStream in, long declaredLength, Path target, String expectedSha256,
            Progress progress) throws DownloadException {
        String expected = expectedSha256 == null ? null : sha256(expectedSha256);
        try {
            if (declaredLength > maxBytes) {
                throw tooLarge(declaredLength + " bytes announced");
            }
            Transfer t = new Transfer(target, progress);
            try (t) {
                t.total = declaredLength;
                try {
                    t.copy(in);
                } catch (IOException e) {
                    throw new DownloadException(Reason.SOURCE_FAILED, "the upload broke off after " + t.have
                            + " bytes (" + e + ")", e);
                }
                if (declaredLength >= 0 && t.have != declaredLength) {
                    throw new DownloadException(Reason.SOURCE_FAILED, "the upload announced " + declaredLength
                            + " bytes but sent " + t.have);
                }
            }
            return verified(t.result(1), expected, "the upload");
        } catch (DownloadException | RuntimeException e) {
            deleteQuietly(target);
            throw e;
        }
    }

    private static Result verified(Result r, String expected, String from) throws DownloadException {
        if (expected != null && !expected.equals(r.sha256())) {
            throw new DownloadException(Reason.HASH_MISMATCH, "SHA-256 mismatch for " + abbreviate(from)
                    + ": expected " + expected + " but the " + r.size() + " bytes received have " + r.sha256()
                    + "; the file is not the one that was meant (or was damaged on the way) and was not installed");
        }
        return r;
    }

    private Result file(URI uri, Path target, Progress progress) throws DownloadException {
        Path source;
        try {
            source = Path.of(uri);
        } catch (IllegalArgumentException | FileSystemNotFoundException e) {
            throw new DownloadException(Reason.BAD_URL, "'" + abbreviate(uri.toString()) + "' is not a local file URL "
                    + "(write file:/absolute/path): " + e.getMessage(), e);
        }
        if (!Files.isRegularFile(source)) {
            throw new DownloadException(Reason.NOT_FOUND, "no file " + source);
        }
        Transfer t = new Transfer(target, progress);
        try (t) {
            try (InputStream in = Files.newInputStream(source)) {
                t.total = Files.size(source);
                if (t.total > maxBytes) {
                    throw tooLarge(source + " has " + t.total + " bytes");
                }
                t.copy(in);
            } catch (IOException e) {
                throw new DownloadException(Reason.SOURCE_FAILED, "could not read " + source + ": " + e, e);
            }
        }
        return t.result(1);
    }

    private Result http(URI uri, Path target, Progress progress) throws DownloadException {
        URL url;
        try {
            if (uri.getHost() == null) {
                throw new MalformedURLException("no host");
            }
            url = uri.toURL();
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new DownloadException(Reason.BAD_URL, "'" + abbreviate(uri.toString()) + "' is not a usable URL: "
                    + e.getMessage(), e);
        }
        Transfer t = new Transfer(target, progress);
        try (t) {
            String validator = null;
            int connections = 0;
            while (true) {
                connections++;
                IOException broke;
                long start = t.have;
                HttpURLConnection c;
                try {
                    c = (HttpURLConnection) url.openConnection();
                } catch (IOException e) {
                    throw new DownloadException(Reason.SOURCE_FAILED, "cannot open " + url + ": " + e, e);
                }
                try {
                    c.setConnectTimeout(millis(connectTimeout));
                    c.setReadTimeout(millis(readTimeout));
                    c.setUseCaches(false);
                    c.setInstanceFollowRedirects(true);
                    // the bytes must be the file's: a transparently decompressed body would not match its hash
                    c.setRequestProperty("Accept-Encoding", "identity");
                    if (t.have > 0) {
                        c.setRequestProperty("Range", "bytes=" + t.have + "-");
                        if (validator != null) {
                            c.setRequestProperty("If-Range", validator);
                        }
                    }
                    int status = c.getResponseCode();
                    if (status == HttpURLConnection.HTTP_PARTIAL && t.have > 0) {
                        long[] range = contentRange(c.getHeaderField("Content-Range"));
                        if (range == null || range[0] != t.have) {
                            // not the rest of what we have: start over on the next connection (this counts as
                            // progress below, so it is tried once more within the connection limit)
                            t.restart();
                            validator = null;
                            throw new IOException("asked for bytes from " + start + ", the server sent "
                                    + c.getHeaderField("Content-Range"));
                        }
                        if (range[1] >= 0) {
                            t.total = range[1];
                        }
                    } else if (status == HttpURLConnection.HTTP_OK) {
                        if (t.have > 0) {
                            // no range support, or the file changed (If-Range): this is the whole file again
                            t.restart();
                        }
                        t.total = c.getContentLengthLong();
                        validator = validator(c);
                    } else if (status == HttpURLConnection.HTTP_NOT_FOUND || status == HttpURLConnection.HTTP_GONE) {
                        throw new DownloadException(Reason.NOT_FOUND, url + " answered " + status + " "
                                + c.getResponseMessage());
                    } else {
                        throw new DownloadException(Reason.SOURCE_FAILED, url + " answered " + status + " "
                                + c.getResponseMessage());
                    }
                    start = t.have;
                    if (t.total > maxBytes) {
                        throw tooLarge(url + " announces " + t.total + " bytes");
                    }
                    t.checkSpace();
                    try (InputStream in = c.getInputStream()) {
                        t.copy(in);
                    }
                    if (t.total < 0 || t.have == t.total) {
                        return t.result(connections);
                    }
                    if (t.have > t.total) {
                        throw new DownloadException(Reason.SOURCE_FAILED, url + " sent " + t.have
                                + " bytes after announcing " + t.total);
                    }
                    broke = new EOFException("the connection closed after " + t.have + " of " + t.total + " bytes");
                } catch (IOException e) {
                    broke = e;
                } finally {
                    c.disconnect();
                }
                if (t.have == start || connections >= maxConnections) {
                    throw new DownloadException(broke instanceof SocketTimeoutException ? Reason.TIMEOUT
                            : Reason.SOURCE_FAILED, "download of " + url + " failed after " + t.have + " of "
                                    + (t.total < 0 ? "?" : t.total) + " bytes and " + connections + " connection"
                                    + (connections == 1 ? "" : "s") + ": " + broke, broke);
                }
                pause();
            }
        }
    }

    private void pause() throws DownloadException {
        if (retryDelay.isZero()) {
            return;
        }
        try {
            Thread.sleep(retryDelay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DownloadException(Reason.SOURCE_FAILED, "interrupted before resuming the download", e);
        }
    }

    /** A strong ETag or the Last-Modified date: what If-Range may carry. */
    private static String validator(HttpURLConnection c) {
        String etag = c.getHeaderField("ETag");
        if (etag != null && !etag.startsWith("W/")) {
            return etag;
        }
        return c.getHeaderField("Last-Modified");
    }

    /** @return first byte and full length (-1 when '*'), or null */
    private static long[] contentRange(String header) {
        if (header == null) {
            return null;
        }
        Matcher m = CONTENT_RANGE.matcher(header.trim());
        if (!m.matches()) {
            return null;
        }
        return new long[] { Long.parseLong(m.group(1)), m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3)) };
    }

    private DownloadException tooLarge(String what) {
        return new DownloadException(Reason.TOO_LARGE, what + ", more than the limit of " + maxBytes
                + " bytes for a deployment package");
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    static String abbreviate(String s) {
        String printable = s.replaceAll("\\p{Cntrl}", "?");
        return printable.length() <= 200 ? printable : printable.substring(0, 200) + "...";
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            p.toFile().deleteOnExit();
        }
    }

    /** The local file being written, its hash and count so far. */
    private final class Transfer implements AutoCloseable {
        private final Path target;
        private final Progress progress;
        private final FileChannel out;
        private final MessageDigest digest;
        private final byte[] buffer = new byte[BUFFER];
        long have;
        long total = -1;

        Transfer(Path target, Progress progress) throws DownloadException {
            this.target = target;
            this.progress = progress;
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JVM has SHA-256", e);
            }
            try {
                out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new DownloadException(Reason.STORAGE, "cannot create " + target + ": " + e, e);
            }
        }

        /** Reads to the end of {@code in}; an IOException is the source's, write failures are DownloadExceptions. */
        void copy(InputStream in) throws IOException, DownloadException {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (n == 0) {
                    continue;
                }
                if (have + n > maxBytes) {
                    throw tooLarge("more than " + maxBytes + " bytes arrived");
                }
                try {
                    ByteBuffer b = ByteBuffer.wrap(buffer, 0, n);
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                } catch (IOException e) {
                    throw new DownloadException(Reason.STORAGE, "cannot write " + target + " after " + have
                            + " bytes: " + e, e);
                }
                digest.update(buffer, 0, n);
                have += n;
                progress.bytes(have, total);
            }
        }

        void restart() throws DownloadException {
            try {
                out.truncate(0);
                out.position(0);
            } catch (IOException e) {
                throw new DownloadException(Reason.STORAGE, "cannot truncate " + target + ": " + e, e);
            }
            digest.reset();
            have = 0;
        }

        void checkSpace() throws DownloadException {
            if (total < 0) {
                return;
            }
            try {
                long free = Files.getFileStore(target.toAbsolutePath().getParent()).getUsableSpace();
                if (free < total - have) {
                    throw new DownloadException(Reason.STORAGE, "the package needs " + (total - have)
                            + " more bytes but only " + free + " are free beside " + target);
                }
            } catch (IOException e) {
                // not knowing the free space is no reason to refuse; a full disk still fails the write
            }
        }

        Result result(int connections) {
            return new Result(target, have, HexFormat.of().formatHex(digest.digest()), connections);
        }

        @Override
        public void close() throws DownloadException {
            try {
                out.close();
            } catch (IOException e) {
                throw new DownloadException(Reason.STORAGE, "cannot close " + target + ": " + e, e);
            }
        }
    }
}
