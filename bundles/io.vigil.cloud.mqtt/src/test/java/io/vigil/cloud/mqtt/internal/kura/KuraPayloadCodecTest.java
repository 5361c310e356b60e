package io.vigil.cloud.mqtt.internal.kura;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.vigil.cloud.mqtt.testing.IndependentWireReader;
import io.vigil.cloud.mqtt.testing.IndependentWireReader.Field;
import io.vigil.cloud.mqtt.testing.IndependentWireReader.Kura;
import io.vigil.cloud.mqtt.testing.IndependentWireReader.Metric;

class KuraPayloadCodecTest {

    // kurapayload field numbers and wire types, stated here from the wire format, not taken from the code
    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LEN = 2;
    private static final int FIXED32 = 5;

    private final KuraPayloadCodec codec = new KuraPayloadCodec();

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /**
     * The golden payload, byte by byte. Keys are varint((field << 3) | wire type); protobuf writes fields in
     * field-number order, and so does a hand encoder following the schema.
     */
    static final byte[] GOLDEN = concat(
            // timestamp = 300: key (1<<3)|0 = 0x08; 300 = 0b10_0101100 -> 0xAC 0x02
            bytes(0x08, 0xAC, 0x02),
            // position: key (2<<3)|2 = 0x12, 18 bytes follow
            bytes(0x12, 18),
            //   latitude 1.5: key (1<<3)|1 = 0x09; 1.5 = 0x3FF8000000000000, little-endian
            bytes(0x09, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F),
            //   longitude -2.0: key (2<<3)|1 = 0x11; -2.0 = 0xC000000000000000
            bytes(0x11, 0, 0, 0, 0, 0, 0, 0, 0xC0),
            // metric: key (5000<<3)|2 = 40002 = 0x42 + 0x38*128 + 2*16384 -> 0xC2 0xB8 0x02; 16 bytes follow
            bytes(0xC2, 0xB8, 0x02, 16),
            //   name "t": key 0x0A, length 1, 't' = 0x74
            bytes(0x0A, 1, 0x74),
            //   type INT32 = 3: key (2<<3)|0 = 0x10
            bytes(0x10, 3),
            //   int_value -2: key (6<<3)|0 = 0x30; int32 -2 sign-extended to 64 bits = 10-byte varint
            bytes(0x30, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01),
            // metric: 14 bytes follow
            bytes(0xC2, 0xB8, 0x02, 14),
            //   name "d", type DOUBLE = 0
            bytes(0x0A, 1, 0x64, 0x10, 0),
            //   double_value 0.25: key (3<<3)|1 = 0x19; 0.25 = 0x3FD0000000000000
            bytes(0x19, 0, 0, 0, 0, 0, 0, 0xD0, 0x3F),
            // metric: 10 bytes follow
            bytes(0xC2, 0xB8, 0x02, 10),
            //   name "f", type FLOAT = 1
            bytes(0x0A, 1, 0x66, 0x10, 1),
            //   float_value 1.5f: key (4<<3)|5 = 0x25; 1.5f = 0x3FC00000
            bytes(0x25, 0, 0, 0xC0, 0x3F),
            // metric: 9 bytes follow
            bytes(0xC2, 0xB8, 0x02, 9),
            //   name "s", type STRING = 5, string_value "ok": key (8<<3)|2 = 0x42
            bytes(0x0A, 1, 0x73, 0x10, 5, 0x42, 2, 0x6F, 0x6B),
            // body: key (5001<<3)|2 = 40010 = 0x4A + 0x38*128 + 2*16384 -> 0xCA 0xB8 0x02; 2 bytes 01 02
            bytes(0xCA, 0xB8, 0x02, 2, 0x01, 0x02));

    static KuraPayload goldenPayload() {
        return KuraPayload.builder().timestamp(300).position(KuraPosition.builder(1.5, -2.0).build())
                .metric("t", -2).metric("d", 0.25).metric("f", 1.5f).metric("s", "ok").body(bytes(1, 2)).build();
    }

