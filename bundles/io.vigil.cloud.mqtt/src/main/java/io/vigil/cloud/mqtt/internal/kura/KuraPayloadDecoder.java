package io.vigil.cloud.mqtt.internal.kura;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.vigil.cloud.mqtt.internal.kura.KuraPayloadException.Problem;

/**
 * Strict reader of the kurapayload wire format, one instance per payload.
 * <p>
 * Why not protobuf-java's generated parser, when the encoder uses the generated classes: that parser is
 * lenient by design and silent about where things went wrong. A known field sent with the wrong wire type and
 * a metric type number it does not know both become "unknown fields" (the metric then only fails as "missing
 * required field type", with no position), and its exceptions carry no byte offset. Remote management has to
 * answer 400 naming what was wrong and where, so this reader walks the bytes itself: varints, fixed64/32 and
 * lengths, each checked against the end of the enclosing message. Fields it does not know are skipped, as
 * protobuf does, so payloads from newer peers (or Kura's extension range) still decode.
 */
final class KuraPayloadDecoder {

    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH_DELIMITED = 2;
    private static final int START_GROUP = 3;
    private static final int END_GROUP = 4;
    private static final int FIXED32 = 5;
    private static final int MAX_GROUP_DEPTH = 64;

    private final byte[] buf;
    private final boolean gunzipped;
    private int pos;

    private KuraPayloadDecoder(byte[] buf, boolean gunzipped) {
        this.buf = buf;
        this.gunzipped = gunzipped;
    }

    /**
     * @param wire the protobuf bytes, already gunzipped
     * @param gunzipped whether they came out of gzip, so error offsets say which bytes they count
     */
    static KuraPayload decode(byte[] wire, boolean gunzipped) throws KuraPayloadException {
        return new KuraPayloadDecoder(wire, gunzipped).payload();
    }

