package io.vigil.cloud.mqtt.internal.kura;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import com.google.protobuf.ByteString;

import io.vigil.cloud.mqtt.internal.kura.KuraPayloadException.Problem;
import io.vigil.cloud.mqtt.internal.kura.proto.KuraPayloadProto;

/**
 * Encodes {@link KuraPayload}s to kurapayload bytes and decodes them back.
 * <p>
 * Encoding goes through the classes protoc generates from {@code src/main/proto/kurapayload.proto}, so what
 * Vigil writes is protobuf's own rendering of that schema. Decoding uses {@link KuraPayloadDecoder}, a strict
 * reader that reports what was wrong and at which byte (see there for why protobuf's parser does not).
 * <p>
 * Gzip: like Kura, the whole encoded payload may be gzip-compressed. The decoder recognises it by the gzip
 * magic {@code 1f 8b}, which no kurapayload can start with: {@code 0x1f} would be the tag of field 3 with wire
 * type 7, and wire type 7 does not exist. Thread-safe and stateless apart from its size limit.
 */
public final class KuraPayloadCodec {

    /** Default limit on a payload's size, before and after gunzip: 1 MiB. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1 << 20;

    private final int maxPayloadBytes;

    /** A codec that accepts payloads up to {@link #DEFAULT_MAX_PAYLOAD_BYTES}. */
    public KuraPayloadCodec() {
        this(DEFAULT_MAX_PAYLOAD_BYTES);
    }

    /**
     * @param maxPayloadBytes the largest payload {@link #decode(byte[])} accepts, both as received and after
     *        gunzip (which bounds what a small compressed payload can expand to)
     */
    public KuraPayloadCodec(int maxPayloadBytes) {
        if (maxPayloadBytes <= 0) {
            throw new IllegalArgumentException("maxPayloadBytes must be positive, was " + maxPayloadBytes);
        }
        this.maxPayloadBytes = maxPayloadBytes;
    }

    public int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    /**
     * @param gzip whether to gzip the encoded payload; worth it for large bodies and many string metrics,
     *        not for a handful of numbers
     * @return the kurapayload bytes
     */
    public byte[] encode(KuraPayload payload, boolean gzip) {
        byte[] wire = toProto(Objects.requireNonNull(payload, "payload")).toByteArray();
        return gzip ? gzip(wire) : wire;
    }