    @Test
    void encodesTheGoldenPayloadByteForByte() {
        assertArrayEquals(GOLDEN, codec.encode(goldenPayload(), false));
    }

    @Test
    void decodesTheGoldenPayload() throws Exception {
        assertEquals(goldenPayload(), codec.decode(GOLDEN));
    }

    @Test
    void goldenBytesAreWhatProtobufItselfReads() throws Exception {
        // protobuf's generated parser checks the hand-computed bytes against the schema, independently of
        // Vigil's own decoder
        var parsed = io.vigil.cloud.mqtt.internal.kura.proto.KuraPayloadProto.KuraPayload.parseFrom(GOLDEN);
        assertEquals(300, parsed.getTimestamp());
        assertEquals(-2.0, parsed.getPosition().getLongitude());
        assertEquals(4, parsed.getMetricCount());
        assertEquals(-2, parsed.getMetric(0).getIntValue());
        assertEquals("ok", parsed.getMetric(3).getStringValue());
        assertArrayEquals(bytes(1, 2), parsed.getBody().toByteArray());
    }

    @Test
    void emptyPayloadIsZeroBytes() throws Exception {
        KuraPayload empty = KuraPayload.builder().build();
        assertEquals(0, codec.encode(empty, false).length);
        assertEquals(empty, codec.decode(new byte[0]));
    }

    @Test
    void everyMetricTypeRoundTripsAndReadsBackIndependently() throws Exception {
        byte[] raw = { 0, -1, 127, -128 };
        KuraPayload p = KuraPayload.builder()
                .metric("double", -0.0).metric("double.nan", Double.NaN).metric("double.max", Double.MAX_VALUE)
                .metric("float", Float.NEGATIVE_INFINITY).metric("float.min", Float.MIN_VALUE)
                .metric("int64.min", Long.MIN_VALUE).metric("int64.max", Long.MAX_VALUE)
                .metric("int32.min", Integer.MIN_VALUE).metric("int32.max", Integer.MAX_VALUE)
                .metric("bool.true", true).metric("bool.false", false)
                .metric("string", "Grüße, 泵 7 🛠").metric("string.empty", "")
                .metric("bytes", raw).metric("bytes.empty", new byte[0]).build();

        byte[] encoded = codec.encode(p, false);
        KuraPayload decoded = codec.decode(encoded);
        assertEquals(p, decoded);
        assertEquals(List.copyOf(p.metrics().keySet()), List.copyOf(decoded.metrics().keySet()), "wire order kept");

        Kura k = IndependentWireReader.readKura(encoded);
        assertNull(k.timestamp());
        assertNull(k.position());
        assertNull(k.body());
        assertEquals(15, k.metrics().size());
        assertMetric(k.metrics().get(0), "double", 0, 3, FIXED64);
        assertEquals(Double.doubleToRawLongBits(-0.0), k.metrics().get(0).only().fixed64());
        assertTrue(Double.isNaN(k.metrics().get(1).only().asDouble()));
        assertEquals(Double.MAX_VALUE, k.metrics().get(2).only().asDouble());
        assertMetric(k.metrics().get(3), "float", 1, 4, FIXED32);
        assertEquals(Float.NEGATIVE_INFINITY, k.metrics().get(3).only().asFloat());
        assertEquals(Float.MIN_VALUE, k.metrics().get(4).only().asFloat());
        assertMetric(k.metrics().get(5), "int64.min", 2, 5, VARINT);
        assertEquals(Long.MIN_VALUE, k.metrics().get(5).only().varint());
        assertEquals(Long.MAX_VALUE, k.metrics().get(6).only().varint());
        assertMetric(k.metrics().get(7), "int32.min", 3, 6, VARINT);
        // int32 negatives are sign-extended on the wire
        assertEquals((long) Integer.MIN_VALUE, k.metrics().get(7).only().varint());
        assertEquals(Integer.MAX_VALUE, k.metrics().get(8).only().varint());
        assertMetric(k.metrics().get(9), "bool.true", 4, 7, VARINT);
        assertEquals(1, k.metrics().get(9).only().varint());
        assertEquals(0, k.metrics().get(10).only().varint());
        assertMetric(k.metrics().get(11), "string", 5, 8, LEN);
        assertEquals("Grüße, 泵 7 🛠", k.metrics().get(11).only().string());
        assertEquals("", k.metrics().get(12).only().string());
        assertMetric(k.metrics().get(13), "bytes", 6, 9, LEN);
        assertArrayEquals(raw, k.metrics().get(13).only().bytes());
        assertArrayEquals(new byte[0], k.metrics().get(14).only().bytes());
    }