    private KuraPayload payload() throws KuraPayloadException {
        KuraPayload.Builder payload = KuraPayload.builder();
        PositionFields position = null;
        int end = buf.length;
        while (pos < end) {
            int tagAt = pos;
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) (tag & 7);
            switch (field) {
            case 1 -> {
                expect(wireType, VARINT, "timestamp", field, tagAt);
                payload.timestamp(readVarint("timestamp", end));
            }
            case 2 -> {
                expect(wireType, LENGTH_DELIMITED, "position", field, tagAt);
                int length = readLength("position", tagAt, end);
                // a repeated singular message merges into the first, as protobuf does
                position = position(position == null ? new PositionFields() : position, tagAt, pos + length);
            }
            case 5000 -> {
                expect(wireType, LENGTH_DELIMITED, "metric", field, tagAt);
                int length = readLength("metric", tagAt, end);
                metric(payload, tagAt, pos + length);
            }
            case 5001 -> {
                expect(wireType, LENGTH_DELIMITED, "body", field, tagAt);
                int length = readLength("body", tagAt, end);
                payload.body(Arrays.copyOfRange(buf, pos, pos + length));
                pos += length;
            }
            default -> skipField(field, wireType, tagAt, end);
            }
        }
        if (position != null) {
            payload.position(position.build(this));
        }
        return payload.build();
    }

    private void metric(KuraPayload.Builder payload, int metricAt, int end) throws KuraPayloadException {
        String name = null;
        Long typeNumber = null;
        int typeAt = -1;
        MetricValue doubleValue = null;
        MetricValue floatValue = null;
        MetricValue longValue = null;
        MetricValue intValue = null;
        MetricValue boolValue = null;
        MetricValue stringValue = null;
        MetricValue bytesValue = null;
        while (pos < end) {
            int tagAt = pos;
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) (tag & 7);
            switch (field) {
            case 1 -> {
                expect(wireType, LENGTH_DELIMITED, "metric name", field, tagAt);
                name = readString("metric name", tagAt, end);
            }
            case 2 -> {
                expect(wireType, VARINT, metricLabel(name) + " type", field, tagAt);
                typeAt = tagAt;
                typeNumber = readVarint(metricLabel(name) + " type", end);
            }
            case 3 -> {
                expect(wireType, FIXED64, metricLabel(name) + " double_value", field, tagAt);
                doubleValue = MetricValue.of(Double.longBitsToDouble(readFixed64(end)));
            }
            case 4 -> {
                expect(wireType, FIXED32, metricLabel(name) + " float_value", field, tagAt);
                floatValue = MetricValue.of(Float.intBitsToFloat(readFixed32(end)));
            }
            case 5 -> {
                expect(wireType, VARINT, metricLabel(name) + " long_value", field, tagAt);
                longValue = MetricValue.of(readVarint(metricLabel(name) + " long_value", end));
            }
            case 6 -> {
                expect(wireType, VARINT, metricLabel(name) + " int_value", field, tagAt);
                // int32 travels as a sign-extended varint; protobuf keeps the low 32 bits
                intValue = MetricValue.of((int) readVarint(metricLabel(name) + " int_value", end));
            }
            case 7 -> {
                expect(wireType, VARINT, metricLabel(name) + " bool_value", field, tagAt);
                boolValue = MetricValue.of(readVarint(metricLabel(name) + " bool_value", end) != 0);
            }
            case 8 -> {
                expect(wireType, LENGTH_DELIMITED, metricLabel(name) + " string_value", field, tagAt);
                stringValue = MetricValue.of(readString(metricLabel(name) + " string_value", tagAt, end));
            }
            case 9 -> {
                expect(wireType, LENGTH_DELIMITED, metricLabel(name) + " bytes_value", field, tagAt);
                int length = readLength(metricLabel(name) + " bytes_value", tagAt, end);
                bytesValue = MetricValue.of(Arrays.copyOfRange(buf, pos, pos + length));
                pos += length;
            }
            default -> skipField(field, wireType, tagAt, end);
            }
        }
        if (name == null) {
            throw error(Problem.MISSING_REQUIRED_FIELD, metricAt, "metric has no name (field 1, required)");
        }
        if (typeNumber == null) {
            throw error(Problem.MISSING_REQUIRED_FIELD, metricAt,
                    metricLabel(name) + " has no type (field 2, required)");
        }
        MetricValue.Type type = MetricValue.Type.ofWireNumber(typeNumber);
        if (type == null) {
            throw error(Problem.UNKNOWN_METRIC_TYPE, typeAt, metricLabel(name) + " has type " + typeNumber
                    + ", which kurapayload does not define (0 DOUBLE, 1 FLOAT, 2 INT64, 3 INT32, 4 BOOL, 5 STRING, 6 BYTES)");
        }
        MetricValue value = switch (type) {
        case DOUBLE -> doubleValue;
        case FLOAT -> floatValue;
        case INT64 -> longValue;
        case INT32 -> intValue;
        case BOOL -> boolValue;
        case STRING -> stringValue;
        case BYTES -> bytesValue;
        };
        if (value == null) {
            throw error(Problem.MISSING_METRIC_VALUE, metricAt,
                    metricLabel(name) + " has type " + type + " but no " + valueFieldOf(type));
        }
        if (payload.hasMetric(name)) {
            throw error(Problem.DUPLICATE_METRIC, metricAt, metricLabel(name) + " appears twice");
        }
        payload.metric(name, value);
    }

    private static String valueFieldOf(MetricValue.Type type) {
        return switch (type) {
        case DOUBLE -> "double_value (field 3)";
        case FLOAT -> "float_value (field 4)";
        case INT64 -> "long_value (field 5)";
        case INT32 -> "int_value (field 6)";
        case BOOL -> "bool_value (field 7)";
        case STRING -> "string_value (field 8)";
        case BYTES -> "bytes_value (field 9)";
        };
    }

    private static String metricLabel(String name) {
        return name == null ? "metric" : "metric '" + name + "'";
    }

    private PositionFields position(PositionFields p, int positionAt, int end) throws KuraPayloadException {
        p.at = positionAt;
        while (pos < end) {
            int tagAt = pos;
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) (tag & 7);
            switch (field) {
            case 1 -> p.latitude = positionDouble(wireType, "latitude", field, tagAt, end);
            case 2 -> p.longitude = positionDouble(wireType, "longitude", field, tagAt, end);
            case 3 -> p.altitude = positionDouble(wireType, "altitude", field, tagAt, end);
            case 4 -> p.precision = positionDouble(wireType, "precision", field, tagAt, end);
            case 5 -> p.heading = positionDouble(wireType, "heading", field, tagAt, end);
            case 6 -> p.speed = positionDouble(wireType, "speed", field, tagAt, end);
            case 7 -> {
                expect(wireType, VARINT, "position timestamp", field, tagAt);
                p.timestamp = readVarint("position timestamp", end);
            }
            case 8 -> {
                expect(wireType, VARINT, "position satellites", field, tagAt);
                p.satellites = (int) readVarint("position satellites", end);
            }
            case 9 -> {
                expect(wireType, VARINT, "position status", field, tagAt);
                p.status = (int) readVarint("position status", end);
            }
            default -> skipField(field, wireType, tagAt, end);
            }
        }
        return p;
    }

    private double positionDouble(int wireType, String name, int field, int tagAt, int end)
            throws KuraPayloadException {
        expect(wireType, FIXED64, "position " + name, field, tagAt);
        return Double.longBitsToDouble(readFixed64(end));
    }

    /** Position fields as they arrive; required ones are checked once the whole payload is read. */
    private static final class PositionFields {
        int at;
        Double latitude;
        Double longitude;
        Double altitude;
        Double precision;
        Double heading;
        Double speed;
        Long timestamp;
        Integer satellites;
        Integer status;

        KuraPosition build(KuraPayloadDecoder d) throws KuraPayloadException {
            if (latitude == null || longitude == null) {
                throw d.error(Problem.MISSING_REQUIRED_FIELD, at, "position has no "
                        + (latitude == null ? "latitude (field 1, required)" : "longitude (field 2, required)"));
            }
            KuraPosition.Builder b = KuraPosition.builder(latitude, longitude);
            if (altitude != null) {
                b.altitude(altitude);
            }
            if (precision != null) {
                b.precision(precision);
            }
            if (heading != null) {
                b.heading(heading);
            }
            if (speed != null) {
                b.speed(speed);
            }
            if (timestamp != null) {
                b.timestampEpochMillis(timestamp);
            }
            if (satellites != null) {
                b.satellites(satellites);
            }
            if (status != null) {
                b.status(status);
            }
            return b.build();
        }
    }

    // --- wire primitives ------------------------------------------------------------------------------------

    private long readTag(int end) throws KuraPayloadException {
        int at = pos;
        long tag = readVarint("field tag", end);
        if (tag >>> 3 == 0) {
            throw error(Problem.INVALID_TAG, at, "field number 0 is not a valid protobuf field");
        }
        if (tag > 0xFFFF_FFFFL) {
            throw error(Problem.INVALID_TAG, at, "field tag " + Long.toUnsignedString(tag) + " is out of range");
        }
        int wireType = (int) (tag & 7);
        if (wireType > FIXED32) {
            throw error(Problem.INVALID_TAG, at,
                    "field " + (tag >>> 3) + " has wire type " + wireType + ", which protobuf does not define");
        }
        return tag;
    }

    private void expect(int actual, int expected, String what, int field, int tagAt) throws KuraPayloadException {
        if (actual != expected) {
            throw error(Problem.WRONG_WIRE_TYPE, tagAt, what + " (field " + field + ") must be " + wireTypeName(expected)
                    + " but arrived as " + wireTypeName(actual));
        }
    }

    private static String wireTypeName(int wireType) {
        return switch (wireType) {
        case VARINT -> "a varint (wire type 0)";
        case FIXED64 -> "fixed64 (wire type 1)";
        case LENGTH_DELIMITED -> "length-delimited (wire type 2)";
        case START_GROUP -> "a start-group (wire type 3)";
        case END_GROUP -> "an end-group (wire type 4)";
        case FIXED32 -> "fixed32 (wire type 5)";
        default -> "wire type " + wireType;
        };
    }

    private long readVarint(String what, int end) throws KuraPayloadException {
        int start = pos;
        long result = 0;
        for (int i = 0; i < 10; i++) {
            if (pos >= end) {
                throw error(Problem.TRUNCATED, start, "varint of " + what + " is cut off after " + (pos - start)
                        + " byte(s) by the end of the " + enclosing(end));
            }
            byte b = buf[pos++];
            result |= (long) (b & 0x7F) << (7 * i);
            if (b >= 0) {
                return result;
            }
        }
        throw error(Problem.MALFORMED_VARINT, start, "varint of " + what + " is longer than 10 bytes");
    }

    private long readFixed64(int end) throws KuraPayloadException {
        requireBytes(8, "fixed64 value", end);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (buf[pos + i] & 0xFFL);
        }
        pos += 8;
        return v;
    }

    private int readFixed32(int end) throws KuraPayloadException {
        requireBytes(4, "fixed32 value", end);
        int v = 0;
        for (int i = 3; i >= 0; i--) {
            v = (v << 8) | (buf[pos + i] & 0xFF);
        }
        pos += 4;
        return v;
    }

    private void requireBytes(long n, String what, int end) throws KuraPayloadException {
        if (n > end - pos) {
            throw error(Problem.TRUNCATED, pos,
                    what + " needs " + n + " bytes but only " + (end - pos) + " remain in the " + enclosing(end));
        }
    }

    /** Reads a length prefix and checks that many bytes follow inside the enclosing message. */
    private int readLength(String what, int tagAt, int end) throws KuraPayloadException {
        long length = readVarint("length of " + what, end);
        if (length < 0 || length > end - pos) {
            throw error(Problem.TRUNCATED, tagAt, what + " declares " + Long.toUnsignedString(length) + " bytes but only "
                    + (end - pos) + " remain in the " + enclosing(end));
        }
        return (int) length;
    }

    private String readString(String what, int tagAt, int end) throws KuraPayloadException {
        int length = readLength(what, tagAt, end);
        int start = pos;
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(buf, start, length);
        CharBuffer out = CharBuffer.allocate(length);
        CoderResult result = utf8.decode(in, out, true);
        if (result.isError()) {
            throw error(Problem.INVALID_UTF8, in.position(), what + " is not valid UTF-8");
        }
        result = utf8.flush(out);
        if (result.isError()) {
            throw error(Problem.INVALID_UTF8, in.position(), what + " is not valid UTF-8");
        }
        pos = start + length;
        return out.flip().toString();
    }

    private void skipField(int field, int wireType, int tagAt, int end) throws KuraPayloadException {
        switch (wireType) {
        case VARINT -> readVarint("field " + field, end);
        case FIXED64 -> {
            requireBytes(8, "fixed64 field " + field, end);
            pos += 8;
        }
        case LENGTH_DELIMITED -> {
            int length = readLength("field " + field, tagAt, end);
            pos += length;
        }
        case FIXED32 -> {
            requireBytes(4, "fixed32 field " + field, end);
            pos += 4;
        }
        case START_GROUP -> skipGroup(field, tagAt, end);
        case END_GROUP -> throw error(Problem.INVALID_TAG, tagAt, "end-group for field " + field + " without its start");
        default -> throw new AssertionError(wireType); // readTag rejects 6 and 7
        }
    }

    /** Skips a (deprecated, but legal) group, nested groups included, up to its matching end-group tag. */
    private void skipGroup(int field, int groupAt, int end) throws KuraPayloadException {
        int[] open = new int[MAX_GROUP_DEPTH];
        int depth = 0;
        open[depth++] = field;
        while (depth > 0) {
            if (pos >= end) {
                throw error(Problem.TRUNCATED, groupAt,
                        "group " + field + " has no end-group before the end of the " + enclosing(end));
            }
            int tagAt = pos;
            long tag = readTag(end);
            int inner = (int) (tag >>> 3);
            int wireType = (int) (tag & 7);
            if (wireType == START_GROUP) {
                if (depth == MAX_GROUP_DEPTH) {
                    throw error(Problem.INVALID_TAG, tagAt, "groups nested deeper than " + MAX_GROUP_DEPTH);
                }
                open[depth++] = inner;
            } else if (wireType == END_GROUP) {
                if (open[depth - 1] != inner) {
                    throw error(Problem.INVALID_TAG, tagAt,
                            "end-group for field " + inner + " while group " + open[depth - 1] + " is open");
                }
                depth--;
            } else {
                skipField(inner, wireType, tagAt, end);
            }
        }
    }

    private String enclosing(int end) {
        return end == buf.length ? "payload" : "enclosing message";
    }

    private KuraPayloadException error(Problem problem, long offset, String detail) {
        return new KuraPayloadException(problem, offset, gunzipped, detail);
    }
}
