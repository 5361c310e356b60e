package io.vigil.driver.replay.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one column of a NumPy {@code .npy} array (format versions 1.0, 2.0 and 3.0) as doubles.
 *
 * <p>Only what recordings use is accepted: C-order numeric arrays of shape {@code (N,)}, {@code (N,1)} or
 * {@code (N,C)} with dtype float64, float32, int16, int32 or int64 in an explicit byte order. Everything else is
 * rejected with a message that names the file and the offending value, because a silently misread recording
 * produces plausible-looking but wrong features downstream. int64 values beyond 2^53 lose precision in the
 * conversion to double.
 */
public final class NpyReader {

    private static final byte[] MAGIC = { (byte) 0x93, 'N', 'U', 'M', 'P', 'Y' };
    /** Largest Java array we can read a file into, with the usual VM header margin. */
    static final long MAX_BYTES = Integer.MAX_VALUE - 8;
    private static final Set<String> HEADER_KEYS = Set.of("descr", "fortran_order", "shape");

    private NpyReader() {
    }

    /**
     * Reads column {@code column} of the array in {@code file}.
     *
     * @throws BadRecordingException if the file is not a supported .npy array or is truncated
     * @throws IOException if the file cannot be read
     */
    public static double[] read(Path file, int column) throws IOException {
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new BadRecordingException(file.toString(),
                    "is " + size + " bytes; files above 2 GiB are not supported, split the recording");
        }
        return parse(Files.readAllBytes(file), file.toString(), column);
    }

    /**
     * Reads column {@code column} of the .npy array held in {@code content}.
     *
     * @param source how to name the array in error messages, e.g. the file and the npz key
     * @throws BadRecordingException if the content is not a supported .npy array or is truncated
     */
    public static double[] parse(byte[] content, String source, int column) throws BadRecordingException {
        checkMagic(content, source);
        int major = content[6] & 0xff;
        int minor = content[7] & 0xff;
        if (major < 1 || major > 3 || minor != 0) {
            throw new BadRecordingException(source, "unsupported .npy format version " + major + "." + minor
                    + "; supported are 1.0, 2.0 and 3.0");
        }
        // Version 1 has a 16-bit header length; 2.0 widened it for huge structured dtypes; 3.0 only changed the
        // header encoding to UTF-8.
        int lengthFieldSize = major == 1 ? 2 : 4;
        int prefix = 8 + lengthFieldSize;
        if (content.length < prefix) {
            throw new BadRecordingException(source, "truncated header: the file ends after " + content.length
                    + " bytes, inside the header length field");
        }
        ByteBuffer le = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = major == 1 ? Short.toUnsignedLong(le.getShort(8)) : Integer.toUnsignedLong(le.getInt(8));
        if (headerLength > content.length - prefix) {
            throw new BadRecordingException(source, "truncated header: expected " + headerLength
                    + " header bytes, found " + (content.length - prefix));
        }
        String headerText = new String(content, prefix, (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Header header = Header.parse(headerText, source);
        return decode(content, prefix + (int) headerLength, header, source, column);
    }

    private static void checkMagic(byte[] content, String source) throws BadRecordingException {
        boolean ok = content.length >= 8;
        for (int i = 0; ok && i < MAGIC.length; i++) {
            ok = content[i] == MAGIC[i];
        }
        if (!ok) {
            StringBuilder found = new StringBuilder();
            for (int i = 0; i < Math.min(MAGIC.length, content.length); i++) {
                found.append(String.format("%02X ", content[i] & 0xff));
            }
            throw new BadRecordingException(source, "not a NumPy .npy array: bad magic ["
                    + found.toString().trim() + "] in a " + content.length
                    + "-byte file, expected [93 4E 55 4D 50 59] (\\x93NUMPY) followed by a version");
        }
    }

    private static double[] decode(byte[] content, int dataOffset, Header header, String source, int column)
            throws BadRecordingException {
        long rows = header.shape.get(0);
        long columns = header.shape.size() == 2 ? header.shape.get(1) : 1;
        if (column < 0 || column >= columns) {
            throw new BadRecordingException(source, "column " + column + " does not exist in an array of shape "
                    + header.shapeText() + "; use a column from 0 to " + (columns - 1));
        }
        long expected;
        try {
            expected = Math.multiplyExact(Math.multiplyExact(rows, columns), header.dtype.size);
        } catch (ArithmeticException e) {
            throw new BadRecordingException(source, "shape " + header.shapeText() + " is too large to read");
        }
        long found = content.length - dataOffset;
        if (found < expected) {
            throw new BadRecordingException(source, "truncated data: expected " + expected + " bytes for shape "
                    + header.shapeText() + " of '" + header.descr + "', found " + found);
        }
        if (found > expected) {
            throw new BadRecordingException(source, (found - expected) + " unexpected bytes after the data of shape "
                    + header.shapeText() + " '" + header.descr + "' (expected " + expected + " bytes, found "
                    + found + "); the header does not describe the data");
        }
        ByteBuffer data = ByteBuffer.wrap(content).order(header.order);
        double[] values = new double[(int) rows];
        int itemSize = header.dtype.size;
        int stride = (int) columns * itemSize;
        int at = dataOffset + column * itemSize;
        for (int i = 0; i < values.length; i++, at += stride) {
            values[i] = switch (header.dtype) {
                case FLOAT64 -> data.getDouble(at);
                case FLOAT32 -> data.getFloat(at);
                case INT16 -> data.getShort(at);
                case INT32 -> data.getInt(at);
                case INT64 -> data.getLong(at);
            };
        }
        return values;
    }

    private enum Dtype {
        FLOAT64("f8", 8), FLOAT32("f4", 4), INT16("i2", 2), INT32("i4", 4), INT64("i8", 8);

        final String code;
        final int size;

        Dtype(String code, int size) {
            this.code = code;
            this.size = size;
        }
    }

    /** The header dictionary, checked. */
    private static final class Header {
        final String descr;
        final Dtype dtype;
        final ByteOrder order;
        final List<Long> shape;

        private Header(String descr, Dtype dtype, ByteOrder order, List<Long> shape) {
            this.descr = descr;
            this.dtype = dtype;
            this.order = order;
            this.shape = shape;
        }

        String shapeText() {
            StringBuilder text = new StringBuilder("(");
            for (int i = 0; i < shape.size(); i++) {
                text.append(i == 0 ? "" : ", ").append(shape.get(i));
            }
            return text.append(shape.size() == 1 ? ",)" : ")").toString();
        }

        static Header parse(String text, String source) throws BadRecordingException {
            Object parsed = new PyLiteral(text, source).parseAll();
            if (!(parsed instanceof Map<?, ?> dict)) {
                throw new BadRecordingException(source, "header " + quote(text) + " is not a Python dict");
            }
            if (!dict.keySet().equals(HEADER_KEYS)) {
                throw new BadRecordingException(source, "header keys " + dict.keySet()
                        + " are not exactly the .npy keys [descr, fortran_order, shape]");
            }
            Object descr = dict.get("descr");
            if (!(descr instanceof String descrText)) {
                throw new BadRecordingException(source, "structured dtype " + descr
                        + " is not supported; save a plain numeric array, one column per channel");
            }
            if (!Boolean.FALSE.equals(dict.get("fortran_order"))) {
                throw new BadRecordingException(source, "fortran_order " + pythonText(dict.get("fortran_order"))
                        + " is not supported; save a C-order array, e.g. np.save(f, np.ascontiguousarray(a))");
            }
            return new Header(descrText, dtype(descrText, source), order(descrText, source),
                    shape(dict.get("shape"), source));
        }

        private static Dtype dtype(String descr, String source) throws BadRecordingException {
            String code = descr.length() == 3 ? descr.substring(1) : "";
            for (Dtype dtype : Dtype.values()) {
                if (dtype.code.equals(code)) {
                    return dtype;
                }
            }
            throw new BadRecordingException(source, "unsupported dtype '" + descr
                    + "'; supported are float64, float32, int16, int32 and int64 with an explicit byte order,"
                    + " e.g. '<f8', '>f4', '<i2', '<i4', '<i8'");
        }

        private static ByteOrder order(String descr, String source) throws BadRecordingException {
            switch (descr.charAt(0)) {
            case '<':
                return ByteOrder.LITTLE_ENDIAN;
            case '>':
                return ByteOrder.BIG_ENDIAN;
            default:
                // '=' (native) and '|' (not applicable) say nothing reliable about multi-byte data from another host.
                throw new BadRecordingException(source, "dtype '" + descr
                        + "' has no explicit byte order; expected '<' (little endian) or '>' (big endian)");
            }
        }

        private static List<Long> shape(Object value, String source) throws BadRecordingException {
            if (!(value instanceof List<?> dims)) {
                throw new BadRecordingException(source, "shape " + pythonText(value) + " is not a tuple");
            }
            List<Long> shape = new ArrayList<>();
            for (Object dim : dims) {
                if (!(dim instanceof Long size) || size < 0) {
                    throw new BadRecordingException(source, "shape " + pythonText(value)
                            + " has a dimension that is not a non-negative integer: " + pythonText(dim));
                }
                shape.add(size);
            }
            if (shape.isEmpty() || shape.size() > 2) {
                throw new BadRecordingException(source, "array has " + shape.size() + " dimensions (shape "
                        + pythonText(value) + "); expected (N,), (N, 1) or (N, C)");
            }
            return shape;
        }
    }

    private static String pythonText(Object value) {
        if (value == null) {
            return "None";
        }
        if (value instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (value instanceof String s) {
            return "'" + s + "'";
        }
        return String.valueOf(value);
    }

    private static String quote(String header) {
        return "\"" + header.strip() + "\"";
    }

    /**
     * The subset of Python literal syntax numpy writes into headers: dicts, tuples, lists, strings, integers,
     * True/False/None. Parsed rather than matched with regexes so that field order and spacing, which differ
     * between numpy versions, do not matter.
     */
    private static final class PyLiteral {
        private final String text;
        private final String source;
        private int pos;

        PyLiteral(String text, String source) {
            this.text = text;
            this.source = source;
        }

        Object parseAll() throws BadRecordingException {
            Object value = value();
            skipSpace();
            if (pos < text.length()) {
                throw error("unexpected text after the dict");
            }
            return value;
        }

        private Object value() throws BadRecordingException {
            skipSpace();
            if (pos >= text.length()) {
                throw error("unexpected end");
            }
            char c = text.charAt(pos);
            if (c == '{') {
                return dict();
            }
            if (c == '(') {
                return sequence(')');
            }
            if (c == '[') {
                return sequence(']');
            }
            if (c == '\'' || c == '"') {
                return string();
            }
            if (c == '-' || Character.isDigit(c)) {
                return integer();
            }
            if (Character.isLetter(c)) {
                return word();
            }
            throw error("unexpected character '" + c + "'");
        }

        private Map<Object, Object> dict() throws BadRecordingException {
            Map<Object, Object> dict = new LinkedHashMap<>();
            pos++;
            while (true) {
                skipSpace();
                if (peek() == '}') {
                    pos++;
                    return dict;
                }
                Object key = value();
                if (dict.containsKey(key)) {
                    throw error("duplicate key " + pythonText(key));
                }
                skipSpace();
                expect(':');
                dict.put(key, value());
                skipSpace();
                if (peek() == ',') {
                    pos++;
                } else if (peek() != '}') {
                    throw error("expected ',' or '}'");
                }
            }
        }

        private List<Object> sequence(char close) throws BadRecordingException {
            List<Object> items = new ArrayList<>();
            pos++;
            while (true) {
                skipSpace();
                if (peek() == close) {
                    pos++;
                    return items;
                }
                items.add(value());
                skipSpace();
                if (peek() == ',') {
                    pos++;
                } else if (peek() != close) {
                    throw error("expected ',' or '" + close + "'");
                }
            }
        }

        private String string() throws BadRecordingException {
            char quote = text.charAt(pos++);
            StringBuilder value = new StringBuilder();
            while (pos < text.length() && text.charAt(pos) != quote) {
                char c = text.charAt(pos++);
                if (c == '\\' && pos < text.length()) {
                    c = text.charAt(pos++);
                }
                value.append(c);
            }
            expect(quote);
            return value.toString();
        }

        private Long integer() throws BadRecordingException {
            int start = pos;
            if (peek() == '-') {
                pos++;
            }
            while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                pos++;
            }
            String digits = text.substring(start, pos);
            if (peek() == 'L') {
                pos++; // written by numpy under Python 2
            }
            try {
                return Long.valueOf(digits);
            } catch (NumberFormatException e) {
                throw error("bad integer '" + digits + "'");
            }
        }

        private Object word() throws BadRecordingException {
            int start = pos;
            while (pos < text.length() && Character.isLetterOrDigit(text.charAt(pos))) {
                pos++;
            }
            String word = text.substring(start, pos);
            switch (word) {
            case "True":
                return Boolean.TRUE;
            case "False":
                return Boolean.FALSE;
            case "None":
                return null;
            default:
                throw error("unexpected name '" + word + "'");
            }
        }

        private void expect(char c) throws BadRecordingException {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private char peek() {
            return pos < text.length() ? text.charAt(pos) : '\0';
        }

        private void skipSpace() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        private BadRecordingException error(String problem) {
            return new BadRecordingException(source,
                    "malformed header " + quote(text) + ": " + problem + " at character " + pos);
        }
    }
}