    private static void assertMetric(Metric m, String name, long type, int valueField, int wireType) {
        assertEquals(name, m.name());
        assertEquals(type, m.type(), name + " type");
        assertEquals(valueField, m.only().number(), name + " value field");
        assertEquals(wireType, m.only().wireType(), name + " value wire type");
    }

    @Test
    void fullPositionRoundTripsAndReadsBackIndependently() throws Exception {
        KuraPosition pos = KuraPosition.builder(46.0569, 14.5058).altitude(295.5).precision(1.2).heading(270)
                .speed(0.0).timestampEpochMillis(1_700_000_000_123L).satellites(9).status(-1).build();
        KuraPayload p = KuraPayload.builder().timestamp(1_700_000_000_456L).position(pos).build();

        byte[] encoded = codec.encode(p, false);
        assertEquals(p, codec.decode(encoded));

        Kura k = IndependentWireReader.readKura(encoded);
        assertEquals(1_700_000_000_456L, k.timestamp());
        List<Field> f = k.position();
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9), f.stream().map(Field::number).toList());
        assertEquals(46.0569, IndependentWireReader.expect(f.get(0), FIXED64).asDouble());
        assertEquals(14.5058, IndependentWireReader.expect(f.get(1), FIXED64).asDouble());
        assertEquals(295.5, f.get(2).asDouble());
        assertEquals(1.2, f.get(3).asDouble());
        assertEquals(270.0, f.get(4).asDouble());
        assertEquals(0.0, f.get(5).asDouble());
        assertEquals(1_700_000_000_123L, IndependentWireReader.expect(f.get(6), VARINT).varint());
        assertEquals(9, IndependentWireReader.expect(f.get(7), VARINT).varint());
        assertEquals(-1L, f.get(8).varint(), "int32 -1 sign-extended");
    }

    @Test
    void minimalPositionCarriesOnlyLatitudeAndLongitude() throws Exception {
        KuraPayload p = KuraPayload.builder().position(KuraPosition.builder(0, 0).build()).build();
        byte[] encoded = codec.encode(p, false);
        KuraPosition decoded = codec.decode(encoded).position().orElseThrow();
        assertFalse(decoded.altitude().isPresent());
        assertFalse(decoded.satellites().isPresent());
        assertFalse(decoded.timestampEpochMillis().isPresent());
        assertEquals(2, IndependentWireReader.readKura(encoded).position().size());
    }

    @Test
    void bodyRoundTripsIncludingEmptyAndLarge() throws Exception {
        byte[] large = new byte[200_000];
        new Random(7).nextBytes(large);
        for (byte[] body : List.of(new byte[0], bytes(0x1f, 0x8b), large)) {
            KuraPayload p = KuraPayload.builder().body(body).build();
            byte[] encoded = codec.encode(p, false);
            assertArrayEquals(body, codec.decode(encoded).body().orElseThrow());
            assertArrayEquals(body, IndependentWireReader.readKura(encoded).body());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void gzipIsOptionalAndDetectedOnDecode(boolean gzip) throws Exception {
        KuraPayload p = goldenPayload().toBuilder().metric("text", "abc ".repeat(500)).build();
        byte[] encoded = codec.encode(p, gzip);
        boolean magic = encoded[0] == 0x1f && encoded[1] == (byte) 0x8b;
        assertEquals(gzip, magic);
        assertEquals(p, codec.decode(encoded));
        if (gzip) {
            byte[] gunzipped;
            try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(encoded))) {
                gunzipped = in.readAllBytes();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            assertArrayEquals(codec.encode(p, false), gunzipped, "gzip wraps exactly the plain encoding");
            assertTrue(encoded.length < gunzipped.length / 4, "repetitive text compresses");
        }
        assertEquals("abc ".repeat(500), IndependentWireReader.readKura(encoded).metrics().get(4).only().string());
    }

    @Test
    void goldenBytesGzippedByTheTestDecode() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
            gz.write(GOLDEN);
        }
        assertEquals(goldenPayload(), codec.decode(out.toByteArray()));
    }

    @Test
    void unknownFieldsAreSkippedForwardCompatibly() throws Exception {
        byte[] withUnknowns = concat(
                bytes(0x08, 0x05), // timestamp 5
                bytes(0xA0, 0x06, 0x2A), // field 100 (extension range) varint 42: key 800 = 0xA0 0x06
                bytes(0x1A, 2, 0x41, 0x42), // field 3 length-delimited "AB"
                bytes(0x21, 1, 2, 3, 4, 5, 6, 7, 8), // field 4 fixed64
                bytes(0x2D, 1, 2, 3, 4), // field 5 fixed32
                bytes(0x33, 0x38, 0x01, 0x34), // group 6 { field 7 varint 1 } end group 6
                // metric with an unknown field 15 (varint) between name and type
                bytes(0xC2, 0xB8, 0x02, 9, 0x0A, 1, 0x6E, 0x78, 0x09, 0x10, 2, 0x28, 7));
        KuraPayload p = codec.decode(withUnknowns);
        assertEquals(5, p.timestampEpochMillis().getAsLong());
        assertEquals(MetricValue.of(7L), p.metric("n").orElseThrow());
    }

    @Test
    void repeatedSingularFieldsFollowProtobufLastOneWins() throws Exception {
        byte[] twice = concat(bytes(0x08, 0x01), bytes(0x08, 0x02),
                bytes(0x12, 9, 0x09, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F), // position { latitude 1.0 }
                bytes(0x12, 9, 0x11, 0, 0, 0, 0, 0, 0, 0, 0x40)); // position { longitude 2.0 }, merged
        KuraPayload p = codec.decode(twice);
        assertEquals(2, p.timestampEpochMillis().getAsLong());
        assertEquals(1.0, p.position().orElseThrow().latitude());
        assertEquals(2.0, p.position().orElseThrow().longitude());
    }

    @Test
    void randomPayloadsRoundTrip() throws Exception {
        Random r = new Random(20240601);
        for (int i = 0; i < 300; i++) {
            KuraPayload.Builder b = KuraPayload.builder();
            if (r.nextBoolean()) {
                b.timestamp(r.nextLong());
            }
            if (r.nextInt(4) == 0) {
                b.position(KuraPosition.builder(r.nextDouble() * 180 - 90, r.nextDouble() * 360 - 180)
                        .satellites(r.nextInt()).build());
            }
            int n = r.nextInt(12);
            for (int m = 0; m < n; m++) {
                String name = "m" + m;
                switch (r.nextInt(7)) {
                case 0 -> b.metric(name, r.nextDouble());
                case 1 -> b.metric(name, r.nextFloat());
                case 2 -> b.metric(name, r.nextLong());
                case 3 -> b.metric(name, r.nextInt());
                case 4 -> b.metric(name, r.nextBoolean());
                case 5 -> b.metric(name, Long.toString(r.nextLong(), 36));
                default -> {
                    byte[] x = new byte[r.nextInt(40)];
                    r.nextBytes(x);
                    b.metric(name, x);
                }
                }
            }
            if (r.nextBoolean()) {
                byte[] body = new byte[r.nextInt(300)];
                r.nextBytes(body);
                b.body(body);
            }
            KuraPayload p = b.build();
            boolean gzip = r.nextBoolean();
            byte[] encoded = codec.encode(p, gzip);
            assertEquals(p, codec.decode(encoded), "payload " + i);
            assertEquals(n, IndependentWireReader.readKura(encoded).metrics().size());
        }
    }
}
