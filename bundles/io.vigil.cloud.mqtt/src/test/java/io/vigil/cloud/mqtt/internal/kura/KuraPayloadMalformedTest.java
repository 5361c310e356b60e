package io.vigil.cloud.mqtt.internal.kura;

import static io.vigil.cloud.mqtt.internal.kura.KuraPayloadCodecTest.bytes;
import static io.vigil.cloud.mqtt.internal.kura.KuraPayloadCodecTest.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;

import io.vigil.cloud.mqtt.internal.kura.KuraPayloadException.Problem;

/** Every kind of bad input gives its documented problem, at the byte where it is. */
class KuraPayloadMalformedTest {

    private final KuraPayloadCodec codec = new KuraPayloadCodec();

    /** key of metric (field 5000, length-delimited): 40002 as a varint */
    private static final byte[] METRIC = bytes(0xC2, 0xB8, 0x02);
    /** timestamp 1: two bytes in front of the interesting part, so offsets are not trivially 0 */
    private static final byte[] TS = bytes(0x08, 0x01);

    private KuraPayloadException fails(Problem problem, long offset, byte[] payload, String... messageParts) {
        KuraPayloadException e = assertThrows(KuraPayloadException.class, () -> codec.decode(payload));
        assertEquals(problem, e.problem(), e.getMessage());
        assertEquals(offset, e.offset(), e.getMessage());
        assertTrue(e.getMessage().startsWith("malformed kurapayload at byte " + offset), e.getMessage());
        assertTrue(e.getMessage().endsWith("[" + problem + "]"), e.getMessage());
        for (String part : messageParts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
        return e;
    }

    @Test
    void truncatedVarint() {
        // timestamp 300 would be 08 AC 02; the second varint byte is missing
        fails(Problem.TRUNCATED, 1, bytes(0x08, 0xAC), "varint of timestamp", "cut off");
    }

    @Test
    void truncatedTag() {
        fails(Problem.TRUNCATED, 2, concat(TS, bytes(0xC2, 0xB8)), "field tag");
    }

    @Test
    void varintLongerThanTenBytes() {
        fails(Problem.MALFORMED_VARINT, 3,
                concat(TS, bytes(0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01)),
                "longer than 10 bytes");
    }

    @Test
    void lengthPastTheEnd() {
        // a metric that declares 10 bytes with 2 left
        fails(Problem.TRUNCATED, 2, concat(TS, METRIC, bytes(10, 0x0A, 0x00)), "metric declares 10 bytes",
                "only 2 remain");
    }

    @Test
    void lengthPastTheEndOfTheEnclosingMessage() {
        // metric of 4 bytes whose name (tag at byte 6) claims 5
        fails(Problem.TRUNCATED, 6, concat(TS, METRIC, bytes(4, 0x0A, 5, 0x61, 0x62), bytes(0x08, 0x01)),
                "metric name declares 5 bytes", "enclosing message");
    }

    @Test
    void truncatedFixed64() {
        // metric "d" DOUBLE with a double_value of 3 bytes, the metric's own length cutting it short
        fails(Problem.TRUNCATED, 12,
                concat(TS, METRIC, bytes(9, 0x0A, 1, 0x64, 0x10, 0, 0x19, 0, 0, 0)), "fixed64 value needs 8 bytes");
    }

    @Test
    void wrongWireTypeForTimestamp() {
        fails(Problem.WRONG_WIRE_TYPE, 0, bytes(0x0A, 0x00), "timestamp (field 1) must be a varint",
                "length-delimited (wire type 2)");
    }

    @Test
    void wrongWireTypeForMetric() {
        // (5000 << 3) | 0 = 40000 -> C0 B8 02
        fails(Problem.WRONG_WIRE_TYPE, 2, concat(TS, bytes(0xC0, 0xB8, 0x02, 0x01)), "metric (field 5000)");
    }

    @Test
    void wrongWireTypeForMetricName() {
        fails(Problem.WRONG_WIRE_TYPE, 6, concat(TS, METRIC, bytes(2, 0x08, 0x01)), "metric name (field 1)");
    }

    @Test
    void wrongWireTypeForValue() {
        // metric "x" INT64 with long_value sent as fixed64: key (5<<3)|1 = 0x29
        fails(Problem.WRONG_WIRE_TYPE, 11,
                concat(TS, METRIC, bytes(14, 0x0A, 1, 0x78, 0x10, 2, 0x29, 1, 0, 0, 0, 0, 0, 0, 0)),
                "metric 'x' long_value (field 5)");
    }

    @Test
    void wrongWireTypeForPositionLatitude() {
        // position { latitude as varint }
        fails(Problem.WRONG_WIRE_TYPE, 4, concat(TS, bytes(0x12, 2, 0x08, 0x01)), "position latitude (field 1)");
    }

    @Test
    void metricWithoutName() {
        // metric { type INT64, long_value 5 }
        fails(Problem.MISSING_REQUIRED_FIELD, 2, concat(TS, METRIC, bytes(4, 0x10, 2, 0x28, 5)),
                "metric has no name");
    }

    @Test
    void metricWithoutType() {
        fails(Problem.MISSING_REQUIRED_FIELD, 2, concat(TS, METRIC, bytes(5, 0x0A, 1, 0x78, 0x28, 5)),
                "metric 'x' has no type");
    }

    @Test
    void unknownMetricType() {
        // type 7 is past BYTES = 6; the offset is the type field's tag
        fails(Problem.UNKNOWN_METRIC_TYPE, 9, concat(TS, METRIC, bytes(7, 0x0A, 1, 0x78, 0x10, 7, 0x28, 5)),
                "metric 'x' has type 7");
    }

    @Test
    void negativeMetricType() {
        fails(Problem.UNKNOWN_METRIC_TYPE, 9, concat(TS, METRIC,
                bytes(14, 0x0A, 1, 0x78, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01)),
                "metric 'x' has type -1");
    }

    @Test
    void metricWithoutItsValue() {
        // INT64 declared, only a string_value sent
        fails(Problem.MISSING_METRIC_VALUE, 2, concat(TS, METRIC, bytes(7, 0x0A, 1, 0x78, 0x10, 2, 0x42, 0x00)),
                "metric 'x' has type INT64 but no long_value (field 5)");
    }

    @Test
    void duplicateMetric() {
        byte[] metric = concat(METRIC, bytes(7, 0x0A, 1, 0x78, 0x10, 4, 0x38, 1)); // bool x = true, 11 bytes
        fails(Problem.DUPLICATE_METRIC, 13, concat(TS, metric, metric), "metric 'x' appears twice");
    }

    @Test
    void positionWithoutLongitude() {
        fails(Problem.MISSING_REQUIRED_FIELD, 2, concat(TS, bytes(0x12, 9, 0x09, 0, 0, 0, 0, 0, 0, 0, 0)),
                "position has no longitude");
    }

    @Test
    void fieldNumberZero() {
        fails(Problem.INVALID_TAG, 2, concat(TS, bytes(0x00, 0x01)), "field number 0");
    }

    @Test
    void wireTypeSeven() {
        fails(Problem.INVALID_TAG, 2, concat(TS, bytes(0x0F, 0x01)), "wire type 7");
    }

    @Test
    void endGroupWithoutStart() {
        // (6 << 3) | 4 = 0x34
        fails(Problem.INVALID_TAG, 2, concat(TS, bytes(0x34)), "end-group for field 6 without its start");
    }

    @Test
    void unterminatedGroup() {
        fails(Problem.TRUNCATED, 2, concat(TS, bytes(0x33, 0x38, 0x01)), "group 6 has no end-group");
    }

    @Test
    void invalidUtf8InName() {
        // name bytes 'a' 0xFF: the bad byte is at offset 2 (timestamp) + 3 (key) + 1 (length) + 2 (name key, length)
        // + 1 ('a') = 9
        fails(Problem.INVALID_UTF8, 9, concat(TS, METRIC, bytes(6, 0x0A, 2, 0x61, 0xFF, 0x10, 5)),
                "metric name is not valid UTF-8");
    }

    @Test
    void oversizePayload() {
        KuraPayloadCodec small = new KuraPayloadCodec(16);
        KuraPayloadException e = assertThrows(KuraPayloadException.class, () -> small.decode(new byte[17]));
        assertEquals(Problem.OVERSIZE, e.problem());
        assertEquals(16, e.offset());
        assertTrue(e.getMessage().contains("payload of 17 bytes exceeds the limit of 16 bytes"), e.getMessage());
    }

    @Test
    void gzipThatExpandsBeyondTheLimit() throws IOException {
        KuraPayloadCodec small = new KuraPayloadCodec(1000);
        byte[] bomb = gzip(new byte[100_000]);
        assertTrue(bomb.length < 1000);
        KuraPayloadException e = assertThrows(KuraPayloadException.class, () -> small.decode(bomb));
        assertEquals(Problem.OVERSIZE, e.problem());
        assertTrue(e.gunzipped());
        assertTrue(e.getMessage().contains("expands beyond the limit of 1000 bytes"), e.getMessage());
    }

    @Test
    void corruptGzip() {
        fails(Problem.BAD_GZIP, 0, bytes(0x1f, 0x8b, 0x08, 0x00, 0x01), "gzip magic 1f 8b but does not gunzip");
    }

    @Test
    void offsetsInsideGzipCountGunzippedBytes() throws IOException {
        KuraPayloadException e = fails(Problem.UNKNOWN_METRIC_TYPE, 9,
                gzip(concat(TS, METRIC, bytes(7, 0x0A, 1, 0x78, 0x10, 9, 0x28, 5))), "of the gunzipped payload");
        assertTrue(e.gunzipped());
    }

    @Test
    void plainPayloadErrorsSayNothingAboutGzip() {
        KuraPayloadException e = fails(Problem.TRUNCATED, 1, bytes(0x08, 0xAC));
        assertFalse(e.gunzipped());
        assertFalse(e.getMessage().contains("gunzipped"));
    }

    private static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }
}
