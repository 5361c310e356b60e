package io.vigil.deploy.internal;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The raw bytes under the {@link java.util.jar.JarInputStream}, for two facts that stream hides.
 * <ul>
 * <li>Its head, recorded on request: the JarInputStream parses the manifest but keeps its raw bytes to itself, and
 * only the raw bytes can be checked against the whole-manifest digest of a signature file.</li>
 * <li>Its tail: a ZipInputStream reports a stream cut at an entry boundary as a normal end. A complete zip ends with
 * the end-of-central-directory record (22 bytes plus a comment of at most 64 KiB), so keeping that many last bytes is
 * enough to tell a complete archive from a truncated one.</li>
 * </ul>
 */
final class ArchiveStream extends FilterInputStream {

    private static final int END_RECORD = 22;
    private static final int END_SIGNATURE = 0x06054b50;
    private final byte[] tail = new byte[END_RECORD + 0xFFFF];
    private long count;
    private ByteArrayOutputStream head;

    ArchiveStream(InputStream in) {
        super(in);
    }

    void startRecording() {
        head = new ByteArrayOutputStream();
    }

    byte[] stopRecording() {
        byte[] recorded = head.toByteArray();
        head = null;
        return recorded;
    }

    /** @return the number of bytes read from the source so far */
    long count() {
        return count;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            keep(new byte[] { (byte) b }, 0, 1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            keep(b, off, n);
        }
        return n;
    }

    /** Skipped bytes must pass through the tail too. */
    @Override
    public long skip(long n) throws IOException {
        byte[] buffer = new byte[(int) Math.min(n, 8192)];
        int read = read(buffer, 0, buffer.length);
        return Math.max(read, 0);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** Reads the source to its end, which after the last entry is the central directory. */
    void drain() throws IOException {
        byte[] buffer = new byte[8192];
        while (read(buffer, 0, buffer.length) >= 0) {
            // only the tail matters
        }
    }

    /** @return whether the bytes read so far end with a complete end-of-central-directory record */
    boolean endsWithEndRecord() {
        int length = (int) Math.min(count, tail.length);
        byte[] last = new byte[length];
        int start = (int) ((count - length) % tail.length);
        int first = Math.min(length, tail.length - start);
        System.arraycopy(tail, start, last, 0, first);
        System.arraycopy(tail, 0, last, first, length - first);
        for (int at = length - END_RECORD; at >= 0; at--) {
            int commentLength = (last[at + 20] & 0xff) | (last[at + 21] & 0xff) << 8;
            if (int32(last, at) == END_SIGNATURE && at + END_RECORD + commentLength == length) {
                return true;
            }
        }
        return false;
    }

    private static int int32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    private void keep(byte[] b, int off, int n) {
        if (head != null) {
            head.write(b, off, n);
        }
        for (int done = 0; done < n;) {
            int at = (int) ((count + done) % tail.length);
            int chunk = Math.min(n - done, tail.length - at);
            System.arraycopy(b, off + done, tail, at, chunk);
            done += chunk;
        }
        count += n;
    }
}