    /**
     * @param bytes kurapayload bytes, gzip-compressed or not
     * @throws KuraPayloadException if the bytes are not a valid kurapayload, or are larger than the limit
     */
    public KuraPayload decode(byte[] bytes) throws KuraPayloadException {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length > maxPayloadBytes) {
            throw new KuraPayloadException(Problem.OVERSIZE, maxPayloadBytes, false,
                    "payload of " + bytes.length + " bytes exceeds the limit of " + maxPayloadBytes + " bytes");
        }
        if (isGzip(bytes)) {
            return KuraPayloadDecoder.decode(gunzip(bytes), true);
        }
        return KuraPayloadDecoder.decode(bytes, false);
    }

    static boolean isGzip(byte[] bytes) {
        return bytes.length >= 2 && bytes[0] == (byte) 0x1f && bytes[1] == (byte) 0x8b;
    }

    private static KuraPayloadProto.KuraPayload toProto(KuraPayload payload) {
        KuraPayloadProto.KuraPayload.Builder b = KuraPayloadProto.KuraPayload.newBuilder();
        payload.timestampEpochMillis().ifPresent(b::setTimestamp);
        payload.position().ifPresent(p -> b.setPosition(toProto(p)));
        for (Map.Entry<String, MetricValue> m : payload.metrics().entrySet()) {
            b.addMetric(toProto(m.getKey(), m.getValue()));
        }
        payload.body().ifPresent(body -> b.setBody(ByteString.copyFrom(body)));
        return b.build();
    }

    private static KuraPayloadProto.KuraPayload.KuraPosition toProto(KuraPosition p) {
        KuraPayloadProto.KuraPayload.KuraPosition.Builder b = KuraPayloadProto.KuraPayload.KuraPosition.newBuilder()
                .setLatitude(p.latitude()).setLongitude(p.longitude());
        p.altitude().ifPresent(b::setAltitude);
        p.precision().ifPresent(b::setPrecision);
        p.heading().ifPresent(b::setHeading);
        p.speed().ifPresent(b::setSpeed);
        p.timestampEpochMillis().ifPresent(b::setTimestamp);
        p.satellites().ifPresent(b::setSatellites);
        p.status().ifPresent(b::setStatus);
        return b.build();
    }

    private static KuraPayloadProto.KuraPayload.KuraMetric toProto(String name, MetricValue value) {
        KuraPayloadProto.KuraPayload.KuraMetric.Builder b = KuraPayloadProto.KuraPayload.KuraMetric.newBuilder()
                .setName(name)
                .setType(KuraPayloadProto.KuraPayload.KuraMetric.ValueType.forNumber(value.type().wireNumber()));
        if (value instanceof MetricValue.DoubleValue v) {
            b.setDoubleValue(v.value());
        } else if (value instanceof MetricValue.FloatValue v) {
            b.setFloatValue(v.value());
        } else if (value instanceof MetricValue.LongValue v) {
            b.setLongValue(v.value());
        } else if (value instanceof MetricValue.IntValue v) {
            b.setIntValue(v.value());
        } else if (value instanceof MetricValue.BoolValue v) {
            b.setBoolValue(v.value());
        } else if (value instanceof MetricValue.StringValue v) {
            b.setStringValue(v.value());
        } else if (value instanceof MetricValue.BytesValue v) {
            b.setBytesValue(ByteString.copyFrom(v.value()));
        } else {
            throw new AssertionError("unhandled metric value " + value.getClass());
        }
        return b.build();
    }

    /**
     * The wire form of a stored, uncompressed kurapayload with the metric {@value KuraMetrics#MESSAGE_ID} (INT64
     * {@code messageId}) added, gzipped if asked. The outbox assigns the id after the payload was encoded, so the
     * metric is appended as a second encoded message: protobuf parses concatenated messages as one, the repeated
     * {@code metric} field collecting the elements of both, so no decode and re-encode is needed.
     */
    public static byte[] withMessageId(byte[] stored, long messageId, boolean gzip) {
        byte[] id = KuraPayloadProto.KuraPayload.newBuilder().addMetric(toProto(KuraMetrics.MESSAGE_ID,
                new MetricValue.LongValue(messageId))).build().toByteArray();
        byte[] wire = new byte[stored.length + id.length];
        System.arraycopy(stored, 0, wire, 0, stored.length);
        System.arraycopy(id, 0, wire, stored.length, id.length);
        return gzip ? gzip(wire) : wire;
    }

    private static byte[] gzip(byte[] wire) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(wire.length / 2 + 32);
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(wire);
        } catch (IOException e) {
            throw new UncheckedIOException("gzip into memory failed", e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    private byte[] gunzip(byte[] bytes) throws KuraPayloadException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxPayloadBytes, bytes.length * 4) + 1);
        byte[] chunk = new byte[8192];
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            for (int n; (n = in.read(chunk)) != -1;) {
                if (out.size() + n > maxPayloadBytes) {
                    throw new KuraPayloadException(Problem.OVERSIZE, maxPayloadBytes, true,
                            "gzip payload of " + bytes.length + " bytes expands beyond the limit of "
                                    + maxPayloadBytes + " bytes");
                }
                out.write(chunk, 0, n);
            }
        } catch (EOFException e) {
            throw new KuraPayloadException(Problem.BAD_GZIP, 0, false,
                    "payload starts with the gzip magic 1f 8b but does not gunzip (the gzip stream is cut off)");
        } catch (IOException e) {
            throw new KuraPayloadException(Problem.BAD_GZIP, 0, false,
                    "payload starts with the gzip magic 1f 8b but does not gunzip (" + e.getMessage() + ")");
        }
        return out.toByteArray();
    }
}
